"""The accuracy bench's scorer on tiny hand-made sync maps and truths."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import scoring  # noqa: E402


def utt(text: str, start: float | None, end: float | None) -> dict:
    return {"text": text, "speech_start": start, "speech_end": end}


def truth_turn(speaker: str, utts: list[dict], in_audio: bool = True) -> dict:
    t = {"speaker": speaker, "text": " ".join(u["text"] for u in utts), "utterances": utts,
         "speech_start": utts[0]["speech_start"] if utts else None,
         "speech_end": utts[-1]["speech_end"] if utts else None}
    if not in_audio:
        t["in_audio"] = False
    return t


def seg(speaker: str, text: str, start: float | None, end: float | None, flags=(), kids=()) -> dict:
    return {"id": "x", "kind": "turn", "speaker": speaker, "text": text, "start": start, "end": end,
            "confidence": None, "flags": list(flags),
            "children": [{"id": "x.s", "kind": "sentence", "text": k, "start": a, "end": b}
                         for k, a, b in kids]}


TRUTH = {"turns": [
    truth_turn("GARCIA", [utt("Good evening.", 1.0, 2.0), utt("Here is the news.", 2.5, 4.0)]),
    truth_turn("PATEL", [utt("Thanks, Ana.", 5.0, 6.0)]),
    truth_turn("GARCIA", [utt("Storms are coming tonight.", 7.0, 9.0)]),
]}


def test_truth_against_itself_scores_zero_error():
    sc = scoring.score(scoring.truth_syncmap(TRUTH), TRUTH)
    assert sc.matched == 3 and sc.speaker_mismatch == 0
    assert sc.starts.max_ms == 0 and sc.ends.max_ms == 0 and sc.sentences.max_ms == 0
    assert sc.starts.within_100 == 1.0 and sc.sentences.n == 4
    assert sc.flags.wrong == 0 and sc.flags.false_flag_rate == 0.0


def test_signed_errors_percentiles_and_windows():
    sm = {"segments": [
        seg("garcia", "Good evening. Here is the news.", 1.05, 4.2,
            kids=[("Good evening.", 1.05, 2.0), ("Here is the news.", 2.3, 4.2)]),
        {"id": "c1", "kind": "cue", "text": "(SOUNDBITE OF MUSIC)", "start": 4.2, "end": 5.0},
        seg("patel", "Thanks, Ana.", 4.7, 6.0, kids=[("Thanks, Ana.", 4.7, 6.0)]),
        seg("garcia", "Storms are coming tonight.", 9.0, 9.5, flags=["low_confidence"],
            kids=[("Storms are coming tonight.", 9.0, 9.5)]),
    ]}
    sc = scoring.score(sm, TRUTH)
    # start errors: +50 ms, -300 ms, +2000 ms
    assert sc.starts.median_ms == pytest.approx(300)
    assert sc.starts.max_ms == pytest.approx(2000)
    assert sc.starts.p95_ms == pytest.approx(300 + (2000 - 300) * 0.9)
    assert sc.starts.within_100 == pytest.approx(1 / 3)
    assert sc.starts.within_250 == pytest.approx(1 / 3)
    assert sc.starts.within_1000 == pytest.approx(2 / 3)
    assert sc.starts.mean_signed_ms == pytest.approx((50 - 300 + 2000) / 3)
    assert sc.ends.mean_signed_ms == pytest.approx((200 + 0 + 500) / 3)
    # sentences pair 1:1: errors +50, -200, -300, +2000
    assert sc.sentences.n == 4 and sc.sentences.median_ms == pytest.approx(250)
    # the 2 s late turn is wrong and flagged; the other two are right and unflagged
    assert (sc.flags.wrong, sc.flags.wrong_flagged, sc.flags.recall) == (1, 1, 1.0)
    assert (sc.flags.right, sc.flags.right_flagged) == (2, 0)


def test_sentences_fall_back_to_matching_first_words():
    utts = [utt("one two three four", 0.0, 1.0), utt("five six seven", 1.2, 2.0),
            utt("eight nine ten", 2.5, 3.0)]
    kids = [("One two three four five six seven.", 0.1, 2.0), ("Eight, nine, ten!", 2.4, 3.0)]
    sm = {"segments": [seg("rossi", "...", 0.0, 3.0, kids=kids)]}
    sc = scoring.score(sm, {"turns": [truth_turn("ROSSI", utts)]})
    # "five six seven" was merged into the first sentence: it has no sentence of its own and is not scored
    assert sc.sentences_total == 3 and sc.sentences.n == 2 and sc.sentences.missing == 0
    assert sc.sentences.mean_signed_ms == pytest.approx(0) and sc.sentences.max_ms == pytest.approx(100)


def test_absent_turns_count_as_expected_flagged_and_handle_none_times():
    truth = {"turns": [TRUTH["turns"][0], truth_turn("NOBODY", [], in_audio=False) | {"text": "Never aired."},
                       TRUTH["turns"][1]]}
    sm = {"segments": [
        seg("garcia", "Good evening. Here is the news.", 1.0, 4.0),
        seg("nobody", "Never aired.", None, None, flags=["not_in_audio"]),
        seg("patel", "Thanks, Ana.", 5.0, 6.0, flags=["low_confidence"]),
    ]}
    sc = scoring.score(sm, truth)
    f = sc.flags
    assert (f.absent, f.absent_flagged, f.absent_not_in_audio, f.absent_placed) == (1, 1, 1, 0)
    assert f.wrong == 1 and f.recall == 1.0
    assert (f.right, f.right_flagged, f.false_flag_rate) == (2, 1, 0.5)
    assert sc.starts.n == 2 and sc.starts.missing == 0  # the absent turn is not a timing error


def test_absent_turn_given_a_span_and_no_flag_is_caught():
    absent = truth_turn("NOBODY", [], in_audio=False) | {"text": "Never aired."}
    truth = {"turns": [TRUTH["turns"][1], absent]}
    sm = {"segments": [seg("patel", "Thanks, Ana.", 5.0, 6.0), seg("nobody", "Never aired.", 6.0, 8.0)]}
    f = scoring.score(sm, truth).flags
    assert (f.absent, f.absent_flagged, f.absent_placed, f.recall) == (1, 0, 1, 0.0)


def test_cut_lines_count_when_marked_not_in_audio_and_real_lines_so_marked_are_counted_too():
    cut = "Our reporter has more on that story tonight."
    truth = {"turns": [TRUTH["turns"][0] | {"cut_lines": [cut]}, TRUTH["turns"][1]]}
    first = seg("garcia", "Good evening. Our reporter has more on that story tonight. Here is the news.", 1.0, 4.0,
                kids=[("Good evening.", 1.0, 2.0), (cut, 2.0, 2.0), ("Here is the news.", 2.5, 4.0)])
    first["children"][1]["flags"] = ["not_in_audio"]
    second = seg("patel", "Thanks, Ana.", 5.0, 6.0, kids=[("Thanks, Ana.", 5.0, 6.0)])
    second["children"][0]["flags"] = ["not_in_audio"]  # a real line taken for a cut one
    f = scoring.score({"segments": [first, second]}, truth).flags
    assert (f.lines_cut, f.lines_cut_marked, f.lines_aired, f.lines_aired_marked) == (1, 1, 3, 1)
    first["children"][1]["flags"] = []
    assert scoring.score({"segments": [first, second]}, truth).flags.lines_cut_marked == 0


def test_present_turn_without_time_is_missing_and_wrong():
    sm = {"segments": [seg("garcia", "a", 1.0, 4.0), seg("patel", "b", None, None),
                       seg("garcia", "c", 7.0, 9.0)]}
    sc = scoring.score(sm, TRUTH)
    assert sc.starts.missing == 1 and sc.starts.within_100 == pytest.approx(2 / 3)
    assert sc.flags.wrong == 1 and sc.flags.wrong_flagged == 0


def test_turns_join_by_text_when_the_parser_split_one():
    sm = {"segments": [
        seg("garcia", "Good evening.", 1.0, 2.0), seg("garcia", "Here is the news.", 2.5, 4.0),
        seg("patel", "Thanks, Ana.", 5.1, 6.0), seg("garcia", "Storms are coming tonight.", 7.0, 9.0)]}
    sc = scoring.score(sm, TRUTH)
    assert sc.seg_turns == 4 and sc.matched == 3
    assert sc.starts.max_ms == pytest.approx(100)


def test_descriptive_flags_do_not_count_as_doubt():
    sm = scoring.truth_syncmap(TRUTH)
    sm["segments"][0]["flags"] = ["intro"]
    sm["segments"][1]["flags"] = ["archival", "rate_outlier"]
    f = scoring.score(sm, TRUTH).flags
    assert (f.right, f.right_flagged) == (3, 1)


def test_speaker_mismatch_is_counted():
    sm = scoring.truth_syncmap(TRUTH)
    sm["segments"][1]["speaker"] = "garcia"
    assert scoring.score(sm, TRUTH).speaker_mismatch == 1


@pytest.mark.parametrize(("errors", "median", "p95"), [
    ([0.01], 10, 10),
    ([0.01, -0.03], 20, 29),
    ([0.0, 0.1, 0.2, 0.3, 0.4], 200, 380),
])
def test_stats_percentiles_match_numpy_linear(errors, median, p95):
    s = scoring.stats(errors)
    assert s.median_ms == pytest.approx(median) and s.p95_ms == pytest.approx(p95)


def test_stats_of_nothing_is_empty_not_a_crash():
    s = scoring.stats([None, None])
    assert (s.n, s.missing, s.median_ms, s.within_250) == (2, 2, None, 0.0)
    assert scoring.stats([]).within_100 is None


DATA = Path(os.environ.get("SEEKLINE_DATA") or Path(__file__).resolve().parents[1].parent / "shared" / "data")


@pytest.mark.data
@pytest.mark.skipif(not (DATA / "tools" / "make_broadcast.py").is_file(), reason="no shared data folder")
def test_bench_builds_cases_and_scores_the_truth_baseline_at_zero(tmp_path, capsys):
    from bench import accuracy

    assert accuracy.main(["--data", str(DATA), "--cases", "absent,story", "--out", str(tmp_path),
                          "--aligner", "truth", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    cases = {c["case"]: c for c in doc["cases"]}
    absent, story = cases["absent"], cases["story"]
    assert absent["score"]["turn_start"]["max_ms"] == 0 and story["score"]["turn_end"]["max_ms"] == 0
    assert absent["score"]["flags"]["absent"] == 2 and absent["score"]["flags"]["absent_flagged"] == 2
    # the story sits in the middle third of its recording, and its truth was shifted there
    truth = json.loads(next(tmp_path.glob("story-*/truth.json")).read_text())
    assert truth["story"]["start"] == pytest.approx(truth["duration_s"] / 3, abs=0.01)
    assert truth["story"]["start"] < truth["turns"][0]["speech_start"] < truth["turns"][-1]["speech_end"]
    assert truth["turns"][-1]["speech_end"] < truth["story"]["end"]
    text = next(tmp_path.glob("absent-*/transcript.txt")).read_text()
    assert text.count(": ") >= len(json.loads(next(tmp_path.glob("absent-*/truth.json")).read_text())["turns"])


def test_turn_starts_split_by_how_the_truth_timed_them():
    truth = json.loads(json.dumps(TRUTH))
    for t, source in zip(truth["turns"], ("label", "energy", "energy"), strict=True):
        t["utterances"][0]["speech_span_source"] = source
    sm = {"segments": [seg("garcia", "Good evening. Here is the news.", 1.1, 4.0),
                       seg("patel", "Thanks, Ana.", 5.3, 6.0),
                       seg("garcia", "Storms are coming tonight.", 6.9, 9.0)]}
    split = scoring.starts_by_truth(scoring.match_turns(sm, truth))
    assert list(split) == ["energy", "label"]
    assert split["label"].n == 1 and split["label"].mean_signed_ms == pytest.approx(100)
    assert split["energy"].n == 2 and split["energy"].mean_signed_ms == pytest.approx(100)
    assert split["energy"].max_ms == pytest.approx(300)


def test_breaks_count_ads_found_and_false_ones():
    truth = {"ads": [{"start": 100.0, "end": 160.0}, {"start": 400.0, "end": 420.0}]}
    segments = [{"kind": "untranscribed", "start": 105.0, "end": 150.0},  # 75% of the first ad
                {"kind": "untranscribed", "start": 405.0, "end": 408.0},  # 15% of the second: not found
                {"kind": "untranscribed", "start": 600.0, "end": 630.0},  # on no ad
                {"kind": "music", "start": 400.0, "end": 420.0}]
    assert scoring.breaks({"segments": segments}, truth) == {"ads": 2, "found": 1, "false": 1}
    assert scoring.breaks({"segments": segments[:1]}, {"turns": []}) == {"ads": 0, "found": 0, "false": 1}


@pytest.mark.parametrize("master", ["mp3", "podcast", "radio"])
def test_a_mastered_case_keeps_its_timing_so_its_truth_still_holds(tmp_path, master):
    from bench import suite

    # bursts of noise a second apart, each louder than the last, over a quiet floor
    rng = np.random.default_rng(7)
    y = 0.001 * rng.standard_normal(8 * suite.SR)
    onsets = [1.0, 2.3, 3.5, 4.9, 6.2]
    for k, t in enumerate(onsets):
        a = int(t * suite.SR)
        y[a:a + suite.SR // 2] += 0.05 * (k + 1) * rng.standard_normal(suite.SR // 2)
    suite.write_wav(y.astype(np.float32), tmp_path / "audio.wav")
    built = suite.Built(suite.CASES[0], tmp_path / "audio.wav", tmp_path / "transcript.txt", {"duration_s": 8.0})

    out = suite.mastered(built, master)
    assert out.audio == tmp_path / f"audio-{master}.mp3" and out.truth is built.truth
    heard = suite.load(out.audio)
    level = np.convolve(heard**2, np.ones(80) / 80, mode="same")  # 5 ms
    floor = np.median(level)
    for t in onsets:  # each burst still rises within 5 ms of where it was put
        a = int((t - 0.2) * suite.SR)
        rise = a + int(np.argmax(level[a:a + int(0.4 * suite.SR)] > 30 * floor))
        assert rise / suite.SR == pytest.approx(t, abs=0.005)
    assert suite.mastered(built, master).audio.stat().st_mtime == out.audio.stat().st_mtime  # cached


def test_a_case_cut_at_its_start_moves_its_audio_and_truth_together(tmp_path):
    from bench import suite

    # bursts of noise at known times over a quiet floor, as a case with an ad and a story span
    rng = np.random.default_rng(3)
    y = 0.001 * rng.standard_normal(6 * suite.SR)
    for t in (1.0, 2.5, 4.0):
        y[int(t * suite.SR):int((t + 0.5) * suite.SR)] += 0.2 * rng.standard_normal(suite.SR // 2)
    suite.write_wav(y.astype(np.float32), tmp_path / "audio.wav")
    turn = {"speech_start": 2.5, "speech_end": 3.0, "clip_start": 2.4, "clip_end": 3.1,
            "utterances": [{"clip_start": 2.4, "clip_end": 3.1}]}
    truth = {"duration_s": 6.0, "turns": [turn], "ads": [{"start": 4.0, "end": 4.5}],
             "story": {"start": 1.0, "end": 5.0}}
    built = suite.Built(suite.CASES[0], tmp_path / "audio.wav", tmp_path / "transcript.txt", truth)

    out = suite.cut(built, 0.02)
    assert out.audio == tmp_path / "audio-cut20ms.wav"
    heard = suite.load(out.audio)
    assert len(heard) == 6 * suite.SR - int(0.02 * suite.SR)
    level = np.convolve(heard**2, np.ones(80) / 80, mode="same")
    rises = [int(np.argmax(level[int((t - 0.3) * suite.SR):] > 30 * np.median(level))) / suite.SR + t - 0.3
             for t in (1.0, 2.5, 4.0)]
    assert rises == pytest.approx([0.98, 2.48, 3.98], abs=0.005)  # every burst 20 ms earlier
    moved = out.truth["turns"][0]
    assert (moved["speech_start"], moved["utterances"][0]["clip_start"]) == (2.48, 2.38)
    assert out.truth["ads"] == [{"start": 3.98, "end": 4.48}] and out.truth["story"] == {"start": 0.98, "end": 4.98}
    assert built.truth["turns"][0]["speech_start"] == 2.5  # the case itself is left as it was
