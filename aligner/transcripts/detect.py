"""Which reader a transcript needs, judged by its content; and the table of readers."""

from __future__ import annotations

import json
import re

from aligner.errors import TranscriptError
from aligner.models import Transcript
from aligner.transcripts.chrome import FOOTER
from aligner.transcripts.labelled import CUE_LINE, find_label, read_labelled
from aligner.transcripts.plain import read_plain

#: Accepted format names, for ``--format`` and the API.
FORMATS = ("npr", "script", "vtt", "srt", "podcast", "plain", "html")
_SRT = re.compile(r"\d+\s*\n\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->")
_HTML = re.compile(r"<!doctype html|<html[\s>]|<head[\s>]|<body[\s>]", re.IGNORECASE)


def detect(text: str) -> str:
    """Guess the format of tidied transcript text."""
    head = text.lstrip()
    if head[:1] in "{[":
        try:
            data = json.loads(head)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("segments"), list):
            return "podcast"
    if head.startswith("WEBVTT"):
        return "vtt"
    if _SRT.match(head):
        return "srt"
    if _HTML.match(head) or len(re.findall(r"<p[\s>]", head, re.IGNORECASE)) >= 2:
        return "html"
    return detect_text(text)


def detect_text(text: str) -> str:
    """Between ``npr``, ``script`` and ``plain``: count the lines that start with a label."""
    lines = [line for line in text.split("\n") if line.strip() and not CUE_LINE.fullmatch(line)]
    npr = sum(1 for line in lines if find_label(line, "npr"))
    markers = FOOTER.search(text) or re.search(r", (?:BYLINE|HOST):", text)
    if npr >= 2 or (npr and (markers or find_label(lines[0], "npr") or npr * 4 >= len(lines))):
        return "npr"
    script = sum(1 for line in lines if find_label(line, "script"))
    if script >= 2 and script * 4 >= len(lines):
        return "script"
    return "plain"


def read(text: str, fmt: str) -> Transcript:
    """Parse tidied ``text`` with the reader for ``fmt``."""
    if fmt in ("npr", "script"):
        return read_labelled(text, style=fmt)
    if fmt == "plain":
        return read_plain(text)
    if fmt in ("vtt", "srt"):
        from aligner.transcripts.captions import read_srt, read_vtt

        return read_vtt(text) if fmt == "vtt" else read_srt(text)
    if fmt == "podcast":
        from aligner.transcripts.podcast import read_podcast

        return read_podcast(text)
    if fmt == "html":
        from aligner.transcripts.html import read_html

        return read_html(text)
    raise TranscriptError(f"line 1: unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
