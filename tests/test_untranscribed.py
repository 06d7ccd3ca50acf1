"""Speech the transcript does not have (an ad inside the show), on espeak-ng voices: real MFCCs and aeneas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import synth
from test_pipeline import transcript_of

from aligner import edges, engine, pipeline, speech, untranscribed, windows
from aligner.pipeline import align

TURNS = [
    ("ann", "en-us", "Good morning. The river rose two feet overnight, and volunteers filled sandbags until dawn."),
    ("bob", "en-gb+m3", "The water reached the old mill by six. Nobody was hurt, the police said."),
    ("ann", "en-us", "Schools in the valley will stay closed tomorrow, and the buses will not run either."),
    ("bob", "en-gb+m3", "Farmers moved their cattle to higher ground. Some fields are still flooded."),
    ("ann", "en-us", "The forecast calls for more rain on Thursday. Crews are watching the levee closely."),
    ("bob", "en-gb+m3", "Shelters have opened in two churches, with cots, food and dry clothes for everyone."),
]
AD = ("This program is brought to you by Harbor Bank, where your savings grow a little faster every month. "
      "Visit your nearest branch today and ask about our new accounts for families and small businesses. "
      "Harbor Bank, member of the deposit insurance fund, equal housing lender.")
BREAK = 3  # the ad plays before this turn


@pytest.fixture(scope="module")
def show(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[synth.TurnTruth], tuple[float, float]]:
    wav = tmp_path_factory.mktemp("untranscribed") / "show.wav"
    ad = synth.speak(AD, "en-us+f3")
    truth = synth.build(TURNS, wav, before={BREAK: ad})
    ad_end = truth[BREAK].start - 0.6  # the pause after the ad
    return wav, truth, (ad_end - len(ad) / synth.SR, ad_end)


def _holes(wav: Path, tmp_path: Path) -> list[tuple[float, float]]:
    texts = [[text] for _speaker, _voice, text in TURNS]
    rendering = engine.render([t for turn in texts for t in turn], tmp_path / "tts.wav")
    return untranscribed.find(wav, texts, speech.profile(wav), rendering)


def test_an_ad_between_two_turns_is_found(show, tmp_path: Path) -> None:
    wav, truth, (ad_start, ad_end) = show
    [(start, end)] = _holes(wav, tmp_path)
    assert truth[BREAK - 1].end <= start < ad_start + 1.0
    assert ad_end - 1.0 < end <= truth[BREAK].start


def test_a_show_without_one_has_none(tmp_path: Path) -> None:
    wav = tmp_path / "show.wav"
    synth.build(TURNS, wav)
    assert _holes(wav, tmp_path) == []


def test_turns_after_an_ad_start_on_time_and_the_ad_is_reported(show) -> None:
    # without the break found, aeneas stretched the turns around the ad over it
    wav, truth, (ad_start, ad_end) = show
    sm = align(wav, transcript_of(TURNS))
    turns = [s for s in sm.segments if s.kind == "turn"]
    assert [round(s.start - t.start, 1) for s, t in zip(turns, truth, strict=True) if abs(s.start - t.start) > 0.5] \
        == []
    [gap] = [s for s in sm.segments if s.kind == "untranscribed"]
    assert gap.start < ad_start + 1.0 and gap.end > ad_end - 1.0
    assert sm.quality.verdict == "good"


@pytest.mark.parametrize("before", [2, BREAK])
def test_a_station_ident_the_transcript_leaves_out_is_no_turn_s_start_and_an_end_over_it_is_flagged(
        tmp_path: Path, before: int) -> None:
    # 4 s of another voice, too short to be looked for as a break (untranscribed.GAP). Before BREAK, the turn after
    # it started on it, 5 s early, until a start could move past speech the VAD is sure of; before turn 2, the
    # turn before it ends 4.8 s late over it, now flagged
    wav = tmp_path / "show.wav"
    ident = synth.speak("You are listening to Valley Public Radio, news and music for the whole valley.", "en-us+f3")
    truth = synth.build(TURNS, wav, before={before: ident})
    turns = [s for s in align(wav, transcript_of(TURNS)).segments if s.kind == "turn"]
    assert [round(s.start - t.start, 1) for s, t in zip(turns, truth, strict=True) if abs(s.start - t.start) > 0.3] \
        == []
    assert [k for k, (s, t) in enumerate(zip(turns, truth, strict=True))
            if abs(s.end - t.end) > 0.5 and "end_overrun" not in s.flags] == []


def test_a_turn_after_a_promo_the_transcript_leaves_out_starts_where_its_words_do(tmp_path: Path) -> None:
    # 6 s of another voice before turn 4 (shorter than untranscribed.GAP, longer than edges.REACH from where the
    # turn was put): it started on the promo, 2.7 s early, until its text's words were looked for (WORDS_EXTRA)
    wav = tmp_path / "show.wav"
    promo = synth.speak("Coming up after the news: the valley's best bakeries, and the people who get up at four to "
                        "run them.", "en-gb+f4")
    truth = synth.build(TURNS, wav, before={4: promo})
    turns = [s for s in align(wav, transcript_of(TURNS)).segments if s.kind == "turn"]
    assert [round(s.start - t.start, 1) for s, t in zip(turns, truth, strict=True) if abs(s.start - t.start) > 0.3] \
        == []


SPONSOR = ("This program is brought to you by Harbor Bank, where your savings grow a little faster every month. "
           "Visit your nearest branch today and ask about our accounts.")  # 9.3 s in en-us+f3


@pytest.mark.parametrize("before", [2, BREAK, 4])
def test_a_sponsor_line_of_9_seconds_is_found_as_a_break(tmp_path: Path, before: int) -> None:
    # 9.3 s of another voice: until untranscribed.GAP was 8 s it was not looked for as a break (before turns 2 and
    # 4 the turn before it ran over it), or, before BREAK, found 12 s long, over turn 3's first words (2.6 s late)
    wav = tmp_path / "show.wav"
    sponsor = synth.speak(SPONSOR, "en-us+f3")
    truth = synth.build(TURNS, wav, before={before: sponsor})
    segments = align(wav, transcript_of(TURNS)).segments
    turns = [s for s in segments if s.kind == "turn"]
    assert [round(s.start - t.start, 1) for s, t in zip(turns, truth, strict=True) if abs(s.start - t.start) > 0.3] \
        == []
    assert [(s.id, s.flags) for s in turns if s.flags] == []
    sponsor_end = truth[before].start - 0.6  # the pause after it
    [gap] = [s for s in segments if s.kind == "untranscribed"]
    assert abs(gap.start - (sponsor_end - len(sponsor) / synth.SR)) < 1.0 and abs(gap.end - sponsor_end) < 1.0


def test_a_turn_whose_start_the_turn_before_took_moves_back_onto_its_words(tmp_path: Path) -> None:
    # a sponsor line after turn 4: turn 3 put over turn 4's words and the line's first 3 s, turn 4 on the rest of
    # the line (as the dev short-ads case's turns 6 and 15, 10.3 and 11.0 s late, flagged start_taken). Turn 4's
    # words are found in turn 3's end (edges.TAKEN_BACK_FIT): it moves onto them and ends with them, and turn 3
    # ends before them
    wav = tmp_path / "show.wav"
    sponsor = synth.speak(SPONSOR, "en-us+f3")
    truth = synth.build(TURNS, wav, before={5: sponsor})
    sponsor_start = truth[5].start - 0.6 - len(sponsor) / synth.SR
    transcript = transcript_of(TURNS)
    texts = pipeline._speech(transcript)
    spans = [(t.start, t.end) for t in truth]
    spans[3], spans[4] = (truth[3].start, sponsor_start + 3.0), (sponsor_start + 3.0, truth[5].start - 0.6)
    times = [synth.by_length(a, b, sentences) for (a, b), sentences in zip(spans, texts, strict=True)]
    out, _doubted, overrun, taken = edges.trim(wav, speech.profile(wav), texts, times,
                                               pipeline.render(transcript, tmp_path / "tts.wav"),
                                               engine.EngineOptions(), {}, engine.mfcc(wav))
    assert (overrun, taken) == ({3}, set())  # turn 3 keeps its flag: its start may be as wrong as its end was
    assert [out[3][-1][1], out[4][0][0], out[4][-1][1]] == pytest.approx([truth[3].end, truth[4].start, truth[4].end],
                                                                        abs=0.2)


LEFT_OUT = {  # a sentence more that a turn says, which the transcript leaves out
    2: "The mayor said the town would pay for new pumps, and that the work would start before the end of the summer.",
    3: "Most of the farms along the lower road lost their first crop of hay, and some lost their fences as well.",
    4: "Volunteers from three towns worked in shifts through the night, and the church served soup to all of them.",
}


def _left_out(wav: Path, turns: tuple[int, ...]) -> tuple[list[synth.TurnTruth], list]:
    """A show whose ``turns`` each say their LEFT_OUT sentence too, aligned to TURNS: the truth, and the turns."""
    aired = [(speaker, voice, f"{text} {LEFT_OUT[k]}" if k in turns else text)
             for k, (speaker, voice, text) in enumerate(TURNS)]
    truth = synth.build(aired, wav)
    return truth, list(align(wav, transcript_of(TURNS)).segments)


@pytest.mark.parametrize("turns", [(2, 3), (3, 4)])
def test_sentences_the_transcript_leaves_out_are_not_taken_for_a_break(tmp_path: Path, turns) -> None:
    # 11-13 s of speech the text does not have around two short turns: the chain jumped over a turn and its words,
    # and turns were put on the sentences left out, 6-13 s off, until a break that holds a turn's words was dropped
    # (untranscribed.holding_text)
    truth, segments = _left_out(tmp_path / "show.wav", turns)
    timed = [s for s in segments if s.kind == "turn"]
    assert [round(s.start - t.start, 1) for s, t in zip(timed, truth, strict=True) if abs(s.start - t.start) > 0.3] \
        == []
    assert [s for s in segments if s.kind == "untranscribed"] == []


def test_a_turn_with_sentences_left_out_before_and_after_its_words_starts_where_they_do(tmp_path: Path) -> None:
    # turn 4 was put on turn 3's last sentence, its own words and its own last one: its text could be said over
    # the rest of it from no onset (edges.fits: over twice its eSpeak time), and it started 6.2 s early until the
    # onsets near its words were compared over its text's time (edges.WORDS_ROOM)
    truth, segments = _left_out(tmp_path / "show.wav", (2, 3, 4))
    timed = [s for s in segments if s.kind == "turn"]
    assert abs(timed[4].start - truth[4].start) < 0.3


def test_turns_trimmed_in_two_processes_come_out_as_in_one(tmp_path: Path, monkeypatch) -> None:
    # a long recording's turns are trimmed half in a worker process (edges.trim): here a short show is made to, with
    # a promo before turns 2 and 4 that each turn looks for its words past, one in each half
    wav = tmp_path / "show.wav"
    promos = [synth.speak("Coming up after the news: the valley's best bakeries, and the people who get up at four "
                          "to run them.", "en-gb+f4"),
              synth.speak("Later this hour: a new exhibition at the museum, and the weekend's weather.", "en-gb+f4")]
    truth = synth.build(TURNS, wav, before={2: promos[0], 4: promos[1]})
    alone = align(wav, transcript_of(TURNS))
    monkeypatch.setattr(windows, "workers_for", lambda *args: 1)
    split = align(wav, transcript_of(TURNS))
    assert split.to_dict() == alone.to_dict()
    turns = [s for s in split.segments if s.kind == "turn"]
    assert abs(turns[2].start - truth[2].start) < 0.1 and abs(turns[4].start - truth[4].start) < 0.1


def test_the_chain_jumps_only_where_a_turn_begins() -> None:
    # chunk costs built by hand: chunks 0-2 fit at frames 40, 60, 80, chunks 3-5 at 200, 220, 240
    z = np.zeros((6, 300))
    for k, end in enumerate([40, 60, 80, 200, 220, 240]):
        z[k, end] = -5.0
    expected = np.full(6, 20.0)
    begins = np.array([True, False, False, True, False, False])
    _cost, path, jumps = untranscribed._chain(z, expected, begins, gap=50)
    assert path == [40, 60, 80, 200, 220, 240] and jumps.tolist() == [False, False, True, False, False]
    _cost, path, jumps = untranscribed._chain(z, expected, np.array([True] + [False] * 5), gap=50)
    assert not jumps.any()


def test_an_ad_before_the_first_turn_is_found(tmp_path: Path) -> None:
    # a pre-roll: the chain starts after it, with nothing to jump from
    wav = tmp_path / "show.wav"
    ad = synth.speak(AD, "en-us+f3")
    truth = synth.build(TURNS, wav, before={0: ad})
    [(start, end)] = _holes(wav, tmp_path)
    assert start < 1.0 and truth[0].start - 1.0 < end <= truth[0].start


def test_an_ad_is_found_inside_a_span_whose_ends_are_aligned(show, tmp_path: Path) -> None:
    # as a long recording's turns in doubt are searched: between the turns aligned around them
    wav, truth, (ad_start, ad_end) = show
    texts = [[text] for _speaker, _voice, text in TURNS[1:5]]
    rendering = engine.render([t for turn in texts for t in turn], tmp_path / "tts.wav")
    span = (truth[0].end, truth[5].start)
    [(start, end)] = untranscribed.find(wav, texts, speech.profile(wav), rendering, span=span, closed=(True, True))
    assert truth[BREAK - 1].end <= start < ad_start + 1.0
    assert ad_end - 1.0 < end <= truth[BREAK].start


MORE = [
    ("ann", "en-us", "In other news, the city council approved the new bridge after a long debate on Monday night."),
    ("bob", "en-gb+m3", "Construction starts in the spring. The mayor says it will take two years to finish."),
    ("ann", "en-us", "Traffic on the old bridge will be limited to buses and bicycles while the work goes on."),
    ("bob", "en-gb+m3", "Local shops worry about losing customers. One baker said she may close for the summer."),
    ("ann", "en-us", "The council also voted to keep the public library open on Sundays through the winter."),
    ("bob", "en-gb+m3", "That is all for this hour. Stay with us for the weather and the traffic after the news."),
]


def test_a_long_recording_finds_an_ad_near_the_turns_it_put_in_doubt(tmp_path: Path, monkeypatch) -> None:
    # aligned in windows (as if it were long), with no search all through: the ad leaves turns near it in doubt
    monkeypatch.setattr(windows, "LONG_SECONDS", 30.0)
    wav = tmp_path / "show.wav"
    ad = synth.speak(AD, "en-us+f3")
    truth = synth.build(TURNS + MORE, wav, before={BREAK: ad})
    reported: list[float] = []

    def progress(stage: str, fraction: float) -> None:
        if stage == "align":
            reported.append(fraction)

    sm = align(wav, transcript_of(TURNS + MORE), progress=progress)
    turns = [s for s in sm.segments if s.kind == "turn"]
    assert [round(s.start - t.start, 1) for s, t in zip(turns, truth, strict=True) if abs(s.start - t.start) > 0.5] \
        == []
    [gap] = [s for s in sm.segments if s.kind == "untranscribed"]
    ad_end = truth[BREAK].start - 0.6
    assert gap.start < ad_end - len(ad) / synth.SR + 1.0 and gap.end > ad_end - 1.0
    # aligned again with the ad left out: the progress goes on (it stood at 80%) and never back
    assert reported == sorted(reported) and any(0.8 < f < 0.9 for f in reported)


def test_a_break_on_the_text_s_own_speech_is_dropped_when_the_turns_are_surer_without_it(
        tmp_path: Path, monkeypatch) -> None:
    # as above, with the text check missing the break (in held-out left-out seed 507 a turn's words fitted inside
    # one at 0.098, under untranscribed.HOLDS_FIT): with it, turns 5 and 6 started 6.3 and 11.4 s early at
    # confidence 0.58 and 0.6, unflagged; the turns aligned without it are surer (quality.overall 0.909 against
    # 0.855), so the sync map is theirs
    monkeypatch.setattr(untranscribed, "holding_text", lambda *args: [])
    truth, segments = _left_out(tmp_path / "show.wav", (3, 4))
    timed = [s for s in segments if s.kind == "turn"]
    assert [round(s.start - t.start, 1) for s, t in zip(timed, truth, strict=True) if abs(s.start - t.start) > 0.3] \
        == []
    assert [s for s in segments if s.kind == "untranscribed"] == []


@pytest.mark.parametrize("thanks", ["Thank you, Ann.", "Thank you, Ann, for listening."])
def test_a_long_ad_that_says_a_short_turn_s_words_is_still_a_break(tmp_path: Path, thanks: str) -> None:
    # a 36 s ad that thanks the host as the short turn before it does: its words fitted inside the ad, so the ad was
    # taken for the text's own speech and dropped, and three turns landed 2.0-8.1 s off, until a text under
    # MIN_TEXT s could hold only a break of SHORT_HOLE s or less (untranscribed.holding_text); a 2.4 s text as well
    # since MIN_TEXT is 3 s (a 2.3 s turn fitted inside a 46 s ad of dev long-ads by chance)
    turns = [*TURNS[:3], ("bob", "en-gb+m3", thanks), *TURNS[3:]]
    again = AD.replace("This program is", "Today's news is")
    ad = synth.speak(f"{AD} {thanks[:-1]}, and thank you all for listening. {again}", "en-us+f3")
    assert len(ad) / synth.SR > untranscribed.SHORT_HOLE
    wav = tmp_path / "show.wav"
    truth = synth.build(turns, wav, before={4: ad})
    sm = align(wav, transcript_of(turns))
    timed = [s for s in sm.segments if s.kind == "turn"]
    assert [round(s.start - t.start, 1) for s, t in zip(timed, truth, strict=True) if abs(s.start - t.start) > 0.3] \
        == []
    [gap] = [s for s in sm.segments if s.kind == "untranscribed"]
    assert gap.start < truth[4].start - len(ad) / synth.SR and gap.end > truth[4].start - 1.0
