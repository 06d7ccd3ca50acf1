"""Cut long non-speech (music, silence) out of a WAV for the aligner, and map times back.

aeneas's DTW has to account for every second of audio; a music intro or sting that no text
describes pulls the neighbouring turns into it. The aligner therefore runs on the speech spans
only, joined by short quiet gaps, and :class:`TimeMap` maps its times back to the recording.
"""

from __future__ import annotations

import bisect
import os
import wave
from dataclasses import dataclass

import numpy as np

from .audio import SAMPLE_RATE

JOIN_GAP = 0.4  # seconds of quiet put between two kept spans
NOISE_LEVEL = 1e-4  # faint noise instead of digital silence (log energy of zeros is -inf)


@dataclass(frozen=True, slots=True)
class TimeMap:
    """Kept spans of the recording and where each starts in the spliced audio."""

    spans: tuple[tuple[float, float], ...]  # (start, end) in the recording
    offsets: tuple[float, ...]  # start of each span in the spliced audio

    def to_source(self, t: float, *, is_end: bool = False) -> float:
        """The recording time of spliced time ``t``; inside a join gap, the nearest kept edge."""
        if not self.spans:
            return t
        i = max(0, bisect.bisect_right(self.offsets, t) - 1)
        start, end = self.spans[i]
        local = t - self.offsets[i]
        if local <= end - start:
            return start + max(0.0, local)
        # in the gap after span i: an end belongs to span i, a start to span i + 1
        if is_end or i + 1 == len(self.spans):
            return end
        return self.spans[i + 1][0]


def join_gap() -> np.ndarray:
    """The quiet :func:`splice` puts between two spans, as 16-bit samples."""
    rng = np.random.default_rng(0)
    return (rng.standard_normal(int(JOIN_GAP * SAMPLE_RATE)) * NOISE_LEVEL * 32768).astype("<i2")


def splice(wav_path: str | os.PathLike[str], spans: list[tuple[float, float]],
           out_path: str | os.PathLike[str], *, gaps: bool = True) -> TimeMap:
    """Write the ``spans`` of a mono 16 kHz WAV, joined by short quiet gaps (or, without ``gaps``, end to end), to
    ``out_path``."""
    gap = join_gap().tobytes() if gaps else b""
    offsets: list[float] = []
    kept: list[tuple[float, float]] = []
    written = 0
    with wave.open(os.fspath(wav_path), "rb") as src, wave.open(os.fspath(out_path), "wb") as dst:
        dst.setnchannels(1)
        dst.setsampwidth(2)
        dst.setframerate(SAMPLE_RATE)
        for k, (start, end) in enumerate(spans):
            if k:
                dst.writeframes(gap)
                written += len(gap) // 2
            a, b = int(start * SAMPLE_RATE), int(end * SAMPLE_RATE)
            src.setpos(min(a, src.getnframes()))
            data = src.readframes(max(0, b - a))
            offsets.append(written / SAMPLE_RATE)
            kept.append((start, start + len(data) / 2 / SAMPLE_RATE))
            dst.writeframes(data)
            written += len(data) // 2
    return TimeMap(spans=tuple(kept), offsets=tuple(offsets))
