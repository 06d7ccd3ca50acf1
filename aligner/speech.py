"""Where speech is in the audio: a frame energy profile, and snapping segment edges to speech."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .audio import SAMPLE_RATE, read_frames

FRAME = 0.010  # seconds per analysis frame
MIN_PAUSE = 0.15  # shorter quiet runs are stops and gaps inside words, not pauses
SOFT_DB = 3.0  # a frame this far above the noise floor may be the quiet edge of a word
MAX_SOFT_EDGE = 0.25  # how far a word's quiet onset or decay may reach beyond its loud part


@dataclass(frozen=True, slots=True)
class SpeechProfile:
    """Per-frame loudness of a recording and which frames are louder than its noise floor."""

    db: np.ndarray  # frame RMS in dB full scale
    speech: np.ndarray  # bool per frame: clearly speech (or a short pause inside it)
    soft: np.ndarray  # bool per frame: above the noise floor, as in the quiet edges of words

    @property
    def duration(self) -> float:
        return len(self.db) * FRAME

    def frame(self, t: float) -> int:
        return min(max(int(round(t / FRAME)), 0), len(self.db))

    def snap(self, start: float, end: float) -> tuple[float, float]:
        """Move ``start`` forward and ``end`` back out of pauses, never past each other."""
        a, b = self.frame(start), self.frame(end)
        if b - a < 2:
            return start, end
        inside = np.flatnonzero(self.speech[a:b])
        if inside.size == 0:
            return start, end
        new_a = a + int(inside[0]) if not self.speech[a] else a
        new_b = a + int(inside[-1]) + 1 if not self.speech[b - 1] else b
        # widen over the soft onset and decay of the first and last words, inside the old bounds
        reach = int(MAX_SOFT_EDGE / FRAME)
        stop = max(0, new_a - reach)
        while new_a > stop and self.soft[new_a - 1] and not self.speech[new_a - 1]:
            new_a -= 1
        limit = min(b, new_b + reach)
        while new_b < limit and self.soft[new_b]:
            new_b += 1
        return new_a * FRAME, new_b * FRAME


def profile(wav_path: str | os.PathLike[str]) -> SpeechProfile:
    """Measure frame energy of a mono 16 kHz WAV, block by block, and mark the frames above the floor."""
    hop = int(FRAME * SAMPLE_RATE)
    chunks = []
    carry = np.zeros(0, dtype=np.float32)
    for block in read_frames(wav_path):
        x = np.concatenate([carry, block])
        n = len(x) // hop
        frames = x[: n * hop].reshape(n, hop)
        chunks.append(10 * np.log10((frames * frames).mean(axis=1) + 1e-10))
        carry = x[n * hop:]
    db = np.concatenate(chunks) if chunks else np.zeros(0)
    floor = float(np.percentile(db, 10)) if db.size else 0.0
    return SpeechProfile(db=db, speech=_speech_mask(db, floor), soft=db > floor + SOFT_DB)


def _speech_mask(db: np.ndarray, floor: float) -> np.ndarray:
    """Frames clearly above the noise floor, with pauses shorter than MIN_PAUSE filled in."""
    if db.size == 0:
        return np.zeros(0, dtype=bool)
    peak = np.percentile(db, 99)
    threshold = max(floor + 12.0, peak - 45.0)
    loud = db > threshold
    # quiet runs as [start, end) frame ranges; fill the short ones that lie between loud frames
    d = np.diff(np.concatenate([[1], loud.astype(np.int8), [1]]))
    mask = loud.copy()
    for s, e in zip(np.flatnonzero(d == -1), np.flatnonzero(d == 1), strict=True):
        if 0 < s and e < len(loud) and (e - s) * FRAME < MIN_PAUSE:
            mask[s:e] = True
    return mask
