"""The transcript reader on NPR-style pages: chrome, title, intro, labels, speakers and cues."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from aligner.models import Cue, Turn
from aligner.transcript import parse_transcript

# schemathesis, if installed in the venv, hooks every test and touches a deprecated jsonschema name on
# import; filterwarnings=error would turn that into a failure of this file's first test.

# A made-up show in the layout of a scraped public-radio page (no real transcript text).
PAGE = """\
© 2023 KXYZ
Play Live Radio
Next Up:
0:00 0:00
Available On Air Stations

Harbor Town Votes On A New Sea Wall


The tide keeps rising in Harbor Town, and voters decide today whether to pay for a wall. Our \
reporter NPR's Dana Whitlock is on the pier, and NPR's Omar Castellanos is at city hall. Hello to you both.


DANA WHITLOCK, BYLINE: Hi, Priya.

OKAFOR: Dana, start with the pier. What do people say?

WHITLOCK: Well, Priya, most want the wall. It would cost $40 million over 10 years.

(SOUNDBITE OF CROWD CHANTING)

OKAFOR: And Omar, what about the council?

CASTELLANOS: Thanks, Priya. The council is split 4-3. A vote comes at 7 p.m.

OKAFOR: That's Omar Castellanos and Dana Whitlock. Thank you both.

CASTELLANOS: Thank you, Priya. Transcript provided by NPR, Copyright NPR.

