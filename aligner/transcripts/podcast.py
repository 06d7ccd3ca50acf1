"""Reader for Podcasting 2.0 JSON transcripts: ``{"version", "segments": [{"speaker", "startTime", ...}]}``."""

from __future__ import annotations

import json
import math

from aligner.errors import TranscriptError
from aligner.models import Transcript
from aligner.transcripts.build import Block, build


def read_podcast(text: str) -> Transcript:
    """Consecutive segments of one speaker become one turn, timed from the first start to the last end."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise TranscriptError(f"line {e.lineno}: not valid JSON ({e.msg})") from e
    if not isinstance(data, dict) or not isinstance(data.get("segments"), list):
        raise TranscriptError('line 1: a podcast transcript needs a "segments" list')
    blocks: list[Block] = []
    current: Block | None = None
    for n, seg in enumerate(data["segments"], 1):
        if not isinstance(seg, dict):
            raise TranscriptError(f"line 1: segment {n} is not an object")
        body = seg.get("body", "")
        if not isinstance(body, str):
            raise TranscriptError(f'line 1: segment {n} has a "body" that is not text')
        speaker = seg.get("speaker")
        speaker = " ".join(str(speaker).split()) or None if speaker is not None else None
        start, end = _time(seg, "startTime", n), _time(seg, "endTime", n)
        body = " ".join(body.split())
        if not body:
            continue
        if current is None or speaker != current.label:
            current = Block(kind="turn", line=1, label=speaker, hint_start=start)
            blocks.append(current)
        current.parts.append(body)
        current.hint_end = end if end is not None else current.hint_end
    for b in blocks:
        b.parts = [" ".join(b.parts)]
    return build(blocks, fmt="podcast")


def _time(seg: dict, name: str, n: int) -> float | None:
    value = seg.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TranscriptError(f'line 1: segment {n} has a "{name}" that is not a number')
    try:
        t = float(value)
    except ValueError as e:
        raise TranscriptError(f'line 1: segment {n} has a "{name}" that is not a number') from e
    if not math.isfinite(t) or t < 0:
        raise TranscriptError(f'line 1: segment {n} has a negative or infinite "{name}"')
    return t
