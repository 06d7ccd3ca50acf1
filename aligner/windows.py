"""Align sentences in bounded windows: a coarse pass over the whole recording, then fine passes per window.

aeneas's DTW memory grows with the audio length times the DTW band, so an hour at full resolution
needs gigabytes. Long recordings are therefore aligned twice: first every *turn* at a coarse MFCC step
(16x fewer DTW cells), which places most turns to within a second or two but may be tens of seconds
off in places; then the sentences of each window of turns at full resolution, on that window's audio
plus an overlap into the next. A window's errors stay inside it, and memory is bounded by the window,
not the recording.
"""

from __future__ import annotations

import functools
import itertools
import math
import os
import pickle
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import numpy as np

from . import engine
from .audio import SAMPLE_RATE
from .engine import MFCC_STEP
from .errors import AlignmentError, SeeklineError
from .speech import SpeechProfile
from .splice import TimeMap, join_gap, splice

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
    frames: Frames | None = None, snapped: bool = True,
) -> list[tuple[float, float]]:
    """Align ``texts`` (already synthesised as ``rendering``, if given) to the speech inside ``span`` (default:
    the whole recording), edges snapped to speech (unless not ``snapped``: as aeneas's DTW put them).

    :param frames: the recording's MFCCs over ``span`` at ``options``' step, already taken: the speech is then cut
        on their frames, and aeneas is given theirs instead of taking its own.
    """
    lo, hi = span or (0.0, found.duration)
    if hi - lo < engine.MFCC_STEP:  # no audio to give them (neighbours that overlap): none of it fits
        return [(lo, lo)] * len(texts)
    spans = [(max(s, lo), min(e, hi)) for s, e in found.regions() if e > lo and s < hi]
    if not spans or sum(e - s for s, e in spans) > (1 - MIN_SPLICE_GAIN) * (hi - lo):
        spans = [(lo, hi)]
    if frames is not None:
        spans = [(a, b) for a, b in ((frames.on_grid(s), frames.on_grid(e)) for s, e in spans) if b > a]
    with tempfile.TemporaryDirectory(prefix="seekline-window-") as work:
        if spans == [(0.0, found.duration)]:
            target, timemap = wav_path, TimeMap(spans=(spans[0],), offsets=(0.0,))
        else:
            target = Path(work) / "speech.wav"
            timemap = splice(wav_path, spans, target)
        taken = frames.spliced(spans) if frames is not None and spans else None
        raw = engine.align_fragments(target, list(texts), options, rendering, taken)
    if not snapped:
        return [(timemap.to_source(a), timemap.to_source(b, is_end=True)) for a, b in raw]
    times: list[tuple[float, float]] = []
    for a, b in raw:
        before = times[-1][1] if times else lo
        start, end = found.snap(timemap.to_source(a), timemap.to_source(b, is_end=True), before)
        times.append((found.lead_in(start, before), end))
    # a clip's own room tone after its last word belongs to it too, up to where the next one starts
    nexts = [s for s, _ in times[1:]] + [hi]
    return [(s, found.lead_out(e, n)) for (s, e), n in zip(times, nexts, strict=True)]


def is_long(found: SpeechProfile, span: tuple[float, float] | None = None) -> bool:
    """Whether the speech inside ``span`` (default: all of it) is too long to align in one pass."""
    lo, hi = span or (0.0, found.duration)
    return sum(min(e, hi) - max(s, lo) for s, e in found.regions() if e > lo and s < hi) > LONG_SECONDS


