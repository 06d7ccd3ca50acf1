"""Evidence about each aligned turn and sentence: a confidence in 0..1 and flags for the doubtful ones.

The evidence is measured, never assumed:

- **rate**: characters per voiced second against the speaker's median (a turn squeezed into too
  little speech, or stretched over too much, is misplaced or was never aired);
- **voicing**: the share of the span the voice-activity model calls speech (a span over music is wrong);
- **onset**: whether the start sits on a speech onset after a pause, as a turn start should;
- **ends**: the same for the end;
- **voice**: whether the turn sounds like its own speaker, not like the speaker of a turn next to it, and
  whether the turn before it sounds like its speaker (it took this one's start; voices.py).
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Collection
from dataclasses import dataclass, replace

import numpy as np

from . import text
from .models import AlignmentQuality, Segment
from .speech import FRAME, LEAD_MAX, SpeechProfile

LOW_CONFIDENCE = 0.5
DOUBT_FLAGS = {"low_confidence", "rate_outlier", "overlaps_music", "not_in_audio", "not_aligned", "text_mismatch",
               "voice_mismatch", "start_taken", "end_overrun"}
RATE_OUTLIER = math.log(2.2)  # more than 2.2x faster or slower than the speaker's median
MIN_VOICED = 0.45  # a span less voiced than this is mostly music, silence or noise
EDGE = 0.25  # seconds looked at either side of an edge
# a text that opens with a sentence of one or two words ("Two." of a sonnet, "Yes.") may open with a short sound
SHORT_OPENING = re.compile(r"^\W*(?:\w+\W+)?\w+[.!?]\s")


@dataclass(frozen=True, slots=True)
class Evidence:
    rate: float | None  # log of (rate / speaker's median rate)
    voiced: float  # share of the span that is speech
    onset: float  # 0..1: quiet before the start, speech after it
    music_lead: bool = False  # it opens with a short doubtful sound, then a long pause (see SpeechProfile), or
    # with a sound its text fits rather better without (edges.DOUBT_SUM)
    other_voice: bool = False  # it sounds like the speaker of a turn next to it (voices.heard)...
    start_taken: bool = False  # ...or the turn before it sounds like its speaker
    end_overrun: bool = False  # its end runs over speech its text fits much better without (edges.OVERRUN)

    def confidence(self) -> float:
        c_rate = 0.5 if self.rate is None else math.exp(-((self.rate / RATE_OUTLIER) ** 2) * 0.7)
        c_voiced = min(1.0, self.voiced / 0.8)
        c_onset = 0.6 + 0.4 * (0.0 if self.music_lead else self.onset)
        c_voice = 0.5 if self.other_voice or self.start_taken or self.end_overrun else 1.0
        return round(c_rate * c_voiced * c_onset * c_voice, 3)

    def flags(self) -> tuple[str, ...]:
        out = []
        if self.rate is not None and abs(self.rate) > RATE_OUTLIER:
            out.append("rate_outlier")
        if self.voiced < MIN_VOICED or self.music_lead:
            out.append("overlaps_music")
        if self.other_voice:
            out.append("voice_mismatch")
        if self.start_taken:
            out.append("start_taken")
        if self.end_overrun:
            out.append("end_overrun")
        if self.confidence() < LOW_CONFIDENCE:
            out.append("low_confidence")
        return tuple(out)


def _voiced_seconds(found: SpeechProfile, start: float, end: float) -> float:
    return float(found.speech[found.frame(start):found.frame(end)].sum()) * FRAME


def _onset(found: SpeechProfile, start: float) -> float:
    a = found.frame(start)
    ahead = np.flatnonzero(found.speech[a:a + int(LEAD_MAX / FRAME)])
    if ahead.size and not found.speech[a]:  # a start on a clip's room tone: judge the first word's onset
        a += int(ahead[0])
    n = int(EDGE / FRAME)
    before = found.speech[max(0, a - n):a]
    after = found.speech[a:a + n]
    quiet_before = 1.0 - float(before.mean()) if before.size else 1.0
    speech_after = float(after.mean()) if after.size else 0.0
    return quiet_before * speech_after


def median_rates(segments: list[Segment], found: SpeechProfile) -> dict[str | None, float]:
    per: dict[str | None, list[float]] = {}
    for s in segments:
        voiced = _voiced_seconds(found, s.start, s.end)
        if voiced > 0.5:
            per.setdefault(s.speaker, []).append(len(s.text) / voiced)
            per.setdefault(None, []).append(len(s.text) / voiced)
    return {k: statistics.median(v) for k, v in per.items() if k is None or len(v) >= 3}


def evidence(seg: Segment, found: SpeechProfile, median_rate: float | None, misfit: bool = False) -> Evidence:
    """:param misfit: the segment opens with a sound its text fits rather better without (edges.py)."""
    start, end = seg.start, seg.end
    if start is None or end is None or end <= start:
        return Evidence(rate=None, voiced=0.0, onset=0.0)
    voiced = _voiced_seconds(found, start, end)
    rate = None
    if median_rate:
        rate = math.log(max(_spoken_chars(seg), 1) / max(voiced, 0.05) / median_rate)
    return Evidence(rate=rate, voiced=_voiced_share(seg, found), onset=_onset(found, start),
                    music_lead=misfit or after_music_hit(seg.text, found, start, end) is not None)


def _spoken_chars(seg: Segment) -> int:
    """The length of a segment's text, less its lines that were not aired."""
    cut = [c for c in seg.children if "not_in_audio" in c.flags]
    return len(seg.text) - sum(len(c.text) + 1 for c in cut)


