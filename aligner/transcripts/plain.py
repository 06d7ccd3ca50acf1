"""The reader for plain paragraphs with no speakers: each paragraph is a turn, speaker ``None``."""

from __future__ import annotations

from aligner.models import Transcript
from aligner.transcripts.build import Block, build
from aligner.transcripts.chrome import split_footer
from aligner.transcripts.labelled import CUE_LINE


def read_plain(text: str, fmt: str = "plain") -> Transcript:
    """Paragraphs are separated by blank lines when there are any, otherwise each line is one."""
    lines = text.split("\n")
    body = "\n".join(lines).strip("\n")
    by_blank = "\n\n" in body
    blocks: list[Block] = []
    dropped: list[str] = []
    current: Block | None = None
    for i, raw in enumerate(lines):
        line, footer = split_footer(raw)
        if footer:
            dropped.append(footer)
        if not line:
            if not raw or footer:
                current = None if (not raw or not by_blank) else current
            continue
        if CUE_LINE.fullmatch(line):
            blocks.append(Block(kind="cue", line=i + 1, parts=[line]))
            current = None
            continue
        if current is None or not by_blank:
            current = Block(kind="turn", line=i + 1)
            blocks.append(current)
            current.parts.append(line)
        else:
            current.parts[-1] += " " + line
    return build(blocks, fmt=fmt, dropped=dropped)
