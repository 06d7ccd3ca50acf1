"""Sentence splitting and the text sent to the TTS."""

from __future__ import annotations

import pytest

from aligner.text import sentences, speech, split_sentences, strip_cues
from aligner.transcripts.numbers import cardinal, decade, ordinal, roman, year

# schemathesis, if installed in the venv, hooks every test and touches a deprecated jsonschema name on
# import; filterwarnings=error would turn that into a failure of this file's first test.


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Lee went home. He slept.", ["Mr. Lee went home.", "He slept."]),
        ("Dr. Ada Osei spoke first. Then we ate.", ["Dr. Ada Osei spoke first.", "Then we ate."]),
        ("The U.S. sent aid to St. Louis quickly.", ["The U.S. sent aid to St. Louis quickly."]),
        ("They left the U.S. The trip was long.", ["They left the U.S.", "The trip was long."]),
        ("We met at 9 a.m. on Friday.", ["We met at 9 a.m. on Friday."]),
        ("We met at 9 a.m. The bus was late.", ["We met at 9 a.m.", "The bus was late."]),
        ("Growth hit 3.5 percent. Prices fell.", ["Growth hit 3.5 percent.", "Prices fell."]),
        ("John F. Kennedy flew in.", ["John F. Kennedy flew in."]),
        ("Well... maybe not. Who knows?", ["Well... maybe not.", "Who knows?"]),
        ("It ended… Then silence.", ["It ended…", "Then silence."]),
        ('She said, "Stop." Nobody did.', ['She said, "Stop."', "Nobody did."]),
        ('"Run!" he shouted.', ['"Run!" he shouted.']),
        ("It was - how to put it - odd. Truly.", ["It was - how to put it - odd.", "Truly."]),
        ("It was — frankly — odd. Truly.", ["It was — frankly — odd.", "Truly."]),
        ("No. That is wrong.", ["No.", "That is wrong."]),
        ("Item No. 5 sold.", ["Item No. 5 sold."]),
        ("Really? Yes! Fine.", ["Really?", "Yes!", "Fine."]),
        ("Line one\nLine two", ["Line one", "Line two"]),
        ("In 2004. 35 people came.", ["In 2004.", "35 people came."]),
        ("Acme Inc. makes tools.", ["Acme Inc. makes tools."]),
    ],
)
def test_split_sentences_survives_abbreviations_decimals_and_quotes(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$5", "five dollars"),
        ("It cost $1.", "It cost one dollar."),
        ("$5.50", "five dollars and fifty cents"),
        ("$10 billion", "ten billion dollars"),
        ("a 10 billion euro fund", "a ten billion euro fund"),
        ("€3 million", "three million euros"),
        ("the 1990s", "the nineteen nineties"),
        ("the '80s", "the eighties"),
        ("35 calls", "thirty-five calls"),
        ("600 more troops", "six hundred more troops"),
        ("1,200 people", "one thousand two hundred people"),
        ("in 2004", "in two thousand four"),
        ("in 2015", "in twenty fifteen"),
        ("in 1905", "in nineteen oh five"),
        ("50%", "fifty percent"),
        ("3.5%", "three point five percent"),
        ("the 21st century", "the twenty-first century"),
        ("at 10:30", "at ten thirty"),
        ("at 5:00 p.m.", "at five P M"),
        ("the U.S. and the U.K.", "the U S and the U K"),
        ("NATO allies", "NATO allies"),
        ("the EU border", "the E U border"),
        ("ISIS fighters", "ISIS fighters"),
        ("NPR's reporter", "N P R's reporter"),
        ("OK, fine", "okay, fine"),
        ("Mr. Smith", "Mister Smith"),
        ("Dr. Jones", "Doctor Jones"),
        ("10-20 people", "ten to twenty people"),
        ("COVID-19", "COVID nineteen"),
        ("Tom & Jerry", "Tom and Jerry"),
        ("#1 hit", "number one hit"),
        ("World War II ended", "World War two ended"),
        ("Queen Elizabeth II died", "Queen Elizabeth the second died"),
        ("Henry VIII, Part II", "Henry the eighth, Part two"),
        ("III Look in thy glass", "three. Look in thy glass"),
        ("I From fairest creatures", "one. From fairest creatures"),
        ("I think so", "I think so"),
        ("Malcolm X spoke", "Malcolm X spoke"),
        ("an IV drip", "an I V drip"),
    ],
)
def test_speech_spells_numbers_currency_and_acronyms(text: str, expected: str) -> None:
    assert speech(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("(LAUGHTER) That was funny.", "That was funny."),
        ("(Through interpreter) We will stay.", "We will stay."),
        ("(Speaking foreign language).", "."),
        ("Ana Ruiz (ph) spoke.", "Ana Ruiz spoke."),
        ("We [inaudible] went.", "We went."),
        ("It (the plan) works.", "It (the plan) works."),
    ],
)
def test_inline_cues_never_reach_the_tts(text: str, expected: str) -> None:
    assert " ".join(strip_cues(text).split()).replace(" .", ".") == expected


def test_sentences_keep_display_text_and_merge_cue_only_pieces() -> None:
    got = sentences("That was funny. (LAUGHTER) Right. $5 please.")
    assert [s.text for s in got] == ["That was funny.", "(LAUGHTER) Right.", "$5 please."]
    assert got[-1].speech == "five dollars please."
    assert all(s.speakable for s in got)
    assert "(LAUGHTER)" not in " ".join(s.speech for s in got)


def test_trailing_cue_joins_the_previous_sentence() -> None:
    got = sentences("We won. (APPLAUSE)")
    assert [s.text for s in got] == ["We won. (APPLAUSE)"]
    assert got[0].speech == "We won."


@pytest.mark.parametrize(
    ("n", "card", "nth"),
    [
        (0, "zero", "zeroth"),
        (12, "twelve", "twelfth"),
        (40, "forty", "fortieth"),
        (101, "one hundred one", "one hundred first"),
        (2_000_003, "two million three", "two million third"),
    ],
)
def test_number_words(n: int, card: str, nth: str) -> None:
    assert cardinal(n) == card
    assert ordinal(n) == nth


def test_years_and_decades() -> None:
    assert year(1999) == "nineteen ninety-nine"
    assert year(2000) == "two thousand"
    assert year(1800) == "eighteen hundred"
    assert decade(2000) == "two thousands"
    assert decade(60) == "sixties"


@pytest.mark.parametrize(("numeral", "value"), [("I", 1), ("IV", 4), ("XIV", 14), ("XLII", 42), ("LXXXIX", 89),
                                                 ("IIII", None), ("VX", None), ("CD", None), ("", None)])
def test_roman_numerals(numeral: str, value: int | None) -> None:
    assert roman(numeral) == value
