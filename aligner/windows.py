"""Align sentences in bounded windows: a coarse pass over the whole recording, then fine passes per window.

aeneas's DTW memory grows with the audio length times the DTW band, so an hour at full resolution
needs gigabytes. Long recordings are therefore aligned twice: first every *turn* at a coarse MFCC step
(16x fewer DTW cells), which places most turns to within a second or two but may be tens of seconds
off in places; then the sentences of each window of turns at full resolution, on that window's audio
plus an overlap into the next. A window's errors stay inside it, and memory is bounded by the window,
not the recording.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from . import engine
from .speech import SpeechProfile
from .splice import TimeMap, splice

WINDOW_SECONDS = 600.0  # target speech per fine window
LONG_SECONDS = 900.0  # recordings with more speech than this are aligned in windows
COARSE_STEP = 0.160  # MFCC step of the coarse pass (4x aeneas's default)
CONTEXT = 4  # turns after a window aligned with it (and then again with the next window)
MARGIN = 30.0  # seconds of audio past the coarse end of those turns, for the coarse pass's errors
MIN_SPLICE_GAIN = 0.03  # splice out non-speech only when it removes at least this share of the audio

Progress = Callable[[float], None]


def align_span(
    wav_path: Path, found: SpeechProfile, texts: Sequence[str], options: engine.EngineOptions,
    span: tuple[float, float] | None = None,
) -> list[tuple[float, float]]:
    """Align ``texts`` to the speech inside ``span`` (default: the whole recording), edges snapped to speech."""
    lo, hi = span or (0.0, found.duration)
    spans = [(max(s, lo), min(e, hi)) for s, e in found.regions() if e > lo and s < hi]
    if not spans or sum(e - s for s, e in spans) > (1 - MIN_SPLICE_GAIN) * (hi - lo):
        spans = [(lo, hi)]
    with tempfile.TemporaryDirectory(prefix="seekline-window-") as work:
        if spans == [(0.0, found.duration)]:
            target, timemap = wav_path, TimeMap(spans=(spans[0],), offsets=(0.0,))
        else:
            target = Path(work) / "speech.wav"
            timemap = splice(wav_path, spans, target)
        raw = engine.align_fragments(target, list(texts), options)
    times: list[tuple[float, float]] = []
    for a, b in raw:
        start, end = found.snap(timemap.to_source(a), timemap.to_source(b, is_end=True))
        times.append((found.lead_in(start, times[-1][1] if times else lo), end))
    return times


def align_sentences(
    wav_path: Path,
    found: SpeechProfile,
    turns: Sequence[Sequence[str]],
    options: engine.EngineOptions,
    span: tuple[float, float] | None = None,
    progress: Progress = lambda f: None,
) -> list[tuple[float, float]]:
    """Times of every sentence of ``turns`` (each turn's sentence texts), in order, inside ``span``."""
    flat = [s for t in turns for s in t]
    lo, hi = span or (0.0, found.duration)
    speech_seconds = sum(min(e, hi) - max(s, lo) for s, e in found.regions() if e > lo and s < hi)
    if speech_seconds <= LONG_SECONDS or len(turns) < 2:
        return align_span(wav_path, found, flat, options, span)
    coarse_opts = replace(options, frame_step=COARSE_STEP)
    coarse = align_span(wav_path, found, [" ".join(t) for t in turns], coarse_opts, span)
    progress(0.2)
    # Windows of about WINDOW_SECONDS of turns. Each is aligned with the next CONTEXT turns and
    # MARGIN seconds of audio beyond their coarse end, whose times are thrown away: a coarse error
    # near the edge then lands on turns that are aligned again, and the next window starts where
    # this one's last kept turn ends.
    times: list[tuple[float, float]] = []
    first, left = 0, lo
    while first < len(turns):
        stop = next((k for k in range(first + 1, len(turns)) if coarse[k][0] - coarse[first][0] >= WINDOW_SECONDS),
                    len(turns))
        upto = min(len(turns), stop + CONTEXT)
        right = hi if upto == len(turns) else min(hi, coarse[upto - 1][1] + MARGIN)
        kept = sum(len(t) for t in turns[first:stop])
        flat = align_span(wav_path, found, [s for t in turns[first:upto] for s in t], options, (left, right))
        times += flat[:kept]
        first, left = stop, max(left, times[-1][1])
        progress(0.2 + 0.8 * first / len(turns))
    return times
