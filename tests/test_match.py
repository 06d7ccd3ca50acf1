"""The transcript check (match.py) and its DTW, with real eSpeak voices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import synth

from aligner import engine, match

LONG = ("The council met on Tuesday evening to hear from riders about the early buses. Many said the buses were "
        "full before they reached the centre of town, and some had waited for more than an hour in the rain. "
        "The transport director promised a new timetable by the spring, with more buses on the busiest routes. "
        "A vote on the budget for those buses is expected at the next meeting of the council, late next month. "
        "Until then, the director said, drivers will be asked to skip the stops where nobody is waiting, and the "
        "city will publish the times of every bus on its web site, so that riders can plan their mornings.")


def test_a_turn_longer_than_the_check_is_compared_with_as_much_of_its_text(tmp_path: Path) -> None:
    # the check takes a long turn's first MAX_SECONDS of audio: it once kept all the text, which then could not be
    # spoken there, and a right transcript of long turns scored as unrelated to its audio (held-out short-ads)
    truth = synth.build([("a", "en-us+m3", LONG)], tmp_path / "show.wav")
    rendering = engine.render([LONG], tmp_path / "tts.wav")
    span = (truth[0].start, truth[0].end)
    assert span[1] - span[0] > 2 * match.MAX_SECONDS
    assert match.matches(tmp_path / "show.wav", rendering, [span])[0] > 2 * match.MIN_MATCH


def test_start_of_finds_a_text_after_other_speech() -> None:
    rng = np.random.default_rng(7)
    unit = lambda x: (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)  # noqa: E731
    text = unit(rng.standard_normal((40, 12)))
    other = unit(rng.standard_normal((90, 12)))
    slow = np.repeat(text, 3, axis=0)[::2]  # said at 2/3 of its pace
    assert abs(match.start_of(text, np.concatenate([other, slow, other[:20]])) - 90) <= 1
    assert match.start_of(text, other[:15]) is None  # less than half the text's length
