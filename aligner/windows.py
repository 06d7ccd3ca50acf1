"""Align sentences in bounded windows: a coarse pass over the whole recording, then fine passes per window.

aeneas's DTW memory grows with the audio length times the DTW band, so an hour at full resolution
needs gigabytes. Long recordings are therefore aligned twice: first every *turn* at a coarse MFCC step
(16x fewer DTW cells), which places most turns to within a second or two but may be tens of seconds
off in places; then the sentences of each window of turns at full resolution, on that window's audio
plus an overlap into the next. A window's errors stay inside it, and memory is bounded by the window,
not the recording.
"""

from __future__ import annotations

import itertools
import os
import pickle
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import BinaryIO

from . import engine
from .errors import AlignmentError, SeeklineError
from .speech import SpeechProfile
from .splice import TimeMap, splice

WINDOW_SECONDS = 600.0  # target speech per fine window
LONG_SECONDS = 900.0  # recordings with more speech than this are aligned in windows
COARSE_STEP = 0.160  # MFCC step of the coarse pass (4x aeneas's default)
COARSE_MARGIN = 60.0  # DTW band of the coarse pass, s: at 30 s, a 60-min show drifted up to 39 s; at 60, 7 s
CONTEXT = 4  # turns on either side of a window aligned with it (and kept by the neighbouring window)
# aeneas's DTW band runs along the diagonal of the window's audio and text, so the audio a window has beyond its
# text puts the path that far off the diagonal. The context turns take up the coarse pass's errors; the margin
# stays small, and the band is wide enough for the rest. At a 30 s margin and band, a 3-hour show had 15 turns
# more than 1 s off; at 5 s and 20 s, 7 (and 2 of 311 at 60 min, was 4; long45 3, was 4).
MARGIN = 5.0  # seconds of audio beyond the coarse times of those turns
FINE_MARGIN = 20.0  # DTW band of a fine window, s
MAX_WORKERS = 2  # windows aligned at once, each in its own process (memory grows with each)
TIMEOUT_BASE, TIMEOUT_PER_SECOND = 120.0, 1.0  # a window worker is stopped after this (a window takes seconds)
MIN_SPLICE_GAIN = 0.03  # splice out non-speech only when it removes at least this share of the audio

Progress = Callable[[float], None]


def align_span(
    wav_path: Path, found: SpeechProfile, texts: Sequence[str], options: engine.EngineOptions,
    span: tuple[float, float] | None = None, rendering: engine.Rendering | None = None,
) -> list[tuple[float, float]]:
    """Align ``texts`` (already synthesised as ``rendering``, if given) to the speech inside ``span`` (default:
    the whole recording), edges snapped to speech."""
    lo, hi = span or (0.0, found.duration)
    if hi - lo < engine.MFCC_STEP:  # no audio to give them (neighbours that overlap): none of it fits
        return [(lo, lo)] * len(texts)
    spans = [(max(s, lo), min(e, hi)) for s, e in found.regions() if e > lo and s < hi]
    if not spans or sum(e - s for s, e in spans) > (1 - MIN_SPLICE_GAIN) * (hi - lo):
        spans = [(lo, hi)]
    with tempfile.TemporaryDirectory(prefix="seekline-window-") as work:
        if spans == [(0.0, found.duration)]:
            target, timemap = wav_path, TimeMap(spans=(spans[0],), offsets=(0.0,))
        else:
            target = Path(work) / "speech.wav"
            timemap = splice(wav_path, spans, target)
        raw = engine.align_fragments(target, list(texts), options, rendering)
    times: list[tuple[float, float]] = []
    for a, b in raw:
        before = times[-1][1] if times else lo
        start, end = found.snap(timemap.to_source(a), timemap.to_source(b, is_end=True), before)
        times.append((found.lead_in(start, before), end))
    # a clip's own room tone after its last word belongs to it too, up to where the next one starts
    nexts = [s for s, _ in times[1:]] + [hi]
    return [(s, found.lead_out(e, n)) for (s, e), n in zip(times, nexts, strict=True)]


def align_sentences(
    wav_path: Path,
    found: SpeechProfile,
    turns: Sequence[Sequence[str]],
    options: engine.EngineOptions,
    span: tuple[float, float] | None = None,
    progress: Progress = lambda f: None,
    rendering: engine.Rendering | None = None,
) -> list[tuple[float, float]]:
    """Times of every sentence of ``turns`` (each turn's sentence texts, all of them synthesised as
    ``rendering`` if given), in order, inside ``span``."""
    lo, hi = span or (0.0, found.duration)
    speech_seconds = sum(min(e, hi) - max(s, lo) for s, e in found.regions() if e > lo and s < hi)
    if speech_seconds <= LONG_SECONDS or len(turns) < 2:
        return align_span(wav_path, found, [s for t in turns for s in t], options, span, rendering)
    cores = min(os.cpu_count() or 1, MAX_WORKERS)
    with _Workers(cores if cores > 1 else 0) as workers, tempfile.TemporaryDirectory(prefix="seekline-") as work:
        by_turn = rendering.joined([len(t) for t in turns]) if rendering else None
        coarse = align_span(wav_path, found, [" ".join(t) for t in turns], coarse_options(options), span, by_turn)
        progress(0.2)
        # Windows of about WINDOW_SECONDS of turns, each aligned with CONTEXT turns on either side and
        # MARGIN seconds of audio beyond their coarse times; only its own turns' times are kept, so a
        # coarse error near an edge lands on turns that another window aligns again. Windows are
        # independent, so they run side by side.
        bounds, first = [], 0
        while first < len(turns):
            stop = next((k for k in range(first + 1, len(turns))
                         if coarse[k][0] - coarse[first][0] >= WINDOW_SECONDS), len(turns))
            bounds.append((first, stop))
            first = stop
        jobs = []
        fine = replace(options, dtw_margin=FINE_MARGIN)
        starts = [0, *itertools.accumulate(len(t) for t in turns)]  # each turn's first sentence
        for k, (first, stop) in enumerate(bounds):
            a, z = max(0, first - CONTEXT), min(len(turns), stop + CONTEXT)
            left = lo if a == 0 else max(lo, coarse[a][0] - MARGIN)
            right = hi if z == len(turns) else min(hi, coarse[z - 1][1] + MARGIN)
            part = _part(rendering, starts[a], starts[z], Path(work) / f"tts-{k}.wav") if rendering else None
            jobs.append(((wav_path, found, [x for t in turns[a:z] for x in t], fine, (left, right), part),
                         starts[first] - starts[a], starts[stop] - starts[first]))
        times: list[tuple[float, float]] = []
        done = 0
        for (_, skip, keep), got in zip(jobs, workers.map([j[0] for j in jobs]), strict=True):
            for start, end in got[skip:skip + keep]:  # never before the previous window's last sentence
                floor = times[-1][1] if times else lo
                times.append((max(start, floor), max(end, floor)))
            done += 1
            progress(0.2 + 0.8 * done / len(jobs))
    return times


