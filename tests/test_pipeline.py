"""Real aeneas alignments of small espeak-ng broadcasts built by the tests."""

from __future__ import annotations

import re
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
import synth
from test_speech import LOUD, profile

from aligner import audio, edges, match, pipeline, speech, unaired
from aligner.errors import AlignmentError, AudioError
from aligner.models import Cue, Segment, Sentence, Speaker, SyncMap, Transcript, Turn
from aligner.pipeline import _with_nonspeech, align

TURNS = [
    ("ann", "en-us", "Good morning. Today we talk about the weather in the mountains."),
    ("bob", "en-gb+m3", "Thank you, Ann. It has been a cold week up here, and the snow keeps falling."),
    ("ann", "en-us", "How are the roads holding up for the drivers?"),
    ("bob", "en-gb+m3", "Most roads are open. The pass road closed on Tuesday night and is still closed."),
    ("cat", "en-us+f3", "We will reopen it as soon as the plows are done. That could take two days."),
]


def transcript_of(turns: list[tuple[str, str, str]], cue_after: int | None = None) -> Transcript:
    segments: list[Turn | Cue] = []
    for i, (speaker, _voice, text) in enumerate(turns, start=1):
        sentences = tuple(Sentence(s, s) for s in re.split(r"(?<=[.?!])\s+", text))
        segments.append(Turn(id=f"t{i}", speaker=speaker, text=text, sentences=sentences))
        if cue_after == i:
            segments.append(Cue(id="c1", text="(SOUNDBITE OF MUSIC)"))
    speakers = tuple(Speaker(id=s, label=s.upper()) for s in dict.fromkeys(t[0] for t in turns))
    return Transcript(title="Weather", speakers=speakers, segments=tuple(segments))


@pytest.fixture(scope="module")
def broadcast(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[synth.TurnTruth]]:
    out = tmp_path_factory.mktemp("broadcast") / "show.wav"
    truth = synth.build(TURNS, out, lead_in=np.zeros(int(1.5 * synth.SR), dtype=np.float32))
    return out, truth


@pytest.fixture(scope="module")
def syncmap(broadcast: tuple[Path, list[synth.TurnTruth]]) -> SyncMap:
    return align(broadcast[0], transcript_of(TURNS, cue_after=2))


def test_turn_starts_within_250_ms_of_truth(syncmap: SyncMap, broadcast) -> None:
    turns = [s for s in syncmap.segments if s.kind == "turn"]
    assert len(turns) == len(broadcast[1])
    for seg, truth in zip(turns, broadcast[1], strict=True):
        assert seg.speaker == truth.speaker
        assert abs(seg.start - truth.start) < 0.25, (seg.id, seg.start, truth.start)


def test_sentences_nest_inside_their_turn_in_order(syncmap: SyncMap) -> None:
    for seg in (s for s in syncmap.segments if s.kind == "turn"):
        assert seg.children[0].start == seg.start and seg.children[-1].end == seg.end
        bounds = [t for c in seg.children for t in (c.start, c.end)]
        assert bounds == sorted(bounds)


def test_cue_sits_between_its_neighbours(syncmap: SyncMap) -> None:
    kinds = [s.kind for s in syncmap.segments]
    assert kinds == ["turn", "turn", "cue", "turn", "turn", "turn"]
    before, cue, after = syncmap.segments[1:4]
    assert before.end <= cue.start <= cue.end <= after.start


def test_sync_map_round_trips_and_times_are_milliseconds(syncmap: SyncMap) -> None:
    d = syncmap.to_dict()
    assert SyncMap.from_dict(d) == syncmap
    assert d["version"] == 1 and d["audio"]["duration"] > 20
    first = d["segments"][0]
    assert set(first) >= {"id", "kind", "speaker", "text", "start", "end", "confidence", "flags", "children"}
    assert 0.0 <= first["confidence"] <= 1.0
    assert all(round(t, 3) == t for s in d["segments"] for t in (s["start"], s["end"]))


def test_second_alignment_in_same_process_does_not_hang(broadcast) -> None:
    one_turn = transcript_of(TURNS[:1])
    first = align(broadcast[0], one_turn)
    second = align(broadcast[0], one_turn)
    assert first == second


def test_missing_audio_is_an_audio_error(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="not found"):
        align(tmp_path / "nope.mp3", transcript_of(TURNS))


def test_text_file_named_mp3_is_an_audio_error(tmp_path: Path) -> None:
    fake = tmp_path / "story.mp3"
    fake.write_text("this is not audio at all\n" * 50)
    with pytest.raises(AudioError, match="cannot read story.mp3"):
        align(fake, transcript_of(TURNS))


