"""Reader for a saved HTML transcript page: the text of its paragraphs, then the text readers."""

from __future__ import annotations

from html.parser import HTMLParser

from aligner.models import Transcript
from aligner.transcripts.decode import tidy

_SKIP = frozenset({"script", "style", "nav", "header", "footer", "aside", "noscript", "template", "svg", "form"})
_BLOCKS = frozenset({"p", "h1", "h2", "h3", "li", "blockquote", "div", "br", "tr", "section", "article"})


class _Paragraphs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self.title: str | None = None
        self._buf: list[str] = []
        self._skip = 0
        self._in_h1 = False

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag in _BLOCKS:
            self._flush()
            self._in_h1 = tag == "h1"

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag == "br":
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self._flush()

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._buf.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._buf).split())
        self._buf = []
        if text:
            if self._in_h1 and self.title is None:
                self.title = text
            else:
                self.paragraphs.append(text)
        self._in_h1 = False


def read_html(text: str) -> Transcript:
    """Take the paragraphs (skipping scripts, navigation and footers) and parse them as text."""
    from dataclasses import replace

    from aligner.transcripts.detect import detect_text, read

    parser = _Paragraphs()
    parser.feed(text)
    parser.close()
    parser._flush()
    body = tidy("\n\n".join(parser.paragraphs))
    fmt = detect_text(body)
    parsed = read(body, fmt)
    return replace(parsed, title=parser.title or parsed.title, format="html")
