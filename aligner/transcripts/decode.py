"""Turn raw bytes or text into clean text: size limit, binary check, encoding detection, tidying."""

from __future__ import annotations

import codecs
import html
import re
import unicodedata

import charset_normalizer

from aligner.errors import TranscriptError

#: Default size limit for a transcript, in bytes.
MAX_BYTES = 2 * 1024 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Single-byte encodings a Western radio site's text is in when it is not UTF-8, most likely first.
_WESTERN = ("cp1252", "latin_1", "iso8859_15")
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def line_of(text: str, index: int) -> int:
    """The 1-based line number of ``index`` in ``text``."""
    return text.count("\n", 0, index) + 1


def check_size(size: int, limit: int = MAX_BYTES) -> None:
    """:raises TranscriptError: when ``size`` bytes is over ``limit``."""
    if size > limit:
        raise TranscriptError(
            f"line 1: the transcript is {size / 1048576:.1f} MB, over the {limit / 1048576:.0f} MB limit"
        )


def _binary_line(data: bytes) -> int | None:
    """The line of the first byte that cannot be in a text file, or ``None``."""
    head = data[:65536]
    for i, b in enumerate(head):
        if b == 0 or (b < 32 and b not in (9, 10, 12, 13, 27)):
            return head.count(b"\n", 0, i) + 1
    return None


def decode(data: bytes, limit: int = MAX_BYTES) -> str:
    """Decode transcript bytes: a BOM wins, then UTF-8, then charset-normalizer's best guess.

    :raises TranscriptError: for empty, oversized or binary data.
    """
    check_size(len(data), limit)
    if not data.strip():
        raise TranscriptError("line 1: the transcript is empty")
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as e:
                line = data.count(b"\n", 0, e.start) + 1
                raise TranscriptError(f"line {line}: invalid {codec} text after a byte-order mark") from e
    bad = _binary_line(data)
    if bad is not None:
        raise TranscriptError(f"line {bad}: binary data (control bytes), not a text transcript")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _guess(data)


def _guess(data: bytes) -> str:
    best = charset_normalizer.from_bytes(data).best()
    guess = best.encoding if best is not None else None
    # Short Western text often scores a tie between many single-byte code pages; prefer the
    # Windows Latin one that web pages and Word actually produce, as long as it decodes the bytes.
    if guess is None or guess not in _WESTERN:
        western = charset_normalizer.from_bytes(data, cp_isolation=list(_WESTERN)).best()
        if western is not None and (best is None or _is_latin(str(western))):
            guess = western.encoding
    if guess is None:
        raise TranscriptError("line 1: binary data or an unknown text encoding, not a text transcript")
    return data.decode(guess, errors="replace")


def _is_latin(text: str) -> bool:
    """True when every letter of ``text`` is a Latin letter (so a Western code page explains it)."""
    return all(not c.isalpha() or "LATIN" in unicodedata.name(c, "") for c in text)


def tidy(text: str) -> str:
    """Normalise newlines, entities, odd spaces and invisible characters; keep the words as written."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in text:
        text = _ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
    return "\n".join(_SPACES.sub(" ", line).strip() for line in text.split("\n"))