def test_audio_far_too_short_for_the_text_is_an_alignment_error(tmp_path: Path) -> None:
    short = tmp_path / "short.wav"
    synth.build([("ann", "en-us", "Hi.")], short, pause=0.0)
    with pytest.raises(AlignmentError, match="more than could be spoken"):
        align(short, transcript_of(TURNS * 3))


@pytest.fixture(scope="module")
def music_intro(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[synth.TurnTruth]]:
    out = tmp_path_factory.mktemp("music") / "intro.wav"
    return out, synth.build(TURNS, out, lead_in=synth.tone(6.0))


def test_music_intro_is_not_absorbed_into_the_first_turn(music_intro) -> None:
    audio, truth = music_intro
    syncmap = align(audio, transcript_of(TURNS))
    first = next(s for s in syncmap.segments if s.kind == "turn")
    assert first.start == pytest.approx(truth[0].start, abs=0.25)
    assert syncmap.coverage is not None and syncmap.coverage.start >= 5.5


def test_every_turn_and_sentence_carries_a_confidence(syncmap: SyncMap) -> None:
    for seg in (s for s in syncmap.segments if s.kind == "turn"):
        assert 0.0 <= seg.confidence <= 1.0
        assert all(0.0 <= c.confidence <= 1.0 for c in seg.children)
    assert syncmap.quality is not None and syncmap.quality.verdict == "good"
    assert syncmap.to_dict()["alignment_quality"]["verdict"] == "good"


def test_turn_that_was_never_aired_is_flagged_and_leaves_its_neighbours_in_place(broadcast) -> None:
    audio, truth = broadcast
    never = ("dan", "en-us", "And now a word about the county fair, which opens on Saturday with a parade.")
    turns = [*TURNS[:2], never, *TURNS[2:]]
    syncmap = align(audio, transcript_of(turns))
    by_id = {s.id: s for s in syncmap.segments}
    assert "not_in_audio" in by_id["t3"].flags
    assert by_id["t3"].start == by_id["t3"].end  # zero length, between its neighbours
    aired = [s for s in syncmap.segments if s.kind == "turn" and s.id != "t3"]
    for seg, tr in zip(aired, truth, strict=True):
        assert abs(seg.start - tr.start) < 0.25, (seg.id, seg.start, tr.start)


def test_lines_that_were_never_aired_are_flagged_and_leave_their_turns_in_place(broadcast) -> None:
    audio, truth = broadcast
    turns = list(TURNS)
    cut_mid = "Our bakery on Main Street sells its bread at half price for the whole of next week."
    cut_end = "And what about the school buses that run through the valley every morning?"
    turns[3] = ("bob", "en-gb+m3", TURNS[3][2].replace("open. ", f"open. {cut_mid} "))
    turns[2] = ("ann", "en-us", f"{TURNS[2][2]} {cut_end}")
    syncmap = align(audio, transcript_of(turns))
    by_id = {c.id: c for s in syncmap.segments for c in (s, *s.children)}
    for line in ("t4.s2", "t3.s2"):
        assert by_id[line].flags == ("not_in_audio",) and by_id[line].start == by_id[line].end, by_id[line]
    assert [c.id for s in syncmap.segments for c in s.children if "not_in_audio" in c.flags] == ["t3.s2", "t4.s2"]
    assert by_id["t4.s2"].start == by_id["t4.s1"].end <= by_id["t4.s3"].start
    aired = [s for s in syncmap.segments if s.kind == "turn"]
    for seg, tr in zip(aired, truth, strict=True):
        assert abs(seg.start - tr.start) < 0.25 and abs(seg.end - tr.end) < 0.25, (seg.id, seg.start, seg.end, tr)
        assert not {"not_in_audio", "rate_outlier", "low_confidence"} & set(seg.flags), seg


def test_a_jingle_nobody_transcribed_stays_out_of_the_turns_around_it(tmp_path: Path, monkeypatch) -> None:
    audio = tmp_path / "jingles.wav"
    ident = synth.jingle("You are listening to Mountain Public Radio, ninety one point five.")
    truth = synth.build(TURNS, audio, lead_in=np.zeros(int(1.5 * synth.SR), dtype=np.float32),
                        before={1: ident, 3: ident})

    def off(syncmap: SyncMap) -> list[str]:
        turns = [s for s in syncmap.segments if s.kind == "turn"]
        return [s.id for s, t in zip(turns, truth, strict=True)
                if max(abs(s.start - t.start), abs(s.end - t.end)) > 0.25]

    assert off(align(audio, transcript_of(TURNS))) == []
    # the VAD half believes a voice over music, so only the text can tell the jingle from the turn
    monkeypatch.setattr(edges, "trim", lambda wav, found, texts, times, *rest: (times, set(), set(), set()))
    assert off(align(audio, transcript_of(TURNS)))


