"""The reader for labelled transcripts: scraped NPR-style pages (``npr``) and ``SPEAKER: text`` scripts."""

from __future__ import annotations

import re

from aligner.models import Transcript
from aligner.transcripts.build import Block, build
from aligner.transcripts.chrome import is_bio, is_chrome, is_headline, split_footer
from aligner.transcripts.labels import npr_label, parse_label, script_label

#: A stage cue alone on its line: "(SOUNDBITE OF MUSIC)", "[LAUGHTER]".
CUE_LINE = re.compile(r"\((?=[^()]*[A-Z]{2})[^()a-z]{2,200}\)|\[(?=[^\[\]]*[A-Za-z])[^\[\]]{2,200}\]")
_ARCHIVAL = re.compile(r"ARCHIVED|ARCHIVAL", re.IGNORECASE)


def find_label(line: str, style: str) -> tuple[str, str, float | None] | None:
    """The label, the rest of the line and a time hint, for a line that starts with a speaker label."""
    if style == "npr":
        found = npr_label(line)
        return (found[0], found[1], None) if found else None
    return script_label(line)


def read_labelled(text: str, *, style: str) -> Transcript:
    """Parse labelled text; ``style`` is ``"npr"`` (upper-case labels, page chrome) or ``"script"``."""
    lines = text.split("\n")
    labelled = [i for i, line in enumerate(lines) if line and find_label(line, style)]
    last_label = labelled[-1] if labelled else -1
    blocks: list[Block] = []
    dropped: list[str] = []
    title: str | None = None
    surnames: set[str] = set()
    current: Block | None = None  # the turn unlabelled lines continue
    last_speaker: Block | None = None
    archival_next = footer_seen = footer_before = tail = False
    for i, raw in enumerate(lines):
        if not raw:
            continue
        n = i + 1
        footer_seen = footer_seen or footer_before
        line, footer = split_footer(raw)
        if footer:
            dropped.append(footer)
            footer_before = bool(blocks) or bool(line)  # a footer ends the talk from the next line on
        if not line:
            continue
        head = not blocks
        if is_chrome(line, head=head):
            dropped.append(line)
            continue
        if CUE_LINE.fullmatch(line):
            blocks.append(Block(kind="cue", line=n, parts=[line]))
            archival_next = bool(_ARCHIVAL.search(line))
            current = None
            continue
        found = find_label(line, style)
        if found is not None:
            label, rest, hint = found
            surnames.update(w.lower() for w in parse_label(label).surname.split())
            current = Block(
                kind="turn",
                line=n,
                label=label,
                archival=archival_next,
                hint_start=hint,
                parts=[rest] if rest else [],
            )
            archival_next = tail = False
            blocks.append(current)
            last_speaker = current
            continue
        if tail or (i > last_label and (footer_seen or is_bio(line, surnames))):
            tail = True
            dropped.append(line)
            continue
        if head and title is None and is_headline(line) and _more_follows(lines, i):
            title = line
            continue
        if current is None:
            current = _continuation(line, n, last_speaker, archival_next)
            blocks.append(current)
            last_speaker = last_speaker or current
        else:
            current.parts.append(line)
    _finish_hints(blocks)
    infer_host = style == "npr" or any(b.intro for b in blocks)
    return build(blocks, fmt=style, title=title, dropped=dropped, infer_host=infer_host)


def _continuation(line: str, n: int, last: Block | None, archival: bool) -> Block:
    """A new turn for unlabelled text after a cue, or the unlabelled intro before the first label."""
    if last is None:
        return Block(kind="turn", line=n, parts=[line], intro=True)
    if archival:  # an unnamed archival voice
        return Block(kind="turn", line=n, parts=[line], archival=True)
    return Block(kind="turn", line=n, parts=[line], label=last.label, intro=last.intro, speaker=last.speaker)


def _more_follows(lines: list[str], i: int) -> bool:
    return any(line.strip() for line in lines[i + 1 :])


def _finish_hints(blocks: list[Block]) -> None:
    """A turn with a start time ends where the next timed turn starts."""
    timed = [b for b in blocks if b.kind == "turn" and b.hint_start is not None]
    for a, b in zip(timed, timed[1:], strict=False):
        if a.hint_end is None and b.hint_start is not None and b.hint_start >= a.hint_start:
            a.hint_end = b.hint_start