def coarse_options(options: engine.EngineOptions) -> engine.EngineOptions:
    """How the coarse pass aligns."""
    return replace(options, frame_step=COARSE_STEP, dtw_margin=COARSE_MARGIN)


def _part(rendering: engine.Rendering, first: int, stop: int, out_wav: Path) -> engine.Rendering:
    """Texts ``first`` to ``stop`` of ``rendering``, cut out into ``out_wav``."""
    a, b = rendering.spans[first][0], rendering.spans[stop - 1][1]
    splice(rendering.wav, [(a, b)], out_wav)
    return engine.Rendering(out_wav, tuple((s - a, e - a) for s, e in rendering.spans[first:stop]))


class _Workers:
    """``count`` child interpreters (``python -m aligner.windows``) that align windows side by side, each one
    window after another; with ``count`` 0, windows are aligned here, one by one.

    Unlike multiprocessing, this works from any caller, a script without a main guard or a daemonic Celery
    worker included. The children start when the pool does, so their start-up overlaps the coarse pass.
    """

    def __init__(self, count: int) -> None:
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._all = [_Worker() for _ in range(count)]
        for worker in self._all:
            self._idle.put(worker)

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        for worker in self._all:
            worker.close()

    def map(self, calls: list[tuple]) -> Iterator[list[tuple[float, float]]]:
        """``align_span(*call)`` for each call, in order."""
        if not self._all:
            yield from (align_span(*call) for call in calls)
            return
        with ThreadPoolExecutor(len(self._all)) as pool:
            yield from pool.map(self._call, calls)

    def _call(self, call: tuple) -> list[tuple[float, float]]:
        worker = self._idle.get()
        try:
            return worker.call(call)
        finally:
            self._idle.put(worker)


class _Worker:
    """One child interpreter, started again if a call killed it."""

    def __init__(self) -> None:
        self._start()

    def _start(self) -> None:
        self._errors = tempfile.TemporaryFile()
        self._proc = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=self._errors, env=_one_thread())

    def call(self, call: tuple) -> list[tuple[float, float]]:
        if self._proc.poll() is not None:
            self.close()
            self._start()
        lo, hi = call[4]
        limit = TIMEOUT_BASE + TIMEOUT_PER_SECOND * (hi - lo)
        overran = threading.Event()

        def stop() -> None:
            overran.set()
            self._proc.kill()

        timer = threading.Timer(limit, stop)
        timer.start()
        try:
            _send(self._proc.stdin, call)
            result = _receive(self._proc.stdout)
        except (OSError, EOFError, pickle.UnpicklingError):
            result = None
        finally:
            timer.cancel()
        if overran.is_set():
            raise AlignmentError(f"aligning {hi - lo:.0f} s of audio took over {limit:.0f} s and was stopped; "
                                 "the machine may be overloaded, or eSpeak hung: try the job again")
        if result is None:
            self._errors.seek(0)
            raise AlignmentError(f"a window's alignment failed: {self._errors.read().decode(errors='replace')[-500:]}")
        if isinstance(result, Exception):
            raise result
        return result

    def close(self) -> None:
        try:
            self._proc.stdin.close()  # the child's cue to exit
            self._proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self._proc.kill()
            self._proc.wait()
        self._proc.stdout.close()
        self._errors.close()


def _one_thread() -> dict[str, str]:
    """The environment for a window worker: numpy's BLAS on one thread, as the workers already fill the cores."""
    return {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def _send(stream: BinaryIO, obj: object) -> None:
    data = pickle.dumps(obj)
    stream.write(len(data).to_bytes(8, "little") + data)
    stream.flush()


def _receive(stream: BinaryIO) -> object:
    size = int.from_bytes(_read(stream, 8), "little")
    return pickle.loads(_read(stream, size))


def _read(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the stream ended")
    return data


def _serve() -> None:
    """The child side of :class:`_Worker`: calls from stdin, each answered on stdout with its times (or error),
    until stdin closes. Anything else written to stdout goes to stderr, so it cannot garble the answers."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    while True:
        try:
            call = _receive(sys.stdin.buffer)
        except EOFError:
            return
        try:
            result: object = align_span(*call)
        except SeeklineError as e:
            result = e
        _send(answers, result)


if __name__ == "__main__":
    _serve()