def test_audio_with_no_speech_is_flagged_as_failed_not_confident(tmp_path: Path) -> None:
    music = tmp_path / "music.wav"
    synth.build([], music, lead_in=synth.tone(30.0))
    syncmap = align(music, transcript_of(TURNS[:2]))
    assert syncmap.quality.verdict == "failed"
    assert all(s.flags for s in syncmap.segments if s.kind == "turn")


def test_music_intro_is_reported_as_a_music_segment_before_the_first_turn(music_intro) -> None:
    audio, truth = music_intro
    syncmap = align(audio, transcript_of(TURNS))
    music = syncmap.segments[0]
    assert music.kind == "music" and music.start < 0.5
    assert truth[0].start - 0.5 < music.end <= syncmap.segments[1].start
    assert syncmap.to_dict()["segments"][0] == {"id": "m1", "kind": "music", "text": "(MUSIC)",
                                                "start": music.start, "end": music.end}


UNRELATED = [
    ("ann", "en-us", "The stock market fell sharply today as investors worried about interest rates."),
    ("bob", "en-us", "Shares of technology companies led the decline, with several dropping five percent."),
    ("ann", "en-us", "Analysts expect more volatility in the coming weeks."),
    ("bob", "en-us", "Oil prices rose for the third straight day, and gold hit a record high."),
    ("cat", "en-us", "Meanwhile the central bank said it would keep rates steady for now."),
]


def test_transcript_unrelated_to_the_audio_is_flagged_not_confident(broadcast) -> None:
    syncmap = align(broadcast[0], transcript_of(UNRELATED))
    assert syncmap.quality.verdict == "failed" and syncmap.quality.match < 0.06
    assert all("text_mismatch" in s.flags for s in syncmap.segments if s.kind == "turn")


def test_unrelated_transcript_is_judged_before_the_unaired_tests(broadcast, monkeypatch) -> None:
    # they would realign every doubtful turn and line to no purpose: 5x the time on a 45-minute show
    monkeypatch.setattr(unaired, "find_unaired", lambda *a, **k: pytest.fail("unaired tests on a mismatch"))
    assert align(broadcast[0], transcript_of(UNRELATED)).quality.verdict == "failed"


@pytest.mark.parametrize("stays_low", [False, True])
def test_a_text_match_just_short_of_the_threshold_is_measured_again_on_the_checked_turns(
        broadcast, monkeypatch, stays_low: bool) -> None:
    # the first measure is made 0.05 here. A right transcript's turns that sentences left out had put astray fit
    # once checked (held-out left-out seed 513: 0.055, then 0.209, every turn within 0.5 s; it was failed, with 5
    # turns 3-8 s off); a measure that stays under match.MIN_MATCH fails the transcript as before
    real, calls = match.transcript_fit, []

    def fit(*args: object) -> float | None:
        calls.append(args)
        return 0.05 if len(calls) == 1 or stays_low else real(*args)

    monkeypatch.setattr(match, "transcript_fit", fit)
    syncmap = align(broadcast[0], transcript_of(TURNS))
    turns = [s for s in syncmap.segments if s.kind == "turn"]
    assert len(calls) == 2
    if stays_low:
        assert syncmap.quality.verdict == "failed" and all("text_mismatch" in s.flags for s in turns)
    else:
        assert syncmap.quality.match > 0.15 and syncmap.quality.verdict != "failed"
        assert not any("text_mismatch" in s.flags for s in turns)


def test_matching_transcript_has_a_clear_text_match(syncmap: SyncMap) -> None:
    assert syncmap.quality.match > 0.15


def test_a_slow_speaker_with_long_pauses_still_matches_the_text(tmp_path: Path) -> None:
    """Pauses longer than the words: the raw span is over twice eSpeak's length, which the content check's
    DTW cannot follow; it compares the speech with its pauses shortened instead."""
    ann = ["Good evening.", "The council met today.", "It voted.", "The library will close.", "More soon."]
    bob = ["Thank you.", "We asked the mayor.", "She declined.", "The vote was close.", "Back to you."]
    synth.build([("ann", "en-us", s) for s in ann] + [("bob", "en-gb+m3", s) for s in bob], tmp_path / "slow.wav",
                pause=1.6)
    syncmap = align(tmp_path / "slow.wav", transcript_of([("ann", "", " ".join(ann)), ("bob", "", " ".join(bob))]))
    assert syncmap.quality.match > 0.15 and syncmap.quality.verdict != "failed", syncmap.quality
    assert not any("text_mismatch" in s.flags for s in syncmap.segments)


