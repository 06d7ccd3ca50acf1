"""Readers for WebVTT and SRT captions; the captions' own times are kept as turn hints."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import srt
import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from aligner.errors import TranscriptError
from aligner.models import Transcript
from aligner.transcripts.build import Block, build
from aligner.transcripts.labelled import CUE_LINE
from aligner.transcripts.labels import script_label

_TAG = re.compile(r"</?[a-zA-Z][^>]*>|<\d[\d:.]*>")
_CHEVRONS = re.compile(r"^>>+\s*")


@dataclass(frozen=True, slots=True)
class _Caption:
    start: float
    end: float
    text: str
    voice: str | None
    line: int


def read_vtt(text: str) -> Transcript:
    """Parse WebVTT; ``<v Speaker>`` voice spans name the speaker."""
    try:
        parsed = webvtt.from_buffer(io.StringIO(text))
        caps = [
            _Caption(
                c.start_time.in_milliseconds() / 1000,
                c.end_time.in_milliseconds() / 1000,
                c.text,
                c.voice,
                _line_of(text, c.start),
            )
            for c in parsed
        ]
    except (MalformedFileError, MalformedCaptionError, ValueError) as e:
        raise TranscriptError(f"line {_error_line(text, e)}: not valid WebVTT ({e})") from e
    return _build(caps, "vtt")


def read_srt(text: str) -> Transcript:
    """Parse SRT subtitles; a ``NAME:`` or ``>>`` at the start of a subtitle changes speaker."""
    try:
        subs = list(srt.parse(text, ignore_errors=False))
    except (srt.SRTParseError, ValueError) as e:
        raise TranscriptError(f"line {_error_line(text, e)}: not valid SRT ({e})") from e
    caps = [
        _Caption(
            s.start.total_seconds(),
            s.end.total_seconds(),
            _TAG.sub("", s.content),
            None,
            _line_of(text, srt.timedelta_to_srt_timestamp(s.start)),
        )
        for s in subs
    ]
    return _build(caps, "srt")


def _line_of(text: str, needle: str) -> int:
    i = text.find(needle)
    return text.count("\n", 0, i) + 1 if i >= 0 else 1


def _error_line(text: str, e: Exception) -> int:
    m = re.search(r"line (\d+)", str(e))
    if m:
        return int(m.group(1))
    m = re.search(r"(?:char|position|index) (\d+)", str(e))
    return text.count("\n", 0, int(m.group(1))) + 1 if m else 1


def _build(caps: list[_Caption], fmt: str) -> Transcript:
    """Group captions into turns: by voice when there are voices, else into whole sentences."""
    blocks: list[Block] = []
    current: Block | None = None
    voice: str | None = None
    for cap in caps:
        body = " ".join(line.strip() for line in cap.text.split("\n") if line.strip())
        if not body:
            continue
        if CUE_LINE.fullmatch(body):
            blocks.append(Block(kind="cue", line=cap.line, parts=[body]))
            current = None
            continue
        new_voice, body = _speaker_change(cap, body, voice)
        if current is None or new_voice != voice or _ends(current) and new_voice is None:
            current = Block(kind="turn", line=cap.line, label=new_voice, hint_start=cap.start)
            blocks.append(current)
        voice = new_voice
        current.parts.append(body)
        current.hint_end = cap.end
    for b in blocks:
        if b.kind == "turn" and b.parts:  # caption lines are wrapped prose: join with spaces
            b.parts = [" ".join(b.parts)]
    return build(blocks, fmt=fmt, infer_host=False)


def _speaker_change(cap: _Caption, body: str, voice: str | None) -> tuple[str | None, str]:
    if cap.voice:
        return cap.voice.strip(), body
    found = script_label(body)
    if found and found[1]:
        return found[0], found[1]
    if _CHEVRONS.match(body):
        return None, _CHEVRONS.sub("", body)
    return voice, body


def _ends(block: Block) -> bool:
    return block.label is None and bool(block.parts) and block.parts[-1].rstrip("\"”’')").endswith((".", "!", "?"))
