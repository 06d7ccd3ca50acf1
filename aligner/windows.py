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
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import engine
from .audio import SAMPLE_RATE
from .engine import MFCC_STEP
from .speech import SpeechProfile
from .splice import TimeMap, join_gap, splice
from .workers import Workers

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


def in_windows(found: SpeechProfile, turns: Sequence[Sequence[str]], span: tuple[float, float] | None = None) -> bool:
    """Whether :func:`align_sentences` aligns ``turns`` inside ``span`` in windows."""
    return is_long(found, span) and len(turns) > 1


def workers_for(found: SpeechProfile, turns: Sequence[Sequence[str]], span: tuple[float, float] | None = None) -> int:
    """How many worker processes aligning ``turns`` inside ``span`` takes: one a core, up to MAX_WORKERS, for a
    recording aligned in windows on more than one core; else none."""
    cores = min(os.cpu_count() or 1, MAX_WORKERS)
    return cores if cores > 1 and in_windows(found, turns, span) else 0


def align_sentences(
    wav_path: Path,
    found: SpeechProfile,
    turns: Sequence[Sequence[str]],
    options: engine.EngineOptions,
    span: tuple[float, float] | None = None,
    progress: Progress = lambda f: None,
    rendering: engine.Rendering | None = None,
    mfcc: np.ndarray | None = None,
    workers: Workers | None = None,
) -> tuple[list[tuple[float, float]], np.ndarray | None]:
    """Times of every sentence of ``turns`` (each turn's sentence texts, all of them synthesised as
    ``rendering`` if given), in order, inside ``span``; and the recording's MFCCs, if they were taken whole (or
    given as ``mfcc``, from an earlier call, so as not to take them again).

    :param workers: where the windows are aligned (:func:`workers_for` says how many a recording takes); by
        default here, one after another."""
    lo, hi = span or (0.0, found.duration)
    if not in_windows(found, turns, span):
        return align_span(wav_path, found, [s for t in turns for s in t], options, span, rendering), None
    workers = workers or Workers(0)
    with tempfile.TemporaryDirectory(prefix="seekline-") as work:
        # a worker takes the recording's MFCCs for the windows while the coarse pass keeps one core busy
        taking = (workers.submit(_frames, (wav_path,), found.duration)
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
        pending = [workers.submit(align_span, call, call[4][1] - call[4][0]) for call, _, _ in jobs]
        for (_, skip, keep), got in zip(jobs, (p.result() for p in pending), strict=True):
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


def _frames(wav_path: Path) -> Frames:
    """All of the recording's MFCCs at aeneas's default step."""
    return Frames(0, engine.mfcc(wav_path))