def test_a_break_a_turn_lies_over_leaves_no_sliver_of_a_segment() -> None:
    # a turn aligned again over the start of a break the text's speech was taken for: the break left 10 ms of
    # "(NOT IN THE TRANSCRIPT)" before it
    found = profile((30.0, LOUD))
    turns = [Segment(id="t1", kind="turn", text="One.", start=1.0, end=10.0),
             Segment(id="t2", kind="turn", text="Two.", start=10.01, end=29.0)]
    assert [s.id for s in _with_nonspeech(turns, found, [(10.0, 20.0)])] == ["t1", "t2"]
    assert [s.kind for s in _with_nonspeech(turns, found, [(9.0, 10.01)])] == ["turn", "untranscribed", "turn"]


def test_a_loud_recording_aligns_as_its_copy_at_speech_level(tmp_path: Path) -> None:
    """aeneas's MFCCs clamp each band's power at a fixed floor, so a podcast or radio master, whose pauses sit well
    above it, aligned differently from the same audio quieter (here by 10-40 ms at three ends, 6 dB quieter); a
    recording whose noise floor is well above QUIET_FLOOR_DB is now aligned from a copy attenuated towards it,
    here as far as SPEECH_LEVEL_DB allows."""
    loud, quiet = tmp_path / "loud.wav", tmp_path / "quiet.wav"
    synth.build(TURNS, loud, lead_in=np.zeros(int(1.5 * synth.SR), dtype=np.float32), noise_db=-38.0)
    found = speech.profile(loud)
    gain = pipeline.SPEECH_LEVEL_DB - float(np.percentile(found.db, 90))
    assert gain <= -pipeline.MIN_ATTENUATION_DB and found.floor + gain > pipeline.QUIET_FLOOR_DB
    audio.attenuated(loud, quiet, gain)  # as the pipeline levels it; too near the floor to be levelled again

    def times(path: Path) -> list[tuple[str, float | None, float | None]]:
        syncmap = align(path, transcript_of(TURNS), wav_path=path.with_suffix(".decoded.wav"))
        return [(s.id, s.start, s.end) for t in syncmap.segments for s in (t, *t.children)]

    assert times(loud) == times(quiet)
    # the decoded WAV the caller asked for is the recording's own, not the levelled copy
    kept, own = (np.concatenate(list(audio.read_frames(p))) for p in (loud.with_suffix(".decoded.wav"), loud))
    assert np.array_equal(kept, own)


# an FM station's gain riding and compression (as bench/suite.py's "radio" master), which lift the pauses' noise
RADIO = "dynaudnorm=f=200:g=11:m=20:p=0.9,acompressor=threshold=0.1:ratio=8:attack=2:release=60:makeup=4"


@pytest.mark.parametrize(("noise_db", "processing"), [(-25.0, None), (-30.0, RADIO)])
def test_speech_barely_above_its_noise_is_still_heard_and_aligned(tmp_path: Path, noise_db: float,
                                                                   processing: str | None) -> None:
    """Speech whose voiced frames sit about 3 dB over the noise floor: at a fixed 12 dB for loud, almost none of it
    was speech, the transcript check failed, every turn was flagged a text mismatch and two were 1.6-2.2 s off."""
    wav = tmp_path / "noisy.wav"
    truth = synth.build(TURNS, wav, lead_in=np.zeros(int(1.5 * synth.SR), dtype=np.float32), noise_db=noise_db)
    if processing:
        processed = tmp_path / "processed.wav"
        subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", "-i", str(wav), "-af", processing, str(processed)],
                       check=True)
        wav = processed
    found = speech.profile(wav)
    assert found.speech.mean() > 0.5 * (found.voice > speech.VOICE_THRESHOLD).mean()
    syncmap = align(wav, transcript_of(TURNS))
    turns = [s for s in syncmap.segments if s.kind == "turn"]
    assert syncmap.quality.verdict == "good"
    assert not any("text_mismatch" in t.flags for t in turns)
    assert [t.start for t in turns] == pytest.approx([t.start for t in truth], abs=0.5)


def test_an_attenuated_copy_is_quieter_by_the_gain_and_never_louder(tmp_path: Path) -> None:
    src, out = tmp_path / "tone.wav", tmp_path / "quieter.wav"
    with wave.open(str(src), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(synth.SR)
        w.writeframes((synth.tone(2.0, gain=0.5) * 32767).astype("<i2").tobytes())
    audio.attenuated(src, out, -20 * np.log10(2))
    x, y = (np.concatenate(list(audio.read_frames(p))) for p in (src, out))
    assert len(y) == len(x) and np.abs(y - x / 2).max() <= 1 / 32768
    with pytest.raises(ValueError, match="only be quieter"):
        audio.attenuated(src, out, 1.0)
