"""Property tests: the reader never crashes, keeps every spoken word exactly once, and is deterministic."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aligner.errors import TranscriptError
from aligner.models import Transcript
from aligner.transcript import parse_transcript
from aligner.transcripts.chrome import FOOTER
from aligner.transcripts.decode import tidy

# schemathesis, if installed in the venv, hooks every test and touches a deprecated jsonschema name on
# import; filterwarnings=error would turn that into a failure of this file's first test.

SETTINGS = settings(
    max_examples=int(os.environ.get("SEEKLINE_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
LABELS = ["ADAMS", "BAKER", "CHEN, BYLINE", "DANA EZRA, HOST", "O'NEIL", "GARCIA-LOPEZ", "UNIDENTIFIED MAN #1"]
WORDS = st.sampled_from(
    [
        "the",
        "tide",
        "rose",
        "again",
        "and",
        "$5",
        "35",
        "1990s",
        "U.S.",
        "NATO",
        "Mr.",
        "well,",
        "—",
        "-",
        "“quoted”",
        "it's",
        "3.5",
        "(LAUGHTER)",
        "(Through",
        "interpreter)",
        "café",
        "x",
        "a.m.",
        "Dr.",
        "why?",
    ]
)
PARAGRAPH = st.builds(
    lambda first, rest: " ".join([first, *rest]) + ".",
    st.sampled_from(["So", "Then", "Yes", "Now", "Right"]),
    st.lists(WORDS, max_size=25),
)
ITEM = st.one_of(
    st.tuples(st.sampled_from(LABELS), st.lists(PARAGRAPH, min_size=1, max_size=3)),
    st.tuples(st.just(None), st.sampled_from(["(SOUNDBITE OF MUSIC)", "(APPLAUSE)", "(CROSSTALK)"])),
)


def render(items, sep: str, crlf: bool, chrome: bool) -> tuple[str, list[str]]:
    """A labelled transcript and the words a listener hears (cue texts included), in order."""
    out, spoken = [], []
    if chrome:
        out += ["© 2020 KABC", "Play Live Radio", "0:00 0:00"]
    for label, body in items:
        if label is None:
            out.append(body)
            spoken += body.split()
            continue
        out.append(f"{label}: {body[0]}")
        out += body[1:]
        for p in body:
            spoken += p.split()
    if chrome:
        out[-1] += " Transcript provided by NPR, Copyright NPR."
    text = sep.join(out) + "\n"
    return (text.replace("\n", "\r\n") if crlf else text), spoken


def words(t: Transcript) -> list[str]:
    return [w for s in t.segments for w in s.text.split()]


@SETTINGS
@given(
    st.lists(ITEM, min_size=1, max_size=8).filter(lambda xs: any(x[0] for x in xs)),
    st.sampled_from(["\n", "\n\n", "\n\n\n"]),
    st.booleans(),
    st.booleans(),
)
def test_every_spoken_word_is_in_exactly_one_segment_in_order(items, sep, crlf, chrome) -> None:
    text, spoken = render(items, sep, crlf, chrome)
    t = parse_transcript(text)
    assert words(t) == spoken
    assert t.to_dict() == parse_transcript(text).to_dict()
    if chrome:
        assert "Transcript provided by NPR, Copyright NPR." in t.dropped


def _subsequence(needle: list[str], hay: list[str]) -> bool:
    it = iter(hay)
    return all(any(w == h for h in it) for w in needle)


def _check(data: str | bytes) -> None:
    try:
        first = parse_transcript(data)
    except TranscriptError as e:
        assert e.message.startswith("line ")
        return
    assert isinstance(first, Transcript)
    assert first.to_dict() == parse_transcript(data).to_dict()
    if isinstance(data, str) and first.format in ("npr", "script", "plain"):
        # a footer notice may start inside a token ("NPR,Copyright"): the reader cuts it off there
        hay = FOOTER.sub(lambda m: " " + m.group(0), tidy(data.lstrip("\ufeff"))).split()
        assert _subsequence(words(first), hay)


MUTATION = st.tuples(
    st.sampled_from(["cut", "insert", "dup", "swap"]), st.integers(0, 10**6), st.integers(0, 200), st.text(max_size=30)
)


@SETTINGS
@given(st.lists(ITEM, min_size=1, max_size=6), st.lists(MUTATION, max_size=6))
def test_mutated_transcripts_raise_only_transcript_error(items, mutations) -> None:
    text, _ = render(items, "\n\n", False, True)
    for op, pos, size, junk in mutations:
        pos %= len(text) + 1
        if op == "cut":
            text = text[:pos] + text[pos + size :]
        elif op == "insert":
            text = text[:pos] + junk + text[pos:]
        elif op == "dup":
            text = text[:pos] + text[pos : pos + size] + text[pos:]
        else:
            lines = text.split("\n")
            i, j = pos % len(lines), (pos + size) % len(lines)
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    _check(text)


@SETTINGS
@given(st.text(max_size=400))
def test_random_text_never_crashes(text: str) -> None:
    _check(text)


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_never_crash(data: bytes) -> None:
    _check(data)


@SETTINGS
@given(st.text(alphabet=st.sampled_from(list('WEBVTT0123456789:.-> \n<v>{}[]"segmentsbody,')), max_size=300))
def test_format_like_noise_never_crashes(text: str) -> None:
    for fmt in (None, "vtt", "srt", "podcast", "html"):
        try:
            parse_transcript(text, format=fmt)
        except TranscriptError:
            pass