Dana Whitlock joined NPR in 2012 after covering coastal towns for a decade.
"""


def page(**swap: str) -> str:
    text = PAGE
    for old, new in swap.items():
        text = text.replace(old.replace("_", " "), new)
    return text


@pytest.fixture(scope="module")
def parsed():
    return parse_transcript(PAGE)


def turns(t):
    return [s for s in t.segments if isinstance(s, Turn)]


def test_headline_becomes_the_title(parsed) -> None:
    assert parsed.title == "Harbor Town Votes On A New Sea Wall"
    assert parsed.format == "npr"


@pytest.mark.parametrize(
    "line",
    [
        "© 2023 KXYZ",
        "Play Live Radio",
        "Next Up:",
        "0:00 0:00",
        "Available On Air Stations",
        "Transcript provided by NPR, Copyright NPR.",
        "Dana Whitlock joined NPR in 2012 after covering coastal towns for a decade.",
    ],
)
def test_page_chrome_footer_and_bio_are_dropped(parsed, line: str) -> None:
    assert line in parsed.dropped
    assert all(line not in s.text for s in parsed.segments)


def test_footer_sharing_a_line_with_the_last_turn_is_cut_off(parsed) -> None:
    last = turns(parsed)[-1]
    assert last.text == "Thank you, Priya."


def test_intro_is_a_host_turn_named_from_how_others_address_her(parsed) -> None:
    intro = turns(parsed)[0]
    assert intro.speaker == "okafor" and "intro" in intro.flags and intro.speaker_inferred
    host = next(s for s in parsed.speakers if s.id == "okafor")
    assert (host.label, host.name, host.role) == ("OKAFOR", "Priya Okafor", "host")


@pytest.mark.parametrize(
    ("sid", "label", "name", "role"),
    [("whitlock", "WHITLOCK", "Dana Whitlock", "byline"), ("castellanos", "CASTELLANOS", "Omar Castellanos", "byline")],
)
def test_surname_labels_resolve_to_full_names(parsed, sid: str, label: str, name: str, role: str) -> None:
    sp = {s.id: s for s in parsed.speakers}
    assert (sp[sid].label, sp[sid].name, sp[sid].role) == (label, name, role)


def test_segments_are_in_order_with_the_cue(parsed) -> None:
    kinds = [(s.kind, getattr(s, "speaker", None)) for s in parsed.segments]
    assert kinds == [
        ("turn", "okafor"),
        ("turn", "whitlock"),
        ("turn", "okafor"),
        ("turn", "whitlock"),
        ("cue", None),
        ("turn", "okafor"),
        ("turn", "castellanos"),
        ("turn", "okafor"),
        ("turn", "castellanos"),
    ]
    cue = next(s for s in parsed.segments if isinstance(s, Cue))
    assert (cue.id, cue.text) == ("c1", "(SOUNDBITE OF CROWD CHANTING)")
    assert [t.id for t in turns(parsed)] == [f"t{i}" for i in range(1, 9)]


def test_to_dict_has_the_cli_shape(parsed) -> None:
    d = json.loads(json.dumps(parsed.to_dict()))
    assert set(d) >= {"title", "speakers", "segments", "dropped"}
    assert all(set(s) >= {"id", "label", "name", "role"} for s in d["speakers"])
    for seg in d["segments"]:
        assert set(seg) >= {"id", "kind", "speaker", "text", "sentences"}
        assert all(isinstance(x, str) for x in seg["sentences"])
    assert d["segments"][3]["sentences"] == [
        "Well, Priya, most want the wall.",
        "It would cost $40 million over 10 years.",
    ]


def test_speech_is_normalised_but_display_text_is_kept(parsed) -> None:
    t = turns(parsed)[3]
    assert "$40 million" in t.text
    assert t.sentences[1].speech == "It would cost forty million dollars over ten years."


def test_host_label_wins_over_inference() -> None:
    t = parse_transcript(page(OKAFOR_="PRIYA OKAFOR, HOST: Hello.\n\nOKAFOR:", **{"Hi, Priya.": "Hi."}))
    host = next(s for s in t.speakers if s.role == "host")
    assert (host.id, host.name) == ("okafor", "Priya Okafor")


def test_unknown_host_gives_a_null_speaker_not_inferred() -> None:
    text = "A short lead paragraph about the harbor.\n\nWHITLOCK: Hi.\n\nWHITLOCK: More.\n"
    t = parse_transcript(text.replace("WHITLOCK: More.", "DANA WHITLOCK, BYLINE: More."))
    intro = turns(t)[0]
    assert intro.speaker is None and intro.speaker_inferred is False
    assert intro.to_dict()["speaker_inferred"] is False


LABELS = [
    ("GARCIA-NAVARRO: Hi there, all.", "garcia-navarro", "GARCIA-NAVARRO"),
    ("O'CONNOR: Hi there, all.", "oconnor", "O'CONNOR"),
    ("O’CONNOR: Hi there, all.", "oconnor", "O’CONNOR"),
    ("NÚÑEZ: Hi there, all.", "nunez", "NÚÑEZ"),
    ("PRESIDENT BARACK OBAMA: Hi there, all.", "obama", "PRESIDENT BARACK OBAMA"),
    ("UNIDENTIFIED PERSON #1: Hi there, all.", "unidentified-person-1", "UNIDENTIFIED PERSON #1"),
    ("UNIDENTIFIED MAN: Hi there, all.", "unidentified-man", "UNIDENTIFIED MAN"),
    ("MARY LOUISE KELLY, HOST: Hi there, all.", "kelly", "MARY LOUISE KELLY"),
    ("MARTIN LUTHER KING JR.: Hi there, all.", "king", "MARTIN LUTHER KING JR."),
    ("LUDWIG VAN BEETHOVEN: Hi there, all.", "van-beethoven", "LUDWIG VAN BEETHOVEN"),
]


@pytest.mark.parametrize(("line", "sid", "label"), LABELS)
def test_speaker_label_forms(line: str, sid: str, label: str) -> None:
    t = parse_transcript(f"{line}\n\nSIMPSON: Thanks.\n")
    first = turns(t)[0]
    assert first.speaker == sid and first.text == "Hi there, all."
    assert next(s for s in t.speakers if s.id == sid).label == label


@pytest.mark.parametrize(
    ("label", "name"),
    [
        ("PRESIDENT BARACK OBAMA", "Barack Obama"),
        ("LULU GARCIA-NAVARRO", "Lulu Garcia-Navarro"),
        ("SEAN O'CONNOR", "Sean O'Connor"),
        ("ANA NÚÑEZ", "Ana Núñez"),
        ("UNIDENTIFIED WOMAN #2", None),
    ],
)
def test_full_names_are_printed_in_name_case(label: str, name: str | None) -> None:
    t = parse_transcript(f"{label}: Hello there.\n\nSIMPSON: Thanks.\n")
    assert t.speakers[0].name == name


def test_interpreter_and_foreign_language_stay_in_text_but_not_in_speech() -> None:
    t = parse_transcript(
        "MORALES: (Through interpreter) We will rebuild.\n\nMORALES: (Speaking foreign language).\n\n"
        "SIMPSON: Thank you.\n"
    )
    first, second = turns(t)[:2]
    assert first.text.startswith("(Through interpreter)") and "through_interpreter" in first.flags
    assert first.sentences[0].speech == "We will rebuild."
    assert "foreign_language" in second.flags and not second.speakable


@pytest.mark.parametrize(
    "cue",
    [
        "(SOUNDBITE OF MUSIC)",
        "(LAUGHTER)",
        "(CROSSTALK)",
        "(APPLAUSE)",
        "(SOUNDBITE OF ARCHIVED RECORDING)",
        "[MUSIC PLAYING]",
    ],
)
def test_cue_lines_become_cue_segments_in_order(cue: str) -> None:
    t = parse_transcript(f"ADAMS: One.\n\n{cue}\n\nBAKER: Two.\n")
    assert [s.kind for s in t.segments] == ["turn", "cue", "turn"]
    assert t.segments[1].text == cue


def test_inline_cue_stays_in_display_text_only() -> None:
    t = parse_transcript("ADAMS: That is a joke. (LAUGHTER) Anyway, back to it.\n\nBAKER: Sure.\n")
    first = turns(t)[0]
    assert "(LAUGHTER)" in first.text
    assert all("LAUGHTER" not in s.speech for s in first.sentences)


def test_voice_after_archived_recording_is_archival() -> None:
    t = parse_transcript(
        "INSKEEP: Here is the president in 2009.\n\n(SOUNDBITE OF ARCHIVED RECORDING)\n\n"
        "PRESIDENT BARACK OBAMA: We will act.\n\nINSKEEP: That was then.\n"
    )
    obama = next(s for s in t.speakers if s.id == "obama")
    assert obama.role == "archival"
    assert "archival" in turns(t)[1].flags and "archival" not in turns(t)[2].flags


def _shape(t):
    return (
        t.title,
        [(s.kind, getattr(s, "speaker", None), " ".join(s.text.split())) for s in t.segments],
        t.speakers,
        list(t.dropped),
    )


@pytest.mark.parametrize(
    "variant",
    [
        lambda s: s.replace("\n", "\r\n"),
        lambda s: "\ufeff" + s,
        lambda s: s.encode("utf-8-sig"),
        lambda s: s.encode("utf-16"),
        lambda s: s.replace("\n\n\n", "\n").replace("\n\n", "\n"),
        lambda s: s.replace("\n\n", "\n\n\n\n"),
        lambda s: s.replace(" & ", " &amp; "),
        lambda s: s.replace("  ", " ").replace(" ", " ", 0),
    ],
    ids=["crlf", "bom-str", "bom-bytes", "utf16", "single-newlines", "extra-blank-lines", "entities", "same"],
)
def test_robust_to_newlines_boms_and_paragraphing(variant) -> None:
    assert _shape(parse_transcript(variant(PAGE))) == _shape(parse_transcript(PAGE))


@pytest.mark.parametrize("codec", ["cp1252", "latin-1"])
def test_latin1_and_cp1252_are_detected(codec: str) -> None:
    text = (
        "NÚÑEZ: Le café était très bon, à Paris. Déjà vu, señor.\n\n"
        "SIMPSON: Merci. C'est la vie en été, évidemment, à la française.\n"
    )
    t = parse_transcript(text.encode(codec))
    assert turns(t)[0].text == "Le café était très bon, à Paris. Déjà vu, señor."
    assert t.speakers[0].id == "nunez"


def test_smart_quotes_parse_like_straight_quotes() -> None:
    straight = parse_transcript("O'CONNOR: It's \"fine\".\n\nSIMPSON: OK.\n")
    smart = parse_transcript("O’CONNOR: It’s “fine”.\n\nSIMPSON: OK.\n")
    assert [s.speaker for s in turns(straight)] == [s.speaker for s in turns(smart)]
    assert turns(smart)[0].sentences[0].speech == turns(straight)[0].sentences[0].speech


SEED = Path(
    os.environ.get("SEEKLINE_SEED", Path(__file__).resolve().parents[1] / "../shared/seed/npr-hollande-putin.txt")
)


@pytest.mark.skipif(not SEED.is_file(), reason="seed transcript not present")
def test_seed_page_parses_exactly() -> None:
    from aligner.transcript import load_transcript

    t = load_transcript(SEED)
    assert t.title == "Hollande To Ask Putin To Join Grand Coalition Against ISIS"
    ts = turns(t)
    assert len(ts) == 16 and "intro" in ts[0].flags and ts[0].speaker == "montagne"
    assert [x.speaker for x in ts[1:4]] == ["flintoff", "montagne", "beardsley"]
    assert {(s.id, s.name, s.role) for s in t.speakers} == {
        ("montagne", "Renee Montagne", "host"),
        ("beardsley", "Eleanor Beardsley", "byline"),
        ("flintoff", "Corey Flintoff", "byline"),
    }
    assert "Transcript provided by NPR, Copyright NPR." in t.dropped
    assert any(d.startswith("Eleanor Beardsley began reporting") for d in t.dropped)
    assert ts[-1].text == "Thank you, Renee."
    assert not any("Copyright" in x.text for x in ts)


def test_any_stations_transcript_footer_is_dropped() -> None:
    t = parse_transcript("ANN: We are done here.\n\nTranscript provided by WKSL, Copyright WKSL.\n")
    assert t.segments[-1].sentences[-1].text == "We are done here."
    assert "Transcript provided by WKSL, Copyright WKSL." in t.dropped
