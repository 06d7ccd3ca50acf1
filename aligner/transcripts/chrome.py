"""Page chrome on scraped radio pages: the lines around a transcript that nobody speaks."""

from __future__ import annotations

import re

_MONTH = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|Aug(?:ust|\.)?"
    r"|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_EXACT = frozenset(
    s.lower()
    for s in (
        "Play Live Radio",
        "Next Up:",
        "Available On Air Stations",
        "Enlarge this image",
        "toggle caption",
        "hide caption",
        "Sponsor Message",
        "Transcript",
        "Listen",
        "Download",
        "Embed",
        "Donate",
        "Facebook",
        "Twitter",
        "Email",
        "Flipboard",
        "Toggle more options",
        "Live Radio",
        "Close",
        "Audio will be available later today.",
        "Loading...",
        "Show less",
        "Show more",
        "Read more",
    )
)
_CHROME = re.compile(
    "|".join(
        (
            r"(?:©|\(c\)|Copyright\s*©?)\s*\d{4}\b.{0,100}",  # station copyright: "© 2024 WUKY"
            r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:\s*/?\s*(?:\d{1,2}:)?\d{1,2}:\d{2})*",  # player times: "0:00 0:00"
            r"(?:Listen|Download|Embed)\b.{0,20}\d:\d{2}",
            rf"(?:Updated |Published )?{_MONTH} \d{{1,2}}, \d{{4}}(?:,? (?:at )?\d{{1,2}}:\d{{2}}.{{0,16}})?",
            r"Heard on [A-Z][\w .'’&-]{2,50}",
            r"[A-Z][\w .'’-]{1,60}/(?:AP|AFP|Getty Images|Reuters|NPR|Bloomberg|AFP via Getty Images)",
        )
    ),
    re.IGNORECASE,
)
_BYLINE_LINE = re.compile(r"By [A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){0,3}(?:,? (?:and|&) [A-Z][\w .'’-]+)?")
#: The network's footer notices; everything from the first match to the end of its line is dropped.
FOOTER = re.compile(
    r"(?<!\w)(?:Transcript provided by [\w .&'’-]{2,40},?\s*Copyright [\w .&'’-]{2,40}?\.?(?=\s|$)"
    r"|Copyright\s*©?\s*(?:\d{4}\s*)?NPR\b"
    r"|NPR transcripts are created on a rush deadline"
    r"|Visit our website terms of use and permissions"
    r"|This text may not be in its final form"
    r"|Accuracy and availability may vary"
    r"|The authoritative record of NPR['’]s programming is the audio record)",
    re.IGNORECASE,
)
_BIO_VERB = (
    r"is|was|began|joined|has|had|covers|covered|reports|reported|serves|served|hosts|hosted|became"
    r"|spent|came|moved|started|won|graduated|previously|currently|also|lives"
)


def is_chrome(line: str, *, head: bool = False) -> bool:
    """True for a whole line of page chrome; ``head`` also accepts the "By Name" byline line."""
    if line.lower() in _EXACT or _CHROME.fullmatch(line):
        return True
    return head and bool(_BYLINE_LINE.fullmatch(line))


def split_footer(line: str) -> tuple[str, str]:
    """Split ``line`` into what is said and the footer notice after it (either may be empty)."""
    m = FOOTER.search(line)
    if m is None:
        return line, ""
    return line[: m.start()].rstrip(), line[m.start() :].strip()


def is_bio(paragraph: str, surnames: set[str]) -> bool:
    """True for a reporter bio: "Eleanor Beardsley began reporting from France ..." about a known speaker."""
    m = re.match(rf"((?:[A-Z][\w'’.-]+\s){{1,3}})(?:{_BIO_VERB})\b", paragraph)
    if m is None:
        return False
    words = {w.lower().strip(".") for w in m.group(1).split()}
    return bool(words & surnames)


def is_headline(line: str) -> bool:
    """True for a line that reads like a headline: short, and not a finished sentence."""
    words = line.split()
    return 0 < len(words) <= 20 and len(line) <= 200 and not line.endswith((".", ",", ";", ":", "…"))
