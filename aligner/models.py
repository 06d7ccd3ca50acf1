"""Seekline's data model: the parsed transcript and the aligned sync map.

Time is seconds as a float rounded to milliseconds everywhere; use :func:`ms`
at the edges where a value is computed.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any, Literal

SYNC_MAP_VERSION = 1

SpeakerRole = Literal["byline", "host", "guest", "archival"]
# untranscribed: speech the transcript does not have, such as an ad
SegmentKind = Literal["turn", "sentence", "word", "cue", "music", "silence", "untranscribed"]


def ms(seconds: float | None) -> float | None:
    """Round seconds to milliseconds (``None`` stays ``None``)."""
    return None if seconds is None else round(float(seconds), 3)


#: How finely an alignment is timed: turns and sentences, or also the words of each sentence.
LEVELS = ("sentence", "word")

@dataclass(frozen=True, slots=True)
class Speaker:
    """A person who speaks in a transcript.

    ``id`` is a stable slug, ``label`` the label as printed ("BEARDSLEY"),
    ``name`` the full name when the text gives one.
    """

    id: str
    label: str
    name: str | None = None
    role: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "name": self.name, "role": self.role}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Speaker:
        return cls(id=d["id"], label=d["label"], name=d.get("name"), role=d.get("role"))


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence of a turn: ``text`` is shown, ``speech`` is what the TTS reads."""

    text: str
    speech: str

    @property
    def speakable(self) -> bool:
        return any(c.isalnum() for c in self.speech)


@dataclass(frozen=True, slots=True)
class Turn:
    """A speaker turn: what one speaker says until the next label or cue."""

    id: str
    speaker: str | None
    text: str
    sentences: tuple[Sentence, ...]
    flags: tuple[str, ...] = ()
    kind: Literal["turn"] = "turn"
    #: False when nobody could be named for an unlabelled turn (``speaker`` is then ``None``).
    speaker_inferred: bool = True
    #: Caption or podcast times for this turn, in seconds; hints the aligner may use.
    hint_start: float | None = None
    hint_end: float | None = None

    @property
    def speakable(self) -> bool:
        return any(s.speakable for s in self.sentences)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "speaker": self.speaker,
            "text": self.text,
            "sentences": [s.text for s in self.sentences],
            "flags": list(self.flags),
            "speaker_inferred": self.speaker_inferred,
            "hint_start": ms(self.hint_start),
            "hint_end": ms(self.hint_end),
        }


@dataclass(frozen=True, slots=True)
class Cue:
    """A stage cue on its own line, such as ``(SOUNDBITE OF MUSIC)``: typed non-speech."""

    id: str
    text: str
    kind: Literal["cue"] = "cue"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "speaker": None, "text": self.text, "sentences": []}


@dataclass(frozen=True, slots=True)
class Transcript:
    """A parsed transcript: turns and cues in order, plus the lines nobody speaks."""

    title: str | None
    speakers: tuple[Speaker, ...]
    segments: tuple[Turn | Cue, ...]
    dropped: tuple[str, ...] = ()
    format: str = "plain"

    @property
    def turns(self) -> tuple[Turn, ...]:
        return tuple(s for s in self.segments if isinstance(s, Turn))

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "format": self.format,
            "speakers": [s.to_dict() for s in self.speakers],
            "segments": [s.to_dict() for s in self.segments],
            "dropped": list(self.dropped),
        }


@dataclass(frozen=True, slots=True)
class Segment:
    """One aligned piece of the sync map: a turn, a cue, a sentence inside a turn, or a word inside a sentence."""

    id: str
    kind: SegmentKind
    text: str
    start: float | None
    end: float | None
    speaker: str | None = None
    confidence: float | None = None
    flags: tuple[str, ...] = ()
    children: tuple[Segment, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "kind": self.kind}
        if self.kind == "turn":
            d["speaker"] = self.speaker
        d.update(text=self.text, start=ms(self.start), end=ms(self.end))
        if self.kind in ("turn", "sentence"):
            d["confidence"] = self.confidence
            d["flags"] = list(self.flags)
        if self.kind == "turn" or self.children:
            d["children"] = [c.to_dict() for c in self.children]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Segment:
        return cls(
            id=d["id"],
            kind=d["kind"],
            text=d.get("text", ""),
            start=d.get("start"),
            end=d.get("end"),
            speaker=d.get("speaker"),
            confidence=d.get("confidence"),
            flags=tuple(d.get("flags", ())),
            children=tuple(cls.from_dict(c) for c in d.get("children", ())),
        )

    def contains(self, t: float) -> bool:
        return self.start is not None and self.end is not None and self.start <= t < self.end


