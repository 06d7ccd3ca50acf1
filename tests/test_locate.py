"""Locating a story inside a longer recording: real espeak-ng speech, real aeneas TTS and MFCCs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import synth

from aligner import engine, locate, speech

STORY = [
    ("ANNA", "en-us", "The river rose overnight and the ferry stayed in port. Farmers moved their cattle "
                      "to the high fields before dawn."),
    ("BEN", "en-gb+m3", "The water reached the old mill by noon. Volunteers filled sandbags along the lane "
                        "until the light went."),
    ("ANNA", "en-us", "Forecasters expect the level to fall by Friday. The ferry should sail again next week."),
]
OTHER = [
    ("CARL", "en-us+m7", "In sports tonight the home side won the cup after a long season of close games, "
                         "and the captain thanked the fans who travelled across the country to cheer."),
    ("DORA", "en-gb+f3", "Markets closed higher as technology shares recovered, while the price of copper "
                         "slipped for a third day in a row on weaker demand from builders."),
    ("CARL", "en-us+m7", "Coming up after the break, a chef who grows every vegetable she cooks, "
                         "and a choir that sings only in lighthouses along the northern coast."),
]


def _texts(turns: list[tuple[str, str, str]]) -> list[str]:
    return [text for _speaker, _voice, text in turns]


@pytest.fixture(scope="module")
def newscast(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[float, float]]:
    wav = tmp_path_factory.mktemp("locate") / "newscast.wav"
    truth = synth.build(OTHER[:2] + STORY + OTHER[1:], wav, pause=0.8)
    story = truth[2:5]
    return wav, (story[0].start, story[-1].end)


def test_story_inside_a_longer_recording_is_located(newscast: tuple[Path, tuple[float, float]],
                                                     tmp_path: Path) -> None:
    wav, (start, end) = newscast
    found = speech.profile(wav)
    cov = locate.locate(wav, _texts(STORY), found, engine.render(_texts(STORY), tmp_path / "tts.wav"))
    assert cov is not None
    assert cov.start <= start <= cov.start + locate.MARGIN + 1.0, (cov, start)
    assert cov.end - locate.MARGIN - 1.0 <= end <= cov.end, (cov, end)
    assert 0.0 <= cov.confidence <= 1.0


def test_transcript_covering_the_whole_recording_is_not_located(tmp_path: Path) -> None:
    wav = tmp_path / "story.wav"
    synth.build(STORY, wav)
    rendering = engine.render(_texts(STORY), tmp_path / "tts.wav")
    assert locate.locate(wav, _texts(STORY), speech.profile(wav), rendering) is None


def test_story_turns_are_placed_inside_the_recording_with_coverage(newscast, tmp_path: Path) -> None:
    from aligner.pipeline import align
    from aligner.transcript import parse_transcript

    wav, (start, end) = newscast
    script = "\n\n".join(f"{speaker}: {text}" for speaker, _voice, text in STORY)
    syncmap = align(wav, parse_transcript(script))
    turns = [s for s in syncmap.segments if s.kind == "turn"]
    assert syncmap.coverage.located and syncmap.coverage.start <= start and end <= syncmap.coverage.end
    assert abs(turns[0].start - start) < 0.25 and abs(turns[-1].end - end) < 0.5
    assert all(start - 0.25 <= t.start and t.end <= end + 0.5 for t in turns)  # nothing bleeds in from outside


def test_story_with_one_other_item_before_it_is_located(tmp_path: Path) -> None:
    # a recording half as long again as its story (the item before it, no more) is a story all the same: aligned
    # whole, the story's first turn took the other item's speech and every turn after it was pushed along
    from aligner.pipeline import align
    from aligner.transcript import parse_transcript

    wav = tmp_path / "item.wav"
    truth = synth.build(OTHER[2:] + STORY, wav, pause=0.8)[1:]
    script = "\n\n".join(f"{speaker}: {text}" for speaker, _voice, text in STORY)
    syncmap = align(wav, parse_transcript(script))
    turns = [s for s in syncmap.segments if s.kind == "turn"]
    assert syncmap.coverage.located, syncmap.coverage
    assert all(abs(t.start - true.start) < 0.25 for t, true in zip(turns, truth, strict=True)), (turns, truth)


@pytest.mark.parametrize("before", [1, 2])
def test_a_short_show_with_a_sponsor_line_inside_is_aligned_whole(tmp_path: Path, before: int) -> None:
    # 8 s of speech the transcript leaves out, in a 25-second show: the recording holds more speech than the text
    # fills, and the vote put the story's span on one side of it, leaving a turn outside (1: the first turn 11.5 s
    # late, unflagged; 2: the last turn 8.3 s early); that turn's words, said just outside, widen the span to the
    # whole show
    from aligner.pipeline import align
    from aligner.transcript import parse_transcript

    wav = tmp_path / "short.wav"
    sponsor = synth.speak("Support for this program comes from Harbor Bank, helping families in the valley save for "
                          "what matters most, with branches in every town.", "en-us+f3")
    truth = synth.build(STORY, wav, before={before: sponsor})
    script = "\n\n".join(f"{speaker}: {text}" for speaker, _voice, text in STORY)
    syncmap = align(wav, parse_transcript(script))
    turns = [s for s in syncmap.segments if s.kind == "turn"]
    assert not syncmap.coverage.located, syncmap.coverage
    assert [k for k, (t, true) in enumerate(zip(turns, truth, strict=True)) if abs(t.start - true.start) > 0.5] == []


def test_an_end_voted_before_the_start_gives_way_to_the_forward_vote(newscast, tmp_path: Path, monkeypatch) -> None:
    # a text the recording does not hold: the backward vote may put its end before the forward vote's start;
    # the span must still run forwards (it once ran backwards, and aeneas got an empty recording)
    wav, _ = newscast
    calls: list[int] = []

    def vote(query, ref):  # noqa: ANN001, ANN202
        calls.append(len(ref))
        n = len(ref)  # forwards: starts two thirds in; backwards: ends a third in
        return (2 * n // 3, n - 1, 0.1) if len(calls) == 1 else (n - 1 - n // 3, n - 1, 0.0)

    monkeypatch.setattr(locate, "vote", vote)
    cov = locate.locate(wav, _texts(STORY), speech.profile(wav), engine.render(_texts(STORY), tmp_path / "tts.wav"))
    assert cov is not None and cov.start < cov.end, cov


def test_texts_given_no_audio_get_zero_length_times_not_an_aeneas_error(newscast) -> None:
    from aligner import windows

    wav, _ = newscast
    got = windows.align_span(wav, speech.profile(wav), _texts(STORY), engine.EngineOptions(), (12.0, 12.0))
    assert got == [(12.0, 12.0)] * len(STORY)


def test_a_span_too_short_to_speak_the_text_in_is_no_location(newscast, tmp_path: Path, monkeypatch) -> None:
    # both votes agree on a stretch a tenth as long as the text: aligning the whole recording is safer than
    # squeezing the text into it
    wav, _ = newscast
    monkeypatch.setattr(locate, "vote", lambda query, ref: (len(ref) // 2, len(ref) // 2 + len(query) // 10, 0.1))
    rendering = engine.render(_texts(STORY), tmp_path / "tts.wav")
    assert locate.locate(wav, _texts(STORY), speech.profile(wav), rendering) is None


def test_a_short_transcript_the_recording_does_not_hold_completes_flagged(newscast) -> None:
    from aligner.pipeline import align
    from aligner.transcript import parse_transcript

    wav, _ = newscast
    script = ("EVE: The library opens late on Thursdays so that students can study after their shifts.\n\n"
              "FRANK: Parking near the stadium will be limited during the concert series this summer.\n\n"
              "EVE: Bring your own bags, because the market no longer hands out plastic ones.\n")
    syncmap = align(wav, parse_transcript(script))
    turns = [s for s in syncmap.segments if s.kind == "turn"]
    assert syncmap.quality.verdict == "failed", syncmap.quality
    assert all("text_mismatch" in t.flags for t in turns)


def test_a_located_edge_moves_out_past_a_slow_speakers_pauses_to_the_gap_before_the_story() -> None:
    # the chunk votes put a story's start inside its first turn; a speaker who pauses 1 s between phrases (JFK)
    # must not stop the edge there, or the turn loses its first phrases
    voiced = [(0.0, 10.0, 1.0), (10.0, 12.0, 0.0), (12.0, 14.0, 1.0), (14.0, 15.0, 0.0), (15.0, 17.0, 1.0),
              (17.0, 18.0, 0.0), (18.0, 25.0, 1.0)]
    voice = np.concatenate([np.full(int(round((b - a) / speech.FRAME)), p, np.float32) for a, b, p in voiced])
    found = speech.SpeechProfile(db=np.where(voice > 0, -20.0, -60.0), voice=voice, speech=voice > 0,
                                 soft=np.zeros(len(voice), bool), floor=-60.0)
    assert locate._to_pause(found, 19.0, -1) == pytest.approx(12.0, abs=0.02)


@pytest.mark.parametrize(("lone", "edge"), [(0.4, 9.0), (1.5, 12.0)])
def test_a_located_start_takes_a_short_heading_said_alone_before_the_first_line(lone: float, edge: float) -> None:
    # a sonnet's "Three." 0.4 s long, 1.6 s before its first line: it opens the text; a longer sound is not a heading
    voiced = [(0.0, 6.0, 1.0), (6.0, 9.0, 0.0), (9.0, 9.0 + lone, 1.0), (9.0 + lone, 12.0, 0.0), (12.0, 20.0, 1.0)]
    voice = np.concatenate([np.full(int(round((b - a) / speech.FRAME)), p, np.float32) for a, b, p in voiced])
    found = speech.SpeechProfile(db=np.where(voice > 0, -20.0, -60.0), voice=voice, speech=voice > 0,
                                 soft=np.zeros(len(voice), bool), floor=-60.0)
    assert locate._to_pause(found, 13.0, -1) == pytest.approx(edge, abs=0.02)
    assert locate._to_pause(found, 5.0, +1) == pytest.approx(6.0, abs=0.02)  # an end never takes the next sound


def test_each_chunk_is_judged_against_the_other_chunks_where_it_ends() -> None:
    # costs of 10 chunks ending at 200 recording frames: the first 100 are clean speech every chunk fits better
    # than anything else (a studio read against a story's phone-quality voices); each chunk's own place is later
    rng = np.random.default_rng(0)
    norm = 0.6 + 0.01 * rng.standard_normal((10, 200))
    norm[:, :100] -= 0.15
    own = [150 + 3 * k for k in range(10)]
    for k, j in enumerate(own):
        norm[k, j] -= 0.1
    assert all(int(np.argmin(row)) < 100 for row in norm)  # by its raw cost, each chunk is in the clean speech
    assert [int(np.argmin(row)) for row in locate._relative(norm)] == own
