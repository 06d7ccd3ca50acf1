"""Word level (``--level word``): words split as shown and read, and timed inside their sentences."""

from __future__ import annotations

import itertools
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest
import synth

from aligner import engine, pipeline
from aligner.engine import EngineOptions, mean_normalised
from aligner.models import Segment
from aligner.text import split_sentences
from aligner.transcript import load_transcript
from aligner.words import SOUND_DB, _sounds_only, add_words, split_words

TURNS = [
    ("ANN", "en-us", "The council met on Tuesday. It voted to close the old library on Main Street."),
    ("BOB", "en-gb+m3", "Residents said they were never asked about the plan. They want a second vote."),
]


@pytest.mark.parametrize(("text", "expected"), [
    ("It cost $5, he said.", [("It", "It"), ("cost", "cost"), ("$5,", "five dollars"), ("he", "he"),
                              ("said.", "said.")]),
    ("Wait -- (LAUGHTER) no.", [("Wait -- (LAUGHTER)", "Wait"), ("no.", "no.")]),
    ("-- Mr. Smith", [("-- Mr.", "Mister"), ("Smith", "Smith")]),
])
def test_words_are_display_tokens_read_as_the_tts_reads_them(text: str, expected: list[tuple[str, str]]) -> None:
    assert split_words(text) == expected


@pytest.fixture(scope="module")
def spoken_words(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Segment], list[float]]:
    """Each word spoken on its own by espeak-ng, so every word's true start is known exactly; the turns
    and sentences around them are given at their true times."""
    folder = tmp_path_factory.mktemp("words")
    words = [(spk, voice, w) for spk, voice, text in TURNS for w in text.split()]
    truth = synth.build(words, folder / "words.wav", pause=0.05)
    segments, k = [], 0
    for n, (spk, _, text) in enumerate(TURNS, start=1):
        children = []
        for j, sentence in enumerate(split_sentences(text), start=1):
            first, last = truth[k], truth[k + len(sentence.split()) - 1]
            children.append(Segment(id=f"t{n}.s{j}", kind="sentence", text=sentence, start=first.start, end=last.end))
            k += len(sentence.split())
        segments.append(Segment(id=f"t{n}", kind="turn", text=text, start=children[0].start, end=children[-1].end,
                                speaker=spk.lower(), children=tuple(children)))
    return folder / "words.wav", segments, [t.start for t in truth]


def test_word_starts_land_on_the_spoken_words(spoken_words) -> None:
    audio, segments, truth = spoken_words
    timed = add_words(audio, segments, EngineOptions())
    sentences = [c for s in timed for c in s.children]
    words = [w for c in sentences for w in c.children]
    assert [w.text for w in words] == [w for _, _, t in TURNS for w in t.split()]
    for c in sentences:  # nested: inside their sentence, in order
        assert all(c.start <= w.start <= w.end <= c.end for w in c.children)
        assert all(a.end <= b.start for a, b in itertools.pairwise(c.children))
    errors = np.abs(np.array([w.start for w in words]) - np.array(truth))
    # every word follows a pause: eSpeak's words, cut to their sounds, have none, and aeneas gave it to the word
    # after it (3 of 29 started 0.23-0.41 s early); they start after it (words._past_pauses)
    assert (errors < 0.1).all(), errors


def test_word_starts_land_on_the_spoken_words_through_a_coloured_channel(spoken_words, tmp_path: Path) -> None:
    """A recording whose channel is far from eSpeak's (bass cut by 20 dB, treble raised by 15): the cepstra are
    compared less their means (EngineOptions.mean_normalised). As they were, at 20 ms frames, 83% of the starts
    landed within 100 ms, one 429 ms off."""
    audio, segments, truth = spoken_words
    coloured = tmp_path / "coloured.wav"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(audio), "-af",
                    "treble=g=15:f=3000,bass=g=-20:f=300", str(coloured)], check=True)
    timed = add_words(coloured, segments, EngineOptions())
    errors = np.abs(np.array([w.start for s in timed for c in s.children for w in c.children]) - np.array(truth))
    assert (errors < 0.1).all(), errors


def test_mean_normalised_cepstra_leave_the_pauses_out_of_the_mean() -> None:
    loud = np.column_stack([np.full(7, 60.0), np.tile([1.0, 3.0], (7, 6))])
    quiet = np.column_stack([np.full(3, 10.0), np.full((3, 12), -50.0)])
    out = mean_normalised(np.vstack([loud, quiet]))
    assert np.allclose(out[:7, 1:], 0.0) and np.allclose(out[:, 0], [60.0] * 7 + [10.0] * 3)


def test_words_timed_half_in_a_worker_process_are_the_words_timed_here(spoken_words, monkeypatch) -> None:
    audio, segments, _ = spoken_words
    here = add_words(audio, segments, EngineOptions())
    monkeypatch.setattr("aligner.words.PARALLEL_MIN", 2)  # the first 2 of the 4 sentences go to a worker
    monkeypatch.setattr("os.cpu_count", lambda: 2)
    seen: list[float] = []
    assert add_words(audio, segments, EngineOptions(), progress=seen.append) == here
    assert seen == [0.5, 1.0]  # the sentences timed here


def test_each_word_espeak_speaks_is_cut_to_its_sound(tmp_path: Path) -> None:
    """eSpeak ends each word it speaks alone with ~0.29 s of silence; a recording's words run on, so the words are
    compared without it."""
    said = ["The", "council", "met", "on", "Tuesday", "and", "voted."]
    spoken = engine.render(said, tmp_path / "tts.wav")
    cut = _sounds_only(spoken, tmp_path / "words.wav")
    with wave.open(str(cut.wav)) as w:
        x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32) / 32768
    assert cut.spans[0][0] == 0.0 and all(a[1] == b[0] for a, b in itertools.pairwise(cut.spans))
    assert abs(cut.spans[-1][1] - len(x) / synth.SR) < 1e-3
    for (a, b), (was_a, was_b) in zip(cut.spans, spoken.spans, strict=True):
        first, last = synth.speech_span(x[round(a * synth.SR):round(b * synth.SR)], floor_db=-SOUND_DB)
        assert first <= 0.02 and b - a - last <= 0.015  # sound from its start (less LEAD) to its end, to a frame
        assert (was_b - was_a) - (b - a) > 0.25


def test_pipeline_adds_words_only_at_word_level(tmp_path: Path) -> None:
    synth.build([(spk, voice, text) for spk, voice, text in TURNS], tmp_path / "show.wav")
    (tmp_path / "show.txt").write_text("\n\n".join(f"{spk}: {text}" for spk, _, text in TURNS) + "\n")
    transcript = load_transcript(tmp_path / "show.txt")
    seen: list[tuple[str, float]] = []
    worded = pipeline.align(tmp_path / "show.wav", transcript, level="word",
                            progress=lambda stage, f: seen.append((stage, f))).to_dict()
    align = [f for stage, f in seen if stage == "align"]
    assert align == sorted(align) and align[-1] == 1.0 and any(0.5 < f < 1.0 for f in align)  # words move it too
    first_sentence = worded["segments"][0]["children"][0]
    assert [w["text"] for w in first_sentence["children"]] == ["The", "council", "met", "on", "Tuesday."]
    plain = pipeline.align(tmp_path / "show.wav", transcript).to_dict()
    assert "children" not in plain["segments"][0]["children"][0]