def align_sentences(
    wav_path: Path,
    found: SpeechProfile,
    turns: Sequence[Sequence[str]],
    options: engine.EngineOptions,
    span: tuple[float, float] | None = None,
    progress: Progress = lambda f: None,
    rendering: engine.Rendering | None = None,
    mfcc: np.ndarray | None = None,
) -> tuple[list[tuple[float, float]], np.ndarray | None]:
    """Times of every sentence of ``turns`` (each turn's sentence texts, all of them synthesised as
    ``rendering`` if given), in order, inside ``span``; and the recording's MFCCs, if they were taken whole (or
    given as ``mfcc``, from an earlier call, so as not to take them again)."""
    lo, hi = span or (0.0, found.duration)
    if not is_long(found, span) or len(turns) < 2:
        return align_span(wav_path, found, [s for t in turns for s in t], options, span, rendering), None
    cores = min(os.cpu_count() or 1, MAX_WORKERS)
    with _Workers(cores if cores > 1 else 0) as workers, tempfile.TemporaryDirectory(prefix="seekline-") as work:
        # a worker takes the recording's MFCCs for the windows while the coarse pass keeps one core busy
        taking = (workers.submit("frames", (wav_path,), found.duration)
                  if mfcc is None and options.frame_step == MFCC_STEP else None)
        by_turn = rendering.joined([len(t) for t in turns]) if rendering else None
        coarse = align_span(wav_path, found, [" ".join(t) for t in turns], coarse_options(options), span, by_turn,
                            snapped=False)  # only the windows' bounds
        frames = Frames(0, mfcc) if mfcc is not None else taking.result() if taking else None
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
        starts = first_lines(turns)
        for k, (first, stop) in enumerate(bounds):
            a, z = max(0, first - CONTEXT), min(len(turns), stop + CONTEXT)
            left = lo if a == 0 else max(lo, coarse[a][0] - MARGIN)
            right = hi if z == len(turns) else min(hi, coarse[z - 1][1] + MARGIN)
            part = excerpt(rendering, range(starts[a], starts[z]), Path(work) / f"tts-{k}.wav") if rendering else None
            own = frames.between(left - 1.0, right + 1.0) if frames else None
            jobs.append(((wav_path, found, [x for t in turns[a:z] for x in t], fine, (left, right), part, own),
                         starts[first] - starts[a], starts[stop] - starts[first]))
        times: list[tuple[float, float]] = []
        done = 0
        for (_, skip, keep), got in zip(jobs, workers.map([j[0] for j in jobs]), strict=True):
            for start, end in got[skip:skip + keep]:  # never before the previous window's last sentence
                floor = times[-1][1] if times else lo
                times.append((max(start, floor), max(end, floor)))
            done += 1
            progress(0.2 + 0.8 * done / len(jobs))
    return times, None if frames is None else frames.rows


@dataclass(frozen=True)
class Frames:
    """The recording's MFCCs (:func:`engine.mfcc`, every MFCC_STEP) from frame ``first`` on."""

    first: int
    rows: np.ndarray

    @staticmethod
    def edge(k: int) -> float:
        """Where frame ``k`` starts, half a sample late, so that a cut there keeps its first sample."""
        return (k * int(MFCC_STEP * SAMPLE_RATE) + 0.5) / SAMPLE_RATE

    def on_grid(self, t: float) -> float:
        """``t`` moved to the nearest frame edge."""
        return self.edge(round(t / MFCC_STEP))

    def between(self, start: float, end: float) -> Frames:
        """The frames from ``start`` to ``end``."""
        a, b = max(self.first, round(start / MFCC_STEP)), max(self.first, round(end / MFCC_STEP))
        return Frames(a, self.rows[a - self.first:b - self.first])

    def spliced(self, spans: Sequence[tuple[float, float]]) -> np.ndarray:
        """The frames of ``spans`` (on the grid) as :func:`splice` joins them, with JOIN_GAP of quiet between."""
        gap = _join_gap_frames()
        parts = [self.between(a, b).rows for a, b in spans]
        return np.concatenate([x for k, part in enumerate(parts) for x in ((gap, part) if k else (part,))])


@functools.cache
def _join_gap_frames() -> np.ndarray:
    """The MFCCs of the quiet :func:`splice` puts between spans."""
    return engine.mfcc(join_gap())


def coarse_options(options: engine.EngineOptions) -> engine.EngineOptions:
    """How the coarse pass aligns: its times only bound the windows, so their ends are not cut to the speech."""
    return replace(options, frame_step=COARSE_STEP, dtw_margin=COARSE_MARGIN, nonspeech_min=None)


def first_lines(turns: Sequence[Sequence[str]]) -> list[int]:
    """Where each turn's first line is among all the lines of ``turns`` in order (a rendering's texts), and, last,
    how many lines there are."""
    return [0, *itertools.accumulate(len(t) for t in turns)]


def align_lines(
    wav_path: Path, found: SpeechProfile, rendering: engine.Rendering, turns: Sequence[Sequence[str]],
    lines: Sequence[tuple[int, int]], options: engine.EngineOptions, span: tuple[float, float],
) -> list[tuple[float, float]]:
    """:func:`align_span` of the ``lines`` ``(turn, line)`` of ``turns`` (each turn's lines, all of them synthesised
    as ``rendering``), spoken from an excerpt of the rendering instead of by eSpeak again."""
    first = first_lines(turns)
    with tempfile.TemporaryDirectory(prefix="seekline-lines-") as tmp:
        spoken = excerpt(rendering, [first[i] + j for i, j in lines], Path(tmp) / "tts.wav")
        return align_span(wav_path, found, [turns[i][j] for i, j in lines], options, span, spoken)


