"""Edges snapped to speech: SpeechProfile's own rules, on hand-made level and voice tracks (no audio)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from aligner import pipeline, quality, vad
from aligner.models import Segment, Sentence, Turn
from aligner.speech import (
    FRAME,
    LOUD_DB,
    QUIET_MARGIN,
    SOFT_DB,
    SpeechProfile,
    _after_music,
    _loud_above,
    noise_floor,
    nonspeech,
    quiet_around,
)

QUIET, ROOM, LOUD = -70.0, -45.0, -20.0


def profile(*parts: tuple[float, float], voice: list[float] | None = None) -> SpeechProfile:
    """A profile from ``(seconds, dB)`` parts; frames at LOUD are speech, frames above the floor are soft.

    ``voice`` gives each part's VAD probability (default: 1 where speech, else 0).
    """
    db = np.concatenate([np.full(int(round(sec / FRAME)), level) for sec, level in parts])
    speech = db >= LOUD
    probs = speech.astype(np.float32) if voice is None else np.concatenate(
        [np.full(int(round(sec / FRAME)), p, np.float32) for (sec, _), p in zip(parts, voice, strict=True)])
    return SpeechProfile(db=db, voice=probs, speech=speech, soft=(db > QUIET + 3) & ~speech, floor=noise_floor(db))


def test_clip_cut_in_starts_with_its_room_tone() -> None:
    found = profile((2.0, QUIET), (0.5, ROOM), (2.0, LOUD))
    assert found.lead_in(2.5, 0.0) == pytest.approx(2.0)


def test_a_clip_s_faint_room_tone_over_broadcast_noise_starts_at_the_cut() -> None:
    # a soundbite's room tone 4.5 dB over the show's noise (a held-out sonnet: 0.42 s of it before the first word)
    found = profile((2.0, -55.0), (0.6, -50.5), (2.0, LOUD))
    assert found.lead_in(2.6, 0.0) == pytest.approx(2.0, abs=1.5 * FRAME)


@pytest.mark.parametrize("parts", [
    [(2.0, ROOM), (2.0, LOUD)],  # continuous room tone: nothing steps out of a gap
    [(2.0, QUIET), (0.2, ROOM), (2.0, LOUD)],  # too short: a breath, not a clip's room tone
])
def test_no_lead_in_without_a_cut_into_room_tone(parts: list[tuple[float, float]]) -> None:
    start = sum(sec for sec, _ in parts[:-1])
    assert profile(*parts).lead_in(start, 0.0) == pytest.approx(start)


def test_a_noisy_room_may_pause_before_the_first_word() -> None:
    found = profile((2.0, QUIET), (0.8, -35.0), (0.1, QUIET), (2.0, LOUD))
    assert found.lead_in(2.9, 0.0) == pytest.approx(2.0, abs=1.5 * FRAME)


def test_a_faint_room_tone_that_pauses_is_not_a_lead_in() -> None:
    found = profile((2.0, QUIET), (0.3, -66.0), (0.1, QUIET), (2.0, LOUD))  # 4 dB over the gap, then silence
    assert found.lead_in(2.4, 0.0) == pytest.approx(2.4)


def test_a_lead_in_stops_at_the_gap_before_its_clip() -> None:  # not at an earlier clip's tail
    found = profile((2.0, LOUD), (0.5, -40.0), (0.1, QUIET), (0.6, ROOM), (2.0, LOUD))
    assert found.lead_in(3.2, 2.0) == pytest.approx(2.6)


def test_a_pause_is_measured_to_the_speech_around_it() -> None:
    found = profile((1.0, LOUD), (0.5, QUIET), (1.0, LOUD))
    assert found.pause_start(1.5) == pytest.approx(1.0) and found.pause_end(1.0) == pytest.approx(1.5)
    assert found.pause_start(1.2) == pytest.approx(1.0) and found.pause_start(2.0) == 2.0


def test_clip_cut_out_ends_with_its_room_tone() -> None:
    found = profile((2.0, LOUD), (0.6, ROOM), (2.0, QUIET), (2.0, LOUD))
    assert found.lead_out(2.0, 4.6) == pytest.approx(2.6)


@pytest.mark.parametrize("parts", [
    [(2.0, LOUD), (2.0, ROOM)],  # room tone running on: no cut
    [(2.0, LOUD), (0.5, QUIET), (1.0, ROOM), (2.0, QUIET)],  # a sound after a pause is not this clip's tail
])
def test_no_lead_out_without_a_cut_after_the_last_word(parts: list[tuple[float, float]]) -> None:
    assert profile(*parts).lead_out(2.0, 4.0) == pytest.approx(2.0)


def test_faded_in_music_is_not_room_tone() -> None:
    found = profile((2.0, QUIET), *[(0.05, level) for level in np.linspace(QUIET, ROOM, 10)], (0.2, ROOM), (2.0, LOUD))
    assert found.lead_in(2.7, 0.0) == pytest.approx(2.7)


def test_start_skips_a_blip_followed_by_a_long_quiet() -> None:
    found = profile((1.0, QUIET), (0.3, LOUD), (5.0, QUIET), (3.0, LOUD))
    start, _ = found.snap(0.5, 9.0)
    assert start == pytest.approx(6.3)


def test_start_keeps_a_short_first_word_after_a_normal_pause() -> None:
    found = profile((1.0, QUIET), (0.3, LOUD), (1.5, QUIET), (3.0, LOUD))
    start, _ = found.snap(0.5, 5.5)
    assert start == pytest.approx(1.0)


def test_start_in_the_tail_of_the_previous_speech_moves_to_the_next_onset() -> None:
    found = profile((3.0, LOUD), (1.0, QUIET), (3.0, LOUD))
    start, _ = found.snap(2.9, 7.0)
    assert start == pytest.approx(4.0)


def lagging(found: SpeechProfile, first: float) -> SpeechProfile:
    """``found`` with no speech frames before ``first`` s: a VAD slow to trust what is loud there."""
    return replace(found, speech=found.speech & (np.arange(len(found.db)) >= round(first / FRAME)))


def test_start_steps_back_over_a_loud_onset_the_vad_was_slow_to_trust() -> None:
    found = lagging(profile((2.0, QUIET), (2.5, LOUD)), 2.25)  # in noise, the VAD trusts a voice late
    assert found.snap(2.4, 4.5)[0] == pytest.approx(2.0)
    assert found.snap(2.4, 4.5, earliest=2.1)[0] == pytest.approx(2.25)  # never into the segment before


@pytest.mark.parametrize("loud", [0.5, 1.0])  # music under the onset: no rise out of quiet within LOOKBACK
def test_start_stays_on_the_voice_when_loud_sound_runs_on_before_it(loud: float) -> None:
    found = lagging(profile((2.0, QUIET), (loud + 2.0, LOUD)), 2.0 + loud)
    assert found.snap(2.0 + loud, 4.0 + loud)[0] == pytest.approx(2.0 + loud)


def test_end_just_inside_the_next_word_moves_back_to_the_offset() -> None:
    found = profile((3.0, LOUD), (1.0, QUIET), (3.0, LOUD))
    _, end = found.snap(0.0, 4.1)
    assert end == pytest.approx(3.0)


def test_end_stops_before_a_music_hit_the_vad_doubts() -> None:
    found = profile((3.0, LOUD), (1.2, QUIET), (0.6, LOUD), (1.0, QUIET), voice=[1.0, 0.0, 0.6, 0.0])
    _, end = found.snap(0.0, 5.5)
    assert end == pytest.approx(3.0)


def test_end_keeps_a_short_last_word_the_vad_is_sure_of() -> None:
    found = profile((3.0, LOUD), (1.2, QUIET), (0.6, LOUD), (1.0, QUIET), voice=[1.0, 0.0, 0.95, 0.0])
    _, end = found.snap(0.0, 5.5)
    assert end == pytest.approx(4.8)


@pytest.mark.parametrize(("hit", "voice", "doubtful"), [
    (0.5, 0.6, True), (0.5, 0.95, False),
    (2.5, 0.75, True),  # a sting the VAD half believes lasts a few seconds
    (3.5, 0.75, False),  # longer, it may be a sentence spoken in noise
])
def test_a_start_on_a_doubtful_blip_before_a_long_pause_is_known(hit: float, voice: float, doubtful: bool) -> None:
    found = profile((1.0, QUIET), (hit, LOUD), (2.0, QUIET), (3.0, LOUD), voice=[0.0, voice, 0.0, 1.0])
    assert (found.after_doubtful_blip(1.0, 6.0 + hit) is not None) is doubtful
    assert found.after_doubtful_blip(3.0 + hit, 6.0 + hit) is None


@pytest.mark.parametrize(("text", "flagged"), [
    ("And so, my fellow Americans, ask not what your country can do for you.", True),
    ("II When forty winters shall besiege thy brow.", False),  # read "Two." then a pause: a short opening
])
def test_a_doubtful_first_sound_flags_the_turn_unless_its_text_opens_short(text: str, flagged: bool) -> None:
    found = profile((1.0, QUIET), (0.5, LOUD), (2.0, QUIET), (3.0, LOUD), voice=[0.0, 0.6, 0.0, 1.0])
    turn = Segment(id="t1", kind="turn", text=text, start=1.0, end=6.5, speaker="host")
    assert ("overlaps_music" in quality.evidence(turn, found, None).flags()) is flagged


@pytest.mark.parametrize(("text", "start"), [
    ("And so, my fellow Americans, ask not what your country can do for you.", 3.5),  # its first word
    ("II When forty winters shall besiege thy brow.", 1.0),  # "Two." then a pause: it may start there
])
def test_a_turn_started_on_a_music_hit_starts_at_its_first_word(text: str, start: float) -> None:
    found = profile((1.0, QUIET), (0.5, LOUD), (2.0, QUIET), (3.0, LOUD), voice=[0.0, 0.6, 0.0, 1.0])
    turn = Turn(id="t1", speaker="host", text=text, sentences=(Sentence(text=text, speech=text),))
    times = pipeline._past_music_hit(turn, [(1.0, 5.0), (5.0, 6.5)], found)
    assert times is not None and times[0][0] == pytest.approx(start) and times[1] == (5.0, 6.5)


def test_a_turn_started_inside_the_tail_of_a_sting_starts_at_its_first_word_even_if_its_text_opens_short() -> None:
    # the sting sounds from 1.0 s; the turn was given its tail from 2.0 s: that is not "Two." spoken from its onset
    found = profile((1.0, QUIET), (1.5, LOUD), (2.0, QUIET), (3.0, LOUD), voice=[0.0, 0.6, 0.0, 1.0])
    text = "II When forty winters shall besiege thy brow."
    turn = Turn(id="t1", speaker="host", text=text, sentences=(Sentence(text=text, speech=text),))
    times = pipeline._past_music_hit(turn, [(2.0, 5.0), (5.0, 7.5)], found)
    assert times is not None and times[0][0] == pytest.approx(4.5)


def test_a_turn_whose_text_fits_better_without_its_first_sound_is_judged_as_opening_on_music() -> None:
    found = profile((1.0, QUIET), (6.0, LOUD))
    first, second = (Segment(id=f"t1.s{k}", kind="sentence", text="A line of the turn.", start=s, end=e)
                     for k, (s, e) in enumerate([(1.0, 4.0), (4.0, 7.0)], start=1))
    turn = Segment(id="t1", kind="turn", text="A line of the turn. A line of the turn.", start=1.0, end=7.0,
                   speaker="host", children=(first, second))
    plain, = quality.assess([turn], found)
    doubted, = quality.assess([turn], found, {"t1"})
    assert "overlaps_music" not in plain.flags and doubted.confidence < plain.confidence
    assert "overlaps_music" in doubted.flags and "overlaps_music" in doubted.children[0].flags
    assert "overlaps_music" not in doubted.children[1].flags


@pytest.mark.parametrize("apart", [0.1, 0.5])
def test_a_music_hit_in_bursts_is_one_sound(apart: float) -> None:
    found = profile((1.0, QUIET), (0.4, LOUD), (apart, QUIET), (0.4, LOUD), (2.0, QUIET), (3.0, LOUD),
                    voice=[0.0, 0.6, 0.0, 0.6, 0.0, 1.0])
    assert found.after_doubtful_blip(1.0, 7.0) == pytest.approx(3.8 + apart)


@pytest.mark.parametrize(("song", "skipped"), [
    ([(2.0, LOUD), (0.5, QUIET), (1.5, LOUD)], True),  # a song the VAD half believes, in phrases
    ([(0.4, LOUD)], False),  # a short doubtful sound (the first word of a noisy clip)
])
def test_start_skips_singing_the_vad_doubts(song: list[tuple[float, float]], skipped: bool) -> None:
    parts = [(1.0, QUIET), *song, (0.5, QUIET), (3.0, LOUD)]
    voice = [0.0, *[0.45 if level == LOUD else 0.0 for _, level in song], 0.0, 1.0]
    speech_at = 1.0 + sum(sec for sec, _ in song) + 0.5
    start, _ = profile(*parts, voice=voice).snap(1.0, speech_at + 3.0)
    assert start == pytest.approx(speech_at if skipped else 1.0)


@pytest.mark.parametrize(("sting", "voice", "skipped"), [
    ([(2.0, LOUD)], [0.75], True),  # a sting the VAD leans to (mean 0.75) but is never sure of
    ([(0.6, LOUD), (0.6, LOUD)], [0.95, 0.7], False),  # a first sentence it is sure of half the time
])
def test_start_skips_a_sting_the_vad_is_never_sure_of(sting: list[tuple[float, float]], voice: list[float],
                                                      skipped: bool) -> None:
    parts = [(1.0, QUIET), *sting, (0.5, QUIET), (3.0, LOUD)]
    speech_at = 1.0 + sum(sec for sec, _ in sting) + 0.5
    start, _ = profile(*parts, voice=[0.0, *voice, 0.0, 1.0]).snap(1.0, speech_at + 3.0)
    assert start == pytest.approx(speech_at if skipped else 1.0)


@pytest.mark.parametrize("fresh", [None, 0.95])
def test_first_words_the_vad_doubts_only_for_the_music_before_them_are_kept(fresh: float | None) -> None:
    # JFK's "And so ... my fellow Americans" after a music bed and 0.4 s of silence: the VAD, its memory still on
    # the music, half believes them (0.7), so they passed for a sting and the turn started 3-5 s late; started
    # afresh after the silence (SpeechProfile.fresh), it is sure of them
    parts = [(1.0, QUIET), (1.5, LOUD), (1.0, QUIET), (1.2, LOUD), (1.0, QUIET), (3.0, LOUD)]
    found = profile(*parts, voice=[0.0, 0.7, 0.0, 0.7, 0.0, 1.0])
    if fresh is not None:
        found = replace(found, fresh=np.where(found.voice == 0.7, np.float32(fresh), found.voice))
    text = "And so, my fellow Americans, ask not what your country can do for you."
    turn = Turn(id="t1", speaker="host", text=text, sentences=(Sentence(text=text, speech=text),))
    start, _ = found.snap(1.0, 8.7)
    times = pipeline._past_music_hit(turn, [(start, 8.7)], found)
    assert times[0][0] == pytest.approx(1.0 if fresh else 5.7)


def test_end_stops_before_singing_the_vad_doubts() -> None:
    found = profile((3.0, LOUD), (0.5, QUIET), (2.5, LOUD), (1.0, QUIET), voice=[1.0, 0.0, 0.45, 0.0])
    assert found.snap(0.0, 6.5)[1] == pytest.approx(3.0)


def test_a_song_the_vad_half_believes_is_not_a_region_to_align() -> None:
    found = profile((1.0, QUIET), (2.0, LOUD), (1.5, QUIET), (3.0, LOUD), (1.0, QUIET),
                    voice=[0.0, 0.45, 0.0, 1.0, 0.0])
    (start, end), = found.regions()
    assert start == pytest.approx(4.5 - 0.3, abs=0.2) and end == pytest.approx(7.5 + 0.3, abs=0.2)


def test_onsets_after_and_offsets_before_a_pause_within_reach() -> None:
    found = profile((1.0, QUIET), (1.0, LOUD), (0.5, QUIET), (1.0, LOUD), (0.1, QUIET), (1.0, LOUD), (3.0, QUIET),
                    (1.0, LOUD))
    # the 0.1 s gap is inside a sound (JOIN_GAP), the last onset is beyond reach of the first speech at 1.0
    assert found.onsets_after(0.0, 9.0, reach=5.0) == pytest.approx([2.5])
    assert found.onsets_after(0.0, 9.0, reach=8.0) == pytest.approx([2.5, 7.6])
    assert found.offsets_before(0.0, 9.0, reach=8.0) == pytest.approx([4.6, 2.0])  # latest first
    assert found.offsets_before(0.0, 9.0, reach=2.0) == []


def test_onsets_between_are_every_start_of_speech_after_a_gap_however_short_or_far() -> None:
    found = profile((1.0, QUIET), (1.0, LOUD), (0.5, QUIET), (1.0, LOUD), (0.2, QUIET), (1.0, LOUD), (3.0, QUIET),
                    (1.0, LOUD))
    assert found.onsets_between(0.0, 9.0) == pytest.approx([1.0, 2.5, 3.7, 7.7])  # onsets_after: [2.5, 7.7]
    assert found.onsets_between(2.5, 7.7) == pytest.approx([3.7, 7.7])  # after the start, up to the end


# quiet; a sting's first notes the VAD half believes (1.5 s); the rest of the sting (7.5 s, loud, rejected); a
# pause; the turn's words (as between two episodes of the held-out long show with ads)
STING = ((1.0, QUIET), (1.5, LOUD), (7.5, ROOM), (0.5, QUIET), (3.0, LOUD))
STING_VOICE = [0.0, 0.84, 0.0, 0.0, 1.0]


def test_music_does_not_count_toward_the_reach_of_onsets_after_a_turn_s_first_sound() -> None:
    found = profile(*STING, voice=STING_VOICE)
    assert found.onsets_after(0.0, 13.5, reach=8.0) == pytest.approx([10.5])  # 9 s on, 1.5 s of it not music
    assert profile(*STING[:2], (7.5, QUIET), *STING[3:]).onsets_after(0.0, 13.5, reach=8.0) == []


@pytest.mark.parametrize(("after", "into_music"), [
    ((7.5, ROOM), True),  # the rest of a sting straight after the sound
    ((7.5, QUIET), False),  # a pause after it, as after a first word
])
def test_a_sound_runs_into_music_when_loud_sound_the_vad_rejects_follows_it(after: tuple[float, float],
                                                                          into_music: bool) -> None:
    found = profile(STING[0], STING[1], after, *STING[3:], voice=STING_VOICE)
    assert found.runs_into_music(0.0, 13.5) is into_music
    assert not found.runs_into_music(10.0, 13.5)  # the words, to the end


def field_report(pause: tuple[float, float]) -> SpeechProfile:
    """40 s of a studio (3 s words, 1 s pauses at QUIET), a field report under noise (ROOM) whose 5th pause is
    ``pause``, then the studio again; the quiet level measured as the aligner does."""
    studio = [(3.0, LOUD), (1.0, QUIET)] * 10
    report = [(3.0, LOUD), (1.0, ROOM)] * 4 + [(3.0, LOUD), pause] + [(3.0, LOUD), (1.0, ROOM)] * 5
    found = profile(*studio, *report, *studio)
    return replace(found, quiet=quiet_around(found.db, found.floor))


def test_the_quiet_music_stands_above_follows_a_field_report_s_noise() -> None:
    found = field_report((1.0, ROOM))
    assert found.floor == QUIET
    assert found.quiet[found.frame(60.0)] == pytest.approx(ROOM - QUIET_MARGIN)
    assert found.quiet[found.frame(10.0)] == found.quiet[found.frame(110.0)] == pytest.approx(QUIET)


@pytest.mark.parametrize(("pause", "music"), [
    ((1.0, ROOM), False),  # the report's own noise, 25 dB over the studio's floor
    ((1.5, -25.0), True),  # a sting 20 dB over that noise
])
def test_music_in_a_field_report_stands_above_its_noise(pause: tuple[float, float], music: bool) -> None:
    found = field_report(pause)
    assert found.runs_into_music(56.5, 60.0) is music  # the words before the pause, then the pause
    assert replace(found, quiet=None).runs_into_music(56.5, 60.0)  # against the floor, the noise was music
    report = [kind for start, end, kind in nonspeech(found, min_length=1.0) if 40.0 < start < 80.0]
    assert report == ["silence"] * 4 + ["music" if music else "silence"] + ["silence"] * 5


# a turn's words to 3 s; a pause; a sting from 4 s, its last note (which the VAD half believes) at 5 s
WORDS_THEN_STING = ((3.0, LOUD), (1.0, QUIET), (1.0, ROOM), (0.4, LOUD), (2.0, QUIET))
WORDS_THEN_STING_VOICE = [1.0, 0.0, 0.0, 0.5, 0.0]


def test_a_sound_comes_out_of_music_when_loud_sound_the_vad_rejects_runs_into_it() -> None:
    found = profile(*WORDS_THEN_STING, voice=WORDS_THEN_STING_VOICE)
    assert found.runs_into_music(0.0, 5.4, tail=True)  # a sting's last notes end the span
    assert not found.runs_into_music(0.0, 3.0, tail=True)  # the words end it


@pytest.mark.parametrize(("before", "start"), [
    ((1.0, ROOM), 6.7),  # the tail of a sting, then its last note: not a first word
    ((1.0, QUIET), 5.5),  # a short first word the VAD doubts, after a pause: kept
])
def test_start_skips_a_doubtful_sound_that_comes_straight_out_of_music(before: tuple[float, float],
                                                                       start: float) -> None:
    found = profile((4.5, QUIET), before, (0.4, LOUD), (0.8, QUIET), (3.0, LOUD), (1.0, QUIET),
                    voice=[0.0, 0.0, 0.55, 0.0, 1.0, 0.0])
    assert found.snap(4.6, 10.0)[0] == pytest.approx(start)


def test_belief_is_the_vad_mean_over_speech_frames_only() -> None:
    found = profile((1.0, LOUD), (1.0, QUIET), (1.0, LOUD), voice=[0.5, 0.0, 0.9])
    assert found.belief(0.0, 3.0) == pytest.approx(0.7)
    assert found.belief(1.0, 2.0) == 1.0  # no speech: nothing to doubt


def test_rise_steps_back_over_a_loud_onset_the_vad_missed_but_not_into_quiet() -> None:
    found = profile((1.0, QUIET), (0.2, ROOM), (1.0, LOUD))
    assert found.rise(1.2) == pytest.approx(1.0)
    found = profile((1.0, QUIET), (0.6, ROOM), (1.0, LOUD))
    assert found.rise(1.6) == pytest.approx(1.3)  # at most LOOKBACK


@pytest.mark.parametrize(("voiced_db", "above"), [(-20.0, LOUD_DB), (-52.0, 8.0), (-58.0, SOFT_DB)])
def test_loud_is_nearer_the_floor_when_the_voice_barely_rises_over_it(voiced_db: float, above: float) -> None:
    # noise at -60 dB in the pauses; the voiced frames 40, 8 or 2 dB over it
    db = np.concatenate([np.full(300, -60.0), np.full(700, voiced_db)])
    voice = (db > -60.0).astype(np.float32)
    assert _loud_above(db, noise_floor(db), voice) == pytest.approx(above)


@pytest.mark.parametrize(("pause_db", "afresh"), [(-70.0, True), (-66.0, True), (-20.0, False)])
def test_the_vad_starts_afresh_after_music_and_a_pause_a_station_lifted_over_the_floor(
        pause_db: float, afresh: bool) -> None:
    # 3 s of music the VAD rejects, 0.8 s of pause (silent, lifted 4 dB by a station's gain riding, or none at
    # all), then a voice: under the radio master the dev clean2 show's pause after its intro sat 1-5 dB over the
    # floor, the VAD was not started afresh, and JFK's turn started 5.25 s late on its doubt of his first words
    parts = [(2.0, -70.0), (3.0, -45.0), (0.8, pause_db), (3.0, -45.0)]
    db = np.concatenate([np.full(int(round(sec / FRAME)), level) for sec, level in parts])
    raw = np.concatenate([np.full(200, 0.0), np.full(300, 0.05), np.full(80, 0.0), np.full(300, 0.95)])
    starts = _after_music(db, noise_floor(db), raw)
    assert starts == ([int(5.3 / vad.STEP)] if afresh else [])


def test_the_last_sound_in_a_span_runs_from_its_onset_to_its_offset() -> None:
    found = profile((1.0, QUIET), (0.5, LOUD), (1.0, QUIET), (0.3, LOUD), (0.1, QUIET), (0.2, LOUD), (1.0, QUIET))
    assert found.last_sound(0.0, 4.1) == (pytest.approx(2.5), pytest.approx(3.1))  # two bursts 0.1 s apart: one
    assert found.last_sound(0.0, 2.0) == (pytest.approx(1.0), pytest.approx(1.5))
    assert found.last_sound(3.2, 4.1) is None
