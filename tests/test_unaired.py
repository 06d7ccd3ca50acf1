"""The unaired-turn decision on its own: realignment, evidence and text fit replaced by fixed answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from aligner import quality, unaired
from aligner.models import Sentence, Turn

SURE = quality.Evidence(rate=0.0, voiced=1.0, onset=1.0)
FAINT = quality.Evidence(rate=None, voiced=0.1, onset=0.0)  # confidence far under unaired.FAINT


class FixedFit:
    """Text fit that is ``before`` for the times as they were and ``after`` for any realignment."""

    def __init__(self, result: list, before: float, after: float):
        self.result, self.before, self.after = result, before, after

    def cost(self, times: list, units: list) -> np.ndarray:
        d = self.before if times is self.result else self.after
        return np.array([d, -(1.0 - d)])


@pytest.mark.parametrize(("after", "cut"), [(0.4, True), (0.6, False)])
def test_a_doubtful_turn_that_harms_nobody_is_cut_only_if_its_neighbours_then_fit_better(
        monkeypatch, after: float, cut: bool) -> None:
    # the middle turn's evidence is against it and removing it leaves its neighbours' timing as good as before,
    # as when a real short turn after a sting looks doubtful: only the texts' fit can tell the two apart
    turns = [Turn(id=f"t{k}", speaker="host", text=x, sentences=(Sentence(text=x, speech=x),))
             for k, x in enumerate(["One line here.", "A short one.", "And the last one."], start=1)]
    job = unaired._Job(Path("unused.wav"), None, turns, [[t.text] for t in turns], None, None, None)
    result = [[(0.0, 5.0)], [(5.0, 6.0)], [(6.0, 10.0)]]
    monkeypatch.setattr(quality, "median_rates", lambda segs, found: {None: 15.0})
    monkeypatch.setattr(quality, "evidence", lambda seg, found, rate: FAINT if seg.id == "t2" else SURE)
    monkeypatch.setattr(unaired, "_realign", lambda job, times, keep: [[(0.0, 5.0)], [(5.0, 6.0)], [(5.0, 10.0)]])
    unaired._turns(job, result, FixedFit(result, before=0.5, after=after))
    assert (result[1] is None) is cut