@dataclass(frozen=True, slots=True)
class Coverage:
    """The span of the recording the transcript covers; ``located`` when found inside a longer recording."""

    start: float
    end: float
    located: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"start": ms(self.start), "end": ms(self.end), "located": self.located}


@dataclass(frozen=True, slots=True)
class AlignmentQuality:
    """How far the whole alignment can be trusted: mean turn confidence and the share of flagged turns."""

    confidence: float
    flagged: float
    match: float | None = None  # median text-audio match of sampled turns (about 0 when unrelated)

    @property
    def verdict(self) -> str:
        if self.confidence < 0.35 or self.flagged > 0.6 or (self.match is not None and self.match < 0.06):
            return "failed"
        if self.confidence < 0.65 or self.flagged > 0.2:
            return "doubtful"
        return "good"

    def to_dict(self) -> dict[str, Any]:
        return {"confidence": self.confidence, "flagged": self.flagged, "match": self.match,
                "verdict": self.verdict}


@dataclass(frozen=True, slots=True)
class SyncMap:
    """The canonical aligned result that every exporter and the API read."""

    duration: float
    speakers: tuple[Speaker, ...]
    segments: tuple[Segment, ...]
    title: str | None = None
    version: int = SYNC_MAP_VERSION
    coverage: Coverage | None = None
    quality: AlignmentQuality | None = None
    #: starts (sorted), segment indexes and the running maximum of ends, built on the first :meth:`at`.
    _timeline: tuple[tuple[float, ...], tuple[int, ...], tuple[float, ...]] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def speaker(self, speaker_id: str | None) -> Speaker | None:
        return next((s for s in self.speakers if s.id == speaker_id), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "title": self.title,
            "audio": {"duration": ms(self.duration)},
            "coverage": self.coverage.to_dict() if self.coverage else None,
            "alignment_quality": self.quality.to_dict() if self.quality else None,
            "speakers": [s.to_dict() for s in self.speakers],
            "segments": [s.to_dict() for s in self.segments],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SyncMap:
        cov, q = d.get("coverage"), d.get("alignment_quality")
        return cls(
            version=d.get("version", SYNC_MAP_VERSION),
            title=d.get("title"),
            duration=d["audio"]["duration"],
            speakers=tuple(Speaker.from_dict(s) for s in d.get("speakers", ())),
            segments=tuple(Segment.from_dict(s) for s in d.get("segments", ())),
            coverage=Coverage(cov["start"], cov["end"], cov.get("located", False)) if cov else None,
            quality=AlignmentQuality(q["confidence"], q["flagged"], q.get("match")) if q else None,
        )

    def _index(self) -> tuple[tuple[float, ...], tuple[int, ...], tuple[float, ...]]:
        if self._timeline is None:
            timed = sorted(
                (s.start, i)
                for i, s in enumerate(self.segments)
                if s.start is not None and s.end is not None and s.end > s.start
            )
            reach: list[float] = []
            for _start, i in timed:
                end = self.segments[i].end or 0.0
                reach.append(max(end, reach[-1]) if reach else end)
            index = (tuple(t for t, _ in timed), tuple(i for _, i in timed), tuple(reach))
            object.__setattr__(self, "_timeline", index)
        return self._timeline  # type: ignore[return-value]

    def at(self, t: float) -> tuple[Segment, Segment | None] | None:
        """The turn or cue playing at ``t`` seconds and its sentence, or ``None`` in a gap.

        A binary search over the segments' starts; where segments overlap, the first in transcript order wins.
        """
        starts, order, reach = self._index()
        k = bisect_right(starts, t) - 1
        best: int | None = None
        while k >= 0 and reach[k] > t:
            i = order[k]
            if self.segments[i].contains(t) and (best is None or i < best):
                best = i
            k -= 1
        if best is None:
            return None
        seg = self.segments[best]
        child = next((c for c in seg.children if c.contains(t)), None)
        return seg, child
