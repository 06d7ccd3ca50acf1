"""Find transcript turns that were never aired, and realign their neighbours without them.

A turn that is in the transcript but not in the audio still gets a span from the aligner: it takes
its neighbours' speech, and they are squeezed or start mid-word. The signs are measurable: the turn
is spoken impossibly fast, the next turn starts inside speech, or the turn's own evidence is against
it (confidence under FAINT: it lies over pauses or music). Each such suspect is tested by aligning its
neighbourhood again without it; if the neighbours then fit their audio clearly better (or no worse,
when the suspect's own evidence is against it), the suspect was not aired.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import engine, quality, windows
from .models import Segment, Turn
from .speech import SpeechProfile

Times = list[tuple[float, float]]

REACH = 2  # turns on each side realigned with the suspect
MIN_GAIN = 0.3  # confidence the neighbours must gain in all without the suspect (one turn set right: ~0.5)
NO_HARM = 0.08  # ...or at most lose in all, when the suspect's own evidence is against it:
FAINT = 0.3  # its confidence is below this, or it is spoken impossibly fast
SUSPECT_ONSET = 0.2  # a next turn starting this far inside speech points at its predecessor


def _segments(turns: Sequence[Turn], times: Sequence[Times]) -> list[Segment]:
    return [
        Segment(id=t.id, kind="turn", text=t.text, start=tt[0][0], end=tt[-1][1], speaker=t.speaker)
        for t, tt in zip(turns, times, strict=True)
    ]


def _confidence(seg: Segment, found: SpeechProfile, rates: dict[str | None, float]) -> float:
    return quality.evidence(seg, found, rates.get(seg.speaker) or rates.get(None)).confidence()


def find_unaired(
    wav_path: Path, found: SpeechProfile, turns: Sequence[Turn], texts: Sequence[Sequence[str]], times: Sequence[Times],
    options: engine.EngineOptions, span: tuple[float, float] | None = None,
) -> list[Times | None]:
    """Per turn: its sentence times, or ``None`` when it was not aired (its neighbours realigned without it)."""
    result: list[Times | None] = list(times)
    segs = _segments(turns, times)
    rates = quality.median_rates(segs, found)
    evidence = [quality.evidence(s, found, rates.get(s.speaker) or rates.get(None)) for s in segs]
    too_fast = {i for i, ev in enumerate(evidence) if ev.rate is not None and ev.rate > quality.RATE_OUTLIER}
    doubtful = too_fast | {i for i, ev in enumerate(evidence) if ev.confidence() < FAINT}
    suspects = doubtful | {i - 1 for i, ev in enumerate(evidence) if i > 0 and ev.onset < SUSPECT_ONSET}
    n = len(turns)
    for c in sorted(suspects):
        if result[c] is None:
            continue
        keep = [i for i in range(max(0, c - REACH), min(n, c + REACH + 1)) if i != c and result[i] is not None]
        if not keep:
            continue
        before = [i for i in range(keep[0]) if result[i] is not None]
        after = [i for i in range(keep[-1] + 1, n) if result[i] is not None]
        lo = result[before[-1]][-1][1] if before else (span[0] if span else 0.0)
        hi = result[after[0]][0][0] if after else (span[1] if span else found.duration)
        flat = windows.align_span(wav_path, found, [s for i in keep for s in texts[i]], options, (lo, hi))
        trial: dict[int, Times] = {}
        for i in keep:
            trial[i], flat = flat[: len(texts[i])], flat[len(texts[i]):]
        old = [_confidence(s, found, rates) for s in _segments([turns[i] for i in keep], [result[i] for i in keep])]
        new = [_confidence(s, found, rates) for s in _segments([turns[i] for i in keep], [trial[i] for i in keep])]
        gain = sum(new) - sum(old)
        # removing it must help the neighbours, or (when its own evidence is against it) not hurt them
        if gain >= MIN_GAIN or (c in doubtful and gain >= -NO_HARM):
            result[c] = None
            for i in keep:
                result[i] = trial[i]
    return result
