"""The other transcript formats (scripts, captions, podcast JSON, plain, HTML) and bad input."""

from __future__ import annotations

import json

import pytest

from aligner.errors import TranscriptError
from aligner.models import Turn
from aligner.transcript import FORMATS, load_transcript, parse_transcript

# schemathesis, if installed in the venv, hooks every test and touches a deprecated jsonschema name on
# import; filterwarnings=error would turn that into a failure of this file's first test.

VTT = """WEBVTT

00:00:01.000 --> 00:00:02.500
<v Alice Moreno>Welcome to <i>the show</i>.</v>

00:00:02.600 --> 00:00:04.000
<v Ben Ito>Thanks. Glad to

00:00:04.000 --> 00:00:05.250
<v Ben Ito>be here.

00:00:05.300 --> 00:00:06.000
[MUSIC]
"""

SRT = """1
00:00:01,000 --> 00:00:02,000
>> Good evening. Tonight

2
00:00:02,000 --> 00:00:03,500
we look at <i>tides</i>.

3
00:00:04,000 --> 00:00:05,000
>> And the weather.
"""

PODCAST = {
    "version": "1.0.0",
    "segments": [
        {"speaker": "Alice", "startTime": 0.5, "endTime": 1.5, "body": "Hello"},
        {"speaker": "Alice", "startTime": 1.5, "endTime": 2.0, "body": "and welcome."},
        {"speaker": "Ben", "startTime": 2.1, "endTime": 3.0, "body": "Hi, Alice."},
    ],
}

HTML = """<!DOCTYPE html><html><head><title>Site</title><script>var x = "SPAM: no";</script></head>
<body><nav><p>Home</p><p>News</p></nav><h1>Tides Rise Again</h1>
<p>ANA LIMA, HOST: Good morning &amp; welcome.</p><p>REYES: Thanks, Ana. Water is up 5%.</p>
<footer><p>© 2024 Station</p></footer></body></html>"""


def turns(t):
    return [s for s in t.segments if isinstance(s, Turn)]


@pytest.mark.parametrize(
    ("data", "fmt"),
    [
        (VTT, "vtt"),
        (SRT, "srt"),
        (json.dumps(PODCAST), "podcast"),
        (HTML, "html"),
        ("Alice: Hi there.\nBob: Hello.\nAlice: Bye.\n", "script"),
        ("ADAMS: One.\n\nBAKER: Two.\n", "npr"),
        ("Just a paragraph.\n\nAnd another: with a colon.\n", "plain"),
    ],
)
def test_format_is_detected_by_content(data: str, fmt: str) -> None:
    assert parse_transcript(data).format == fmt


def test_vtt_voices_name_speakers_and_times_become_hints() -> None:
    t = parse_transcript(VTT)
    a, b = turns(t)
    assert (a.speaker, a.text, a.hint_start, a.hint_end) == ("moreno", "Welcome to the show.", 1.0, 2.5)
    assert (b.speaker, b.text, b.hint_start, b.hint_end) == ("ito", "Thanks. Glad to be here.", 2.6, 5.25)
    assert t.segments[-1].kind == "cue"
    assert [s.name for s in t.speakers] == ["Alice Moreno", "Ben Ito"]


def test_srt_without_speakers_groups_captions_into_sentences() -> None:
    t = parse_transcript(SRT)
    assert [(x.speaker, x.text, x.hint_start, x.hint_end) for x in turns(t)] == [
        (None, "Good evening. Tonight we look at tides.", 1.0, 3.5),
        (None, "And the weather.", 4.0, 5.0),
    ]


def test_podcast_json_merges_a_speakers_segments() -> None:
    t = parse_transcript(json.dumps(PODCAST))
    assert [(x.speaker, x.text, x.hint_start, x.hint_end) for x in turns(t)] == [
        ("alice", "Hello and welcome.", 0.5, 2.0),
        ("ben", "Hi, Alice.", 2.1, 3.0),
    ]


