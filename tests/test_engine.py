"""The aeneas adapter's own contract, with real eSpeak."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from aligner import engine


def test_synthesised_spans_keep_up_with_the_audio(tmp_path: Path) -> None:
    # eSpeak reports whole milliseconds per text; summed up, aeneas's anchors fell ~0.5 ms a text behind
    texts = [f"This is line number {k}." for k in range(150)]
    spans = engine.synthesize(texts, tmp_path / "tts.wav")
    with wave.open(str(tmp_path / "tts.wav"), "rb") as w:
        rate = w.getframerate()
        samples = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float32)
    assert spans[0][0] == 0.0 and spans[-1][1] == pytest.approx(len(samples) / rate, abs=0.002)
    assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))
    frame = rate // 1000

    def onset(start: float) -> float:  # where the text's first sound begins, seconds after its span does
        i = int(start * rate)
        return float(np.argmax(np.abs(samples[i:i + rate]) > 500) // frame) / 1000

    # every text here opens alike, so its sound begins as far into its span for the last texts as for the
    # first: before the fix the last ones began ~70 ms further in
    assert [onset(s) for s, _ in spans[-10:]] == pytest.approx([onset(spans[1][0])] * 10, abs=0.003)


def test_mfccs_taken_ahead_give_the_same_alignment_without_taking_them_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    import synth

    texts = ["The council met on Tuesday.", "Riders say the early buses are full.", "A vote is expected next month."]
    synth.build([("a", "en-us", t) for t in texts], tmp_path / "show.wav")
    options = engine.EngineOptions(frame_step=0.080)
    rendering = engine.render(texts, tmp_path / "tts.wav")
    plain = engine.align_fragments(tmp_path / "show.wav", texts, options, rendering)
    taken = engine.with_mfcc(rendering, options)
    assert taken.joined([1, 2]).mfccs is taken.mfccs  # joining texts keeps the audio and so its MFCCs
    computed = []
    real_mfcc = engine.mfcc
    monkeypatch.setattr(engine, "mfcc", lambda path, **kw: computed.append(Path(path)) or real_mfcc(path, **kw))
    assert engine.align_fragments(tmp_path / "show.wav", texts, options, taken) == plain
    assert computed == [tmp_path / "show.wav"]  # the recording's, and not the rendering's again
    computed.clear()
    engine.align_fragments(tmp_path / "show.wav", texts, engine.EngineOptions(), taken)  # another step
    assert len(computed) == 2


@pytest.mark.parametrize(("step", "window"), [(0.040, 0.100), (0.160, 0.400), (0.080, 0.200)])
def test_the_mfccs_are_aeneas_s_own(step: float, window: float) -> None:
    import aeneas.cmfcc.cmfcc as cmfcc
    import synth
    from aeneas.runtimeconfiguration import RuntimeConfiguration as RC

    rc = RC()
    speech = synth.speak("The council met on Tuesday to vote on the new budget.", "en-gb+m3")
    x = np.concatenate([speech, synth.tone(1.0), np.random.default_rng(1).normal(0, 0.01, 8000)]).astype(np.float64)
    for n in (0, 639, 640, 1601, len(x)):  # no frame; part of one; one; a window's worth; all of it
        theirs = cmfcc.compute_from_data(
            x[:n], synth.SR, rc[RC.MFCC_FILTERS], rc[RC.MFCC_SIZE], rc[RC.MFCC_FFT_ORDER],
            rc[RC.MFCC_LOWER_FREQUENCY], rc[RC.MFCC_UPPER_FREQUENCY], rc[RC.MFCC_EMPHASIS_FACTOR], window, step,
        )[0] if n else np.zeros((0, rc[RC.MFCC_SIZE]))
        ours = engine._cmfcc(x[:n], synth.SR, step, window)
        assert ours.shape == theirs.shape and np.allclose(ours, theirs, rtol=0, atol=1e-10)