def excerpt(rendering: engine.Rendering, texts: Sequence[int], out_wav: Path) -> engine.Rendering:
    """The texts numbered ``texts`` (in order) of ``rendering``, cut out into ``out_wav`` end to end, as eSpeak would
    have spoken them alone; when the rendering has its MFCCs at MFCC_STEP, cut on their frames, and the excerpt
    gets its share of them."""
    rows = rendering.mfcc(MFCC_STEP)
    runs: list[list[int]] = []
    for i in texts:
        if runs and runs[-1][-1] == i - 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    cuts, spans, parts, at = [], [], [], 0.0
    for run in runs:
        a, b = rendering.spans[run[0]][0], rendering.spans[run[-1]][1]
        if rows is not None:
            k, m = math.floor(a / MFCC_STEP), math.ceil(b / MFCC_STEP)
            a, b = Frames.edge(k), Frames.edge(m)
            parts.append(rows[k:m])
        cuts.append((a, b))
        a, b = int(a * SAMPLE_RATE) / SAMPLE_RATE, int(b * SAMPLE_RATE) / SAMPLE_RATE  # where splice cuts
        spans += [(s - a + at, e - a + at) for s, e in (rendering.spans[i] for i in run)]
        at += b - a
    splice(rendering.wav, cuts, out_wav, gaps=False)
    mfccs = ((MFCC_STEP, np.concatenate(parts)),) if rows is not None else ()
    return engine.Rendering(out_wav, tuple(spans), mfccs)


class _Workers:
    """``count`` child interpreters (``python -m aligner.windows``) that do calls side by side, each one after
    another; with ``count`` 0, calls are done here, one by one.

    Unlike multiprocessing, this works from any caller, a script without a main guard or a daemonic Celery
    worker included. The children start when the pool does, so their start-up overlaps the coarse pass.
    A call is ``(name, args, seconds)``: one of CALLS, and the seconds of audio it works on (for its time limit).
    """

    def __init__(self, count: int) -> None:
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._all = [_Worker() for _ in range(count)]
        for worker in self._all:
            self._idle.put(worker)
        self._pool = ThreadPoolExecutor(max(1, count))

    def __enter__(self) -> _Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown()
        for worker in self._all:
            worker.close()

    def submit(self, name: str, args: tuple, seconds: float) -> Future:
        """``CALLS[name](*args)``, in a child when there are any."""
        if not self._all:
            done: Future = Future()
            done.set_result(CALLS[name](*args))
            return done
        return self._pool.submit(self._call, name, args, seconds)

    def map(self, calls: list[tuple]) -> Iterator[list[tuple[float, float]]]:
        """``align_span(*call)`` for each call, in order."""
        pending = [self.submit("align_span", call, call[4][1] - call[4][0]) for call in calls]
        yield from (f.result() for f in pending)

    def _call(self, name: str, args: tuple, seconds: float) -> object:
        worker = self._idle.get()
        try:
            return worker.call(name, args, seconds)
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

    def call(self, name: str, args: tuple, seconds: float) -> object:
        if self._proc.poll() is not None:
            self.close()
            self._start()
        limit = TIMEOUT_BASE + TIMEOUT_PER_SECOND * seconds
        overran = threading.Event()

        def stop() -> None:
            overran.set()
            self._proc.kill()

        timer = threading.Timer(limit, stop)
        timer.start()
        try:
            _send(self._proc.stdin, (name, args))
            result = _receive(self._proc.stdout)
        except (OSError, EOFError, pickle.UnpicklingError):
            result = None
        finally:
            timer.cancel()
        if result is None:  # it is dead or dying: make sure, so that the next call starts another
            self._proc.kill()
            self._proc.wait()
        if overran.is_set():
            raise AlignmentError(f"aligning {seconds:.0f} s of audio took over {limit:.0f} s and was stopped; "
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
            name, args = call
            result: object = CALLS[name](*args)
        except SeeklineError as e:
            result = e
        _send(answers, result)


def _frames(wav_path: Path) -> Frames:
    """All of the recording's MFCCs at aeneas's default step."""
    return Frames(0, engine.mfcc(wav_path))


CALLS: dict[str, Callable[..., object]] = {"align_span": align_span, "frames": _frames}  # what a worker may be asked


if __name__ == "__main__":  # as aligner.windows, not __main__, so that what it sends back unpickles as such
    from aligner.windows import _serve as serve

    serve()
