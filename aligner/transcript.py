"""Parse a radio transcript (scraped page, script, captions, podcast JSON, plain text) into a Transcript.

The readers live in :mod:`aligner.transcripts`; this module picks one and is the public entry point.
"""

from __future__ import annotations

import os

from aligner.errors import TranscriptError
from aligner.models import Transcript
from aligner.transcripts.decode import MAX_BYTES, check_size, decode, tidy
from aligner.transcripts.detect import FORMATS, detect, read

__all__ = ["FORMATS", "MAX_BYTES", "load_transcript", "parse_transcript"]


def parse_transcript(data: str | bytes, format: str | None = None, *, limit: int = MAX_BYTES) -> Transcript:
    """Parse transcript text or bytes; ``format`` forces a reader (one of :data:`FORMATS`).

    :raises TranscriptError: for empty, binary, oversized or unspeakable input, or an unknown format.
    """
    if format is not None and format not in FORMATS:
        raise TranscriptError(f"line 1: unknown format {format!r}; use one of {', '.join(FORMATS)}")
    if isinstance(data, bytes | bytearray):
        text = decode(bytes(data), limit)
    elif isinstance(data, str):
        check_size(len(data.encode("utf-8", "surrogatepass")), limit)
        text = data
    else:
        raise TranscriptError(f"line 1: expected text or bytes, not {type(data).__name__}")
    text = tidy(text.lstrip("\ufeff"))
    if not text.strip():
        raise TranscriptError("line 1: the transcript is empty")
    return read(text, format or detect(text))


def load_transcript(path: str | os.PathLike[str], format: str | None = None, *, limit: int = MAX_BYTES) -> Transcript:
    """Read and parse a transcript file; the size is checked before the file is read.

    :raises TranscriptError: as :func:`parse_transcript`, or when the file cannot be read.
    """
    try:
        with open(path, "rb") as f:
            check_size(os.fstat(f.fileno()).st_size, limit)
            data = f.read(limit + 1)
    except OSError as e:
        raise TranscriptError(f"line 1: cannot read {os.fspath(path)!r}: {e.strerror or e}") from e
    return parse_transcript(data, format, limit=limit)
