"""Build the :class:`Transcript` model from the blocks a reader found: ids, speakers, sentences."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from aligner.errors import TranscriptError
from aligner.models import Cue, Transcript, Turn
from aligner.text import sentences
from aligner.transcripts.speakers import key, resolve


@dataclass
class Block:
    """One turn or cue as a reader found it, before speakers are resolved."""

    kind: str  # "turn" or "cue"
    line: int
    parts: list[str] = field(default_factory=list)
    label: str | None = None  # the printed label; None for an unlabelled turn
    intro: bool = False  # the unlabelled lead paragraph(s), spoken by the host
    archival: bool = False  # follows (SOUNDBITE OF ARCHIVED RECORDING)
    speaker: str | None = None  # a speaker id given directly (captions, podcast JSON)
    hint_start: float | None = None
    hint_end: float | None = None

    @property
    def text(self) -> str:
        """The display text: wrapped lines joined by a space, finished paragraphs by a line break."""
        out = ""
        for part in self.parts:
            if not out:
                out = part
            elif out.endswith((".", "!", "?", "…", '"', "”", ")", "]", ":", "’", "'")):
                out += "\n" + part
            else:
                out += " " + part
        return out


def build(
    blocks: Sequence[Block],
    *,
    fmt: str,
    title: str | None = None,
    dropped: Sequence[str] = (),
    infer_host: bool = False,
    speakers: Sequence | None = None,
) -> Transcript:
    """Resolve speakers and make the model; raises when nothing in it can be spoken.

    :param speakers: ready-made speakers (readers that name them directly); labels are resolved otherwise.
    :raises TranscriptError: when no turn has a speakable word.
    """
    blocks = [b for b in blocks if b.kind == "cue" or b.text.strip()]
    turns = [b for b in blocks if b.kind == "turn"]
    if speakers is None:
        res = resolve([(b.label, b.text, b.archival) for b in turns], infer_host=infer_host)
        speakers_out, by_label, host = res.speakers, res.by_label, res.host
    else:
        speakers_out, by_label, host = tuple(speakers), {}, None
    segments: list[Turn | Cue] = []
    for b in blocks:
        if b.kind == "cue":
            segments.append(Cue(id=f"c{sum(isinstance(s, Cue) for s in segments) + 1}", text=b.text))
            continue
        speaker = b.speaker
        if b.label is not None:
            speaker = by_label[key(b.label)]
        elif b.intro:
            speaker = host
        flags = _flags(b)
        segments.append(
            Turn(
                id=f"t{sum(isinstance(s, Turn) for s in segments) + 1}",
                speaker=speaker,
                text=b.text,
                sentences=sentences(b.text),
                flags=flags,
                speaker_inferred=speaker is not None,
                hint_start=b.hint_start,
                hint_end=b.hint_end,
            )
        )
    if speakers is None:  # keep only speakers who speak, in order of first appearance
        order = list(dict.fromkeys(s.speaker for s in segments if isinstance(s, Turn) and s.speaker))
        speakers_out = tuple(sorted((s for s in speakers_out if s.id in order), key=lambda s: order.index(s.id)))
    if not any(isinstance(s, Turn) and s.speakable for s in segments):
        line = blocks[0].line if blocks else 1
        raise TranscriptError(f"line {line}: the transcript has no speakable words")
    return Transcript(title=title, speakers=speakers_out, segments=tuple(segments), dropped=tuple(dropped), format=fmt)


def _flags(b: Block) -> tuple[str, ...]:
    flags = []
    low = b.text.lower()
    if b.intro:
        flags.append("intro")
    if b.archival:
        flags.append("archival")
    if "(through interpreter)" in low or "(through translator)" in low:
        flags.append("through_interpreter")
    if "(speaking foreign language)" in low or "(speaking " in low:
        flags.append("foreign_language")
    return tuple(flags)