def after_music_hit(turn_text: str, found: SpeechProfile, start: float, end: float) -> float | None:
    """When a turn timed ``[start, end)`` opens on a music hit taken for its first word: where its next sound
    starts (see SpeechProfile.after_doubtful_blip); ``None`` when it does not, or when its text itself opens
    with a word or two and a pause (SHORT_OPENING) and the turn starts where a sound does (a word is spoken from
    its onset; a start inside a sound is on the tail of what came before, such as a sting)."""
    if SHORT_OPENING.match(text.speech(turn_text)) and not found.inside_sound(start):
        return None
    return found.after_doubtful_blip(start, end)


def _voiced_share(seg: Segment, found: SpeechProfile) -> float:
    """Share of the segment the VAD calls speech; for a turn, of its sentences' spans, so that the pauses
    between a slow speaker's sentences do not count against it."""
    parts = [(c.start, c.end) for c in seg.children if c.start is not None and c.end is not None and c.end > c.start]
    if not parts:
        return found.voiced_fraction(seg.start, seg.end)
    return sum(found.voiced_fraction(a, b) * (b - a) for a, b in parts) / sum(b - a for a, b in parts)


def assess(segments: list[Segment], found: SpeechProfile, misfit: Collection[str] = (),
           other_voice: Collection[str] = (), start_taken: Collection[str] = (),
           end_overrun: Collection[str] = ()) -> list[Segment]:
    """Every timed turn and sentence with its confidence and doubt flags.

    :param misfit: ids of turns that open with a sound their text fits rather better without (edges.py); they
        and their first sentence are judged as opening on music.
    :param other_voice: ids of turns that sound like the speaker of a turn next to them (voices.heard), and
    :param start_taken: of turns whose speaker the turn before them sounds like.
    :param end_overrun: of turns whose end runs over speech their text does not have (edges.py).
    """
    turns = [s for s in segments if s.kind == "turn" and s.start is not None]
    rates = median_rates(turns, found)
    median_sentence_rate = sentence_rate([c for t in turns for c in t.children], found)
    out = []
    for seg in segments:
        if seg.kind != "turn" or seg.start is None:
            out.append(seg)
            continue
        doubted = seg.id in misfit
        ev = replace(evidence(seg, found, rates.get(seg.speaker) or rates.get(None), doubted),
                     other_voice=seg.id in other_voice, start_taken=seg.id in start_taken,
                     end_overrun=seg.id in end_overrun)
        children = tuple(_assess_sentence(c, found, median_sentence_rate, doubted and k == 0)
                         for k, c in enumerate(seg.children))
        out.append(replace(seg, confidence=ev.confidence(), flags=_merge(seg.flags, ev.flags()), children=children))
    return out


def sentence_rate(sentences: list[Segment], found: SpeechProfile) -> float | None:
    """The median characters per voiced second of the timed ``sentences``."""
    rates = [
        len(c.text) / v
        for c in sentences
        if c.start is not None and (v := _voiced_seconds(found, c.start, c.end)) > 0.3
    ]
    return float(np.median(rates)) if rates else None


def _assess_sentence(seg: Segment, found: SpeechProfile, median_rate: float | None, misfit: bool) -> Segment:
    if seg.start is None or "not_in_audio" in seg.flags:
        return seg
    ev = evidence(seg, found, median_rate, misfit)
    return replace(seg, confidence=ev.confidence(), flags=_merge(seg.flags, ev.flags()))


def _merge(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*a, *b)))


def mismatched(segments: list[Segment]) -> list[Segment]:
    """Every turn flagged as not matching its audio: the text is not what the recording says."""
    return [
        replace(s, confidence=round((s.confidence or 0.0) * 0.3, 3),
                flags=_merge(s.flags, ("text_mismatch", "low_confidence")))
        if s.kind == "turn" else s
        for s in segments
    ]


def overall(segments: list[Segment], match: float | None = None) -> AlignmentQuality:
    """The whole alignment's trust: mean turn confidence (unaired turns count as 0), share flagged, text match."""
    turns = [s for s in segments if s.kind == "turn"]
    if not turns:
        return AlignmentQuality(confidence=0.0, flagged=1.0, match=match)
    conf = [s.confidence or 0.0 for s in turns]
    doubtful = [s for s in turns if set(s.flags) & DOUBT_FLAGS]
    return AlignmentQuality(confidence=round(sum(conf) / len(conf), 3), flagged=round(len(doubtful) / len(turns), 3),
                            match=None if match is None else round(match, 3))