def test_script_labels_and_timestamps() -> None:
    t = parse_transcript("[00:00:03] Alice Smith: Hi.\n[00:01:07] Bob Jones: Hello.\nAlice Smith  1:12\nMore.\n")
    assert [(x.speaker, x.text, x.hint_start) for x in turns(t)] == [
        ("smith", "Hi.", 3.0),
        ("jones", "Hello.", 67.0),
        ("smith", "More.", 72.0),
    ]
    assert turns(t)[0].hint_end == 67.0


def test_html_takes_paragraph_text_and_headline() -> None:
    t = parse_transcript(HTML)
    assert t.title == "Tides Rise Again"
    assert [(x.speaker, x.text) for x in turns(t)] == [
        ("lima", "Good morning & welcome."),
        ("reyes", "Thanks, Ana. Water is up 5%."),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("One para.\n\nTwo para.\n", ["One para.", "Two para."]),
        ("One para.\nTwo para.\n", ["One para.", "Two para."]),
        ("Wrapped first\nline here.\n\nSecond.\n", ["Wrapped first line here.", "Second."]),
    ],
)
def test_plain_paragraphs_are_turns_without_speakers(text: str, expected: list[str]) -> None:
    t = parse_transcript(text)
    assert [x.text for x in turns(t)] == expected
    assert all(x.speaker is None and not x.speaker_inferred for x in turns(t))
    assert t.speakers == ()


@pytest.mark.parametrize("fmt", FORMATS)
def test_forced_format_is_used(fmt: str) -> None:
    data = {"vtt": VTT, "srt": SRT, "podcast": json.dumps(PODCAST), "html": HTML}.get(fmt, "ADAMS: One.\n\nBAKER: Two.")
    assert parse_transcript(data, format=fmt).format == fmt


@pytest.mark.parametrize(
    ("data", "fmt", "message"),
    [
        ("", None, "line 1: the transcript is empty"),
        ("  \n\n \t\n", None, "line 1: the transcript is empty"),
        (b"", None, "line 1: the transcript is empty"),
        (b"hello\nworld\x00\x01\x02", None, "line 2: binary data"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None, "binary data"),
        ("(LAUGHTER)\n\n(APPLAUSE)\n", None, "no speakable words"),
        ("... !!! ???\n", None, "line 1: the transcript has no speakable words"),
        ("x" * (2 * 1024 * 1024 + 1), None, "over the 2 MB limit"),
        (b"y" * (2 * 1024 * 1024 + 1), None, "over the 2 MB limit"),
        ("Hello.", "docx", "unknown format 'docx'"),
        ('{\n  "segments": [\n', "podcast", "line 3: not valid JSON"),
        ('{"segments": [{"body": 5}]}', "podcast", "segment 1"),
        ('{"segments": [{"body": "hi", "startTime": -1}]}', "podcast", "negative"),
        ("WEBVTT\n\nnot a cue\n", "vtt", "line"),
        ("1\n00:00:01,000 --> nope\nHi\n", "srt", "not valid SRT"),
    ],
)
def test_bad_input_raises_transcript_error_naming_line_and_problem(data, fmt, message: str) -> None:
    with pytest.raises(TranscriptError) as e:
        parse_transcript(data, format=fmt)
    assert message in e.value.message
    assert e.value.status == 422


def test_load_checks_size_before_reading(tmp_path) -> None:
    big = tmp_path / "huge.txt"
    with open(big, "wb") as f:
        f.truncate(3 * 1024**3)  # sparse: reading it would take seconds and 3 GB
    with pytest.raises(TranscriptError, match="over the 2 MB limit"):
        load_transcript(big)


def test_load_missing_file_is_a_transcript_error(tmp_path) -> None:
    with pytest.raises(TranscriptError, match="cannot read"):
        load_transcript(tmp_path / "nope.txt")


def test_load_decodes_cp1252(tmp_path) -> None:
    p = tmp_path / "t.txt"
    p.write_bytes("ADAMS: “Café” costs €5 — señor.\n\nBAKER: Très bien, merci beaucoup.\n".encode("cp1252"))
    t = load_transcript(p)
    assert turns(t)[0].text == "“Café” costs €5 — señor."
    assert turns(t)[0].sentences[0].speech == '"Café" costs five euros, señor.'
