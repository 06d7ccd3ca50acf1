"""The aeneas adapter: the only module that imports aeneas.

aeneas synthesises the text with eSpeak and aligns it to the audio by DTW over MFCCs (computed here in
numpy, as its C extension computes them).
Its option pipe-strings, ``TimeValue`` and classes stay inside this module; callers pass
:class:`EngineOptions` and get plain ``(start, end)`` floats back.
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .errors import AlignmentError

NAME = "aeneas"


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """How aeneas aligns one run.

    :param language: ISO 639-3 code of the text (aeneas names, e.g. ``eng``).
    :param dtw_margin: half-width of the DTW band, seconds. Memory grows with it.
    :param nonspeech_min: pauses at least this long (s) are cut from fragment ends, so a
        fragment ends where its speech ends; ``None`` keeps aeneas's default (no cut).
    :param head_max: search up to this many seconds for where speech starts; ``None`` off.
    :param frame_step: seconds between MFCC frames (aeneas's window shift); a coarse pass over
        hours of audio uses a larger step, which shrinks the DTW matrix by its square.
    :param mean_normalised: compare the cepstra of each side less their mean over its louder frames (see
        :func:`mean_normalised`), not as they are: a recording's channel then weighs nothing against eSpeak's.
    """

    language: str = "eng"
    dtw_margin: float = 30.0
    nonspeech_min: float | None = 0.3
    head_max: float | None = None
    frame_step: float = 0.040
    mean_normalised: bool = False


@dataclass(frozen=True, slots=True)
class Rendering:
    """eSpeak's rendering of some texts, in order, in one WAV: each text's ``(start, end)`` in it, seconds.

    A recording's text is synthesised once, while its audio is decoded, for the story locator, the coarse
    pass and the transcript match (the last two join it by turns).
    """

    wav: Path
    spans: tuple[tuple[float, float], ...]
    #: the WAV's MFCCs taken ahead (see :func:`with_mfcc`), at each of some frame steps: ``(frame_step, frames)``
    mfccs: tuple[tuple[float, np.ndarray], ...] = ()

    def joined(self, sizes: Sequence[int]) -> Rendering:
        """The same audio, with each run of ``sizes[k]`` consecutive texts as one text."""
        ends = np.cumsum(sizes).tolist()
        return replace(self, spans=tuple((self.spans[e - n][0], self.spans[e - 1][1])
                                         for n, e in zip(sizes, ends, strict=True)))

    def mfcc(self, step: float) -> np.ndarray | None:
        """The MFCCs taken ahead at frame ``step``, if they were."""
        return next((frames for at, frames in self.mfccs if at == step), None)


def with_mfcc(rendering: Rendering, options: EngineOptions) -> Rendering:
    """``rendering`` with its MFCCs at ``options``' frame step taken now, so that aligning it at that step does not
    wait for them (a long recording takes them while its audio still decodes)."""
    step = options.frame_step
    frames = mfcc(rendering.wav, step=step, window=_frame_window(options))
    return replace(rendering, mfccs=(*rendering.mfccs, (step, frames)))


def render(texts: Sequence[str], out_wav: str | os.PathLike[str], language: str = "eng") -> Rendering:
    """:func:`synthesize` ``texts`` into ``out_wav`` as 16 kHz mono, kept for aligning them later.

    It is decoded to the rate its MFCCs are taken at here, so aligning it later does not wait for that.
    """
    out = Path(out_wav)
    spoken = out.with_name(f"espeak-{out.name}")
    spans = tuple(synthesize(texts, spoken, language))
    try:
        _to_16k(str(spoken), str(out), _wav_format(str(spoken)))
    finally:
        spoken.unlink(missing_ok=True)
    return Rendering(out, spans)


def _task_config(options: EngineOptions) -> str:
    parts = [
        f"task_language={options.language}",
        "is_text_type=plain",
        "os_task_file_format=json",
    ]
    if options.nonspeech_min is not None:
        parts += [
            f"task_adjust_boundary_nonspeech_min={options.nonspeech_min:.3f}",
            "task_adjust_boundary_nonspeech_string=REMOVE",
        ]
    if options.head_max is not None:
        parts.append(f"is_audio_file_detect_head_max={options.head_max:.3f}")
    return "|".join(parts)


def _frame_window(options: EngineOptions) -> float:
    return max(0.100, 2.5 * options.frame_step)


def mean_normalised(frames: np.ndarray) -> np.ndarray:
    """MFCCs ``(frames, 13)`` with c1-c12 less their mean over the frames whose c0 (log energy) is above its
    LOUD_PERCENTILE: the mean of the sounds, not of the pauses between them, which is noise in a recording and
    nothing in eSpeak's."""
    loud = frames[:, 0] >= np.percentile(frames[:, 0], LOUD_PERCENTILE)
    out = frames.copy()
    out[:, 1:] -= frames[loud, 1:].mean(axis=0)
    return out


def _tts_settings(tmp_dir: str) -> list[str]:
    # A second in-process eSpeak call hangs forever; running eSpeak in a subprocess of *this*
    # interpreter (the one with aeneas installed) avoids it. tts=espeak is the C extension.
    return [
        "tts=espeak",
        "cew_subprocess_enabled=True",
        f"cew_subprocess_path={sys.executable}",
        f"tmp_path={tmp_dir}",
    ]


def _runtime_config(options: EngineOptions, tmp_dir: str) -> str:
    return "|".join([
        *_tts_settings(tmp_dir),
        f"dtw_margin={options.dtw_margin:.3f}",
        f"mfcc_window_shift={options.frame_step:.3f}",
        f"mfcc_window_length={_frame_window(options):.3f}",
    ])


def _to_16k(path: str, out: str, file_format: tuple[str, int, int] | None) -> None:
    """Decode eSpeak's WAV at ``path`` to 16 kHz mono at ``out``; a known ``file_format`` is not probed again."""
    from .audio import AudioInfo, decode

    known = AudioInfo(path=path, duration=0.0, codec=file_format[0], sample_rate=file_format[2],
                      channels=file_format[1], format_name="wav", demuxer="wav") if file_format else None
    decode(path, out, known)


def _wav_format(path: str) -> tuple[str, int, int] | None:
    """aeneas's ``(codec, channels, rate)`` of a 16-bit PCM WAV, from its header; ``None`` for anything else."""
    try:
        with wave.open(path, "rb") as w:
            return ("pcm_s16le", w.getnchannels(), w.getframerate()) if w.getsampwidth() == 2 else None
    except (OSError, EOFError, wave.Error):
        return None


@functools.cache
def _quiet_logger_class() -> type:
    """aeneas's logger, keeping nothing: aeneas logs ~18,000 unread lines aligning an hour's turns."""
    import datetime

    from aeneas.logger import Logger

    class QuietLogger(Logger):
        def log(self, message: object, severity: str = Logger.INFO, tag: str = "") -> datetime.datetime:
            return datetime.datetime.now()

    return QuietLogger


@functools.cache
def _wav_task_class() -> type:
    """aeneas's Task, reading a WAV's length from its header: stock aeneas runs ffprobe on it."""
    from aeneas.audiofile import AudioFile
    from aeneas.exacttiming import TimeValue
    from aeneas.task import Task

    class WavTask(Task):
        def _populate_audio_file(self) -> None:
            path = self.audio_file_path_absolute
            known = _wav_format(path) if path else None
            if known is None:
                return super()._populate_audio_file()
            with wave.open(path, "rb") as w:
                seconds = w.getnframes() / w.getframerate()
            self.audio_file = AudioFile(file_path=path, logger=self.logger)
            self.audio_file.audio_length = TimeValue(f"{seconds:.3f}")
            self.audio_file.audio_format, self.audio_file.audio_channels, self.audio_file.audio_sample_rate = known
            return None

    return WavTask


@functools.cache
def _streaming_task_class() -> type:
    """aeneas's ExecuteTask, but MFCCs are computed block by block from a 16 kHz WAV on disk.

    Stock aeneas converts every input with ffmpeg again and holds all its samples as float64 in RAM
    (1.4 GB for 3 hours, the same again for the synthesised speech); this keeps only the MFCCs.
    """
    import aeneas.globalfunctions as gf
    from aeneas.audiofilemfcc import AudioFileMFCC
    from aeneas.exacttiming import TimeValue
    from aeneas.executetask import ExecuteTask

    from .audio import SAMPLE_RATE

    class StreamingExecuteTask(ExecuteTask):
        rendering: Rendering  # the texts, already synthesised
        rendering_copy: str | None = None  # where aeneas was given it
        audio_mfcc: np.ndarray | None = None  # the recording's MFCCs, if taken ahead
        normalised: bool = False  # both sides' MFCCs mean-normalised (EngineOptions.mean_normalised)

        def _synthesize(self, text_file):  # noqa: ANN001, ANN202
            handler, path = gf.tmp_file(suffix=".wav", root=self.rconf["tmp_path"])
            shutil.copyfile(self.rendering.wav, path)  # aeneas deletes it once read
            self.rendering_copy = path
            audio_format = _wav_format(path)
            anchors = [[TimeValue(f"{a:.3f}"), f.identifier, f.text]
                       for (a, _), f in zip(self.rendering.spans, text_file.fragments, strict=True)]
            return handler, path, anchors, audio_format

        def _extract_mfcc(self, file_path=None, file_format=None, audio_file=None):  # noqa: ANN001, ANN202
            if file_path is None or self.rconf.mmn:
                return super()._extract_mfcc(file_path, file_format, audio_file)
            step, window = float(self.rconf.mws), float(self.rconf.mwl)
            taken = self.rendering.mfcc(step) if file_path == self.rendering_copy else self.audio_mfcc
            if taken is not None:
                matrix = taken
            else:
                matrix = self._mfcc(file_path, file_format or _wav_format(file_path), step, window)
            if self.normalised:
                matrix = mean_normalised(matrix)
            return AudioFileMFCC(mfcc_matrix=np.ascontiguousarray(matrix.T.astype(np.float64)), rconf=self.rconf,
                                 logger=self.logger)

        def _mfcc(self, path: str, file_format: tuple[str, int, int] | None, step: float,
                  window: float) -> np.ndarray:
            if file_format == ("pcm_s16le", 1, SAMPLE_RATE):
                return mfcc(path, step=step, window=window)
            source = os.path.join(self.rconf["tmp_path"], f"mfcc-{os.getpid()}-{id(self)}.wav")  # eSpeak's own WAV
            _to_16k(path, source, file_format)
            try:
                return mfcc(source, step=step, window=window)
            finally:
                os.remove(source)

    return StreamingExecuteTask


def align_fragments(
    wav_path: str | os.PathLike[str],
    texts: Sequence[str],
    options: EngineOptions | None = None,
    rendering: Rendering | None = None,
    audio_mfcc: np.ndarray | None = None,
) -> list[tuple[float, float]]:
    """Align ``texts`` (in order, each non-empty) to the audio; one ``(start, end)`` per text.

    :param rendering: ``texts`` already synthesised (see :func:`render`); by default they are synthesised here.
    :param audio_mfcc: the audio's MFCCs at ``options``' frame step, if already taken (:func:`mfcc`).

    :raises AlignmentError: when aeneas fails, with its message.
    """
    from aeneas.runtimeconfiguration import RuntimeConfiguration
    from aeneas.textfile import TextFile, TextFragment

    options = options or EngineOptions()
    if not texts:
        return []
    if any(not t.strip() for t in texts):
        raise AlignmentError("internal: an empty text fragment reached the aligner")
    with tempfile.TemporaryDirectory(prefix="seekline-aeneas-") as tmp:
        if rendering is None:
            rendering = render(texts, Path(tmp) / "tts.wav", options.language)
        quiet = _quiet_logger_class()()
        task = _wav_task_class()(_task_config(options), logger=quiet)
        task.audio_file_path_absolute = os.path.abspath(os.fspath(wav_path))
        text_file = TextFile()
        for i, text in enumerate(texts):
            text_file.add_fragment(
                TextFragment(identifier=f"f{i:06d}", language=options.language, lines=[text], filtered_lines=[text])
            )
        task.text_file = text_file
        if len(rendering.spans) != len(texts):
            raise AlignmentError("internal: the rendering is not of these texts")
        try:
            executor = _streaming_task_class()(task, rconf=RuntimeConfiguration(_runtime_config(options, tmp)),
                                               logger=quiet)
            executor.rendering, executor.audio_mfcc = rendering, audio_mfcc
            executor.normalised = options.mean_normalised
            executor.execute()
        except Exception as e:  # aeneas raises many unrelated types
            raise AlignmentError(f"aeneas could not align this audio and text: {e}") from e
        by_id = {
            leaf.identifier: (float(leaf.begin), float(leaf.end))
            for leaf in task.sync_map_leaves()
            if leaf.identifier and leaf.identifier.startswith("f")
        }
    try:
        return [by_id[f"f{i:06d}"] for i in range(len(texts))]
    except KeyError as e:
        raise AlignmentError(f"aeneas returned no time for fragment {e}") from e


def synthesize(
    texts: Sequence[str], out_wav: str | os.PathLike[str], language: str = "eng",
) -> list[tuple[float, float]]:
    """Speak ``texts`` in order with aeneas's eSpeak into one WAV; each text's ``(start, end)`` in it.

    :raises AlignmentError: when the TTS fails.
    """
    from aeneas.runtimeconfiguration import RuntimeConfiguration
    from aeneas.synthesizer import Synthesizer
    from aeneas.textfile import TextFile, TextFragment

    if not texts:
        return []
    if any(not t.strip() for t in texts):
        raise AlignmentError("internal: an empty text fragment reached the synthesizer")
    with tempfile.TemporaryDirectory(prefix="seekline-tts-") as tmp:
        text_file = TextFile()
        for i, text in enumerate(texts):
            text_file.add_fragment(
                TextFragment(identifier=f"f{i:06d}", language=language, lines=[text], filtered_lines=[text])
            )
        try:
            synth = Synthesizer(rconf=RuntimeConfiguration("|".join(_tts_settings(tmp))))
            anchors, total, _chars = synth.synthesize(text_file, os.fspath(out_wav))
        except Exception as e:  # aeneas raises many unrelated types
            raise AlignmentError(f"eSpeak could not speak this text: {e}") from e
    # eSpeak reports where each text ends in whole milliseconds, and aeneas adds these up: its anchors fall
    # behind the audio by about half a millisecond a text (0.17 s over 359 sentences, measured), seconds over
    # hours. The shortfall is spread evenly over the texts.
    with wave.open(os.fspath(out_wav), "rb") as w:
        length = w.getnframes() / w.getframerate()
    lag = (length - float(total)) / len(anchors)
    starts = [float(a[0]) + k * lag for k, a in enumerate(anchors)]
    return list(zip(starts, starts[1:] + [length], strict=True))


MFCC_STEP = 0.040  # seconds between MFCC frames (aeneas's default window shift)
LOUD_PERCENTILE = 30.0  # see mean_normalised
_MFCC_WINDOW = 0.100  # seconds per MFCC window (aeneas's default)


def mfcc(
    source: str | os.PathLike[str] | np.ndarray, block_seconds: float = 60.0, *,
    step: float = MFCC_STEP, window: float = _MFCC_WINDOW,
) -> np.ndarray:
    """aeneas's MFCCs of a mono 16-bit WAV (or of its int16 samples at 16 kHz), ``(frames, 13)`` float32 every
    ``step`` seconds, block by block.

    Memory stays bounded by one block of samples, however long the recording.
    """
    if isinstance(source, np.ndarray):
        from .audio import SAMPLE_RATE

        return _mfcc_blocks(lambda at, n: source[at:at + n], SAMPLE_RATE, block_seconds, step, window)
    with wave.open(os.fspath(source), "rb") as w:
        if w.getnchannels() != 1 or w.getsampwidth() != 2:
            raise AlignmentError(f"{source} is not mono 16-bit")
        return _mfcc_blocks(lambda _at, n: np.frombuffer(w.readframes(n), dtype="<i2"), w.getframerate(),
                            block_seconds, step, window)


def _mfcc_blocks(read: Callable[[int, int], np.ndarray], rate: int, block_seconds: float, step: float,
                 window: float) -> np.ndarray:
    """:func:`mfcc` of the samples ``read(at, n)`` gives, ``n`` at a time from sample ``at``, until it gives none."""
    out: list[np.ndarray] = []
    shift = int(step * rate)
    block = max(1, int(block_seconds / step)) * shift
    context = int(window * rate)
    pending = np.zeros(0, dtype=np.float64)
    at = 0
    while True:
        raw = read(at, block + context - len(pending))
        at += len(raw)
        x = np.concatenate([pending, raw / 32768.0])
        if not len(raw):
            if len(x) >= shift:  # the tail: frames for what is left, as aeneas would
                out.append(_cmfcc(x, rate, step, window)[: len(x) // shift])
            break
        if len(x) < block + context:
            pending = x
            continue
        out.append(_cmfcc(x, rate, step, window)[: block // shift])
        pending = x[block:]
    return np.concatenate(out or [_cmfcc(pending, rate, step, window)]).astype(np.float32)


def _cmfcc(x: np.ndarray, rate: int, step: float, window: float) -> np.ndarray:
    """aeneas's MFCCs of the samples ``x`` as its C extension computes them (``cmfcc.compute_from_data``), in numpy:
    equal to within 1e-14 (measured) and about twice as fast.

    A frame every ``step`` is pre-emphasised (its first sample against the previous frame's last, 0 for the first
    frame) and Hamming-windowed over ``window`` seconds, but aeneas transforms only its first FFT-order samples;
    then the power spectrum, the mel filter bank, the log (of at least 1e-5) and the DCT.
    """
    length, shift = int(np.floor(window * rate)), int(np.floor(step * rate))
    hamming, emphasis, filters, dct = _mfcc_setup(rate, length)
    order = 2 * (filters.shape[0] - 1)
    count = len(x) // shift
    used = len(hamming)  # samples of a frame the transform sees
    padded = np.concatenate([x, np.zeros(length + order)])
    frames = np.lib.stride_tricks.as_strided(padded, (count, used), (shift * padded.itemsize, padded.itemsize))
    prior = np.zeros(count)
    prior[1:] = padded[np.arange(count - 1) * shift + length - 1]
    emphasised = frames.copy()
    emphasised[:, 1:] -= emphasis * frames[:, :-1]
    emphasised[:, 0] -= emphasis * prior
    spectrum = np.fft.rfft(emphasised * hamming, n=order, axis=1)
    power = spectrum.real ** 2 + spectrum.imag ** 2
    return np.log(np.maximum(power @ filters, 1e-5)) @ dct


@functools.cache
def _mfcc_setup(rate: int, length: int) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """For :func:`_cmfcc`, as aeneas sets them up: the first FFT-order values of its Hamming window of ``length``,
    its pre-emphasis factor, its mel filter bank ``(bins, filters)`` and its DCT matrix ``(filters, coefficients)``,
    divided by the number of filters."""
    from aeneas.runtimeconfiguration import RuntimeConfiguration as RC

    rc = RC()
    count, size, order = rc[RC.MFCC_FILTERS], rc[RC.MFCC_SIZE], rc[RC.MFCC_FFT_ORDER]
    hamming = 0.54 - 0.46 * np.cos(2 * np.pi / (length - 1) * np.arange(min(length, order)))

    def mel(hz: float) -> float:
        return 2595.0 * np.log10(1.0 + hz / 700.0)

    bin_hz = rate / order
    low, high = mel(rc[RC.MFCC_LOWER_FREQUENCY]), mel(rc[RC.MFCC_UPPER_FREQUENCY])
    edges = 700.0 * (10.0 ** ((low + (high - low) / (count + 1) * np.arange(count + 2)) / 2595.0) - 1.0)
    bins = np.floor(edges / bin_hz + 0.5).astype(np.int64)
    filters = np.zeros((order // 2 + 1, count))
    wrap = 2.0 ** 32  # aeneas subtracts bins as unsigned 32-bit ints: on a falling edge they wrap (kept as is)
    for k, (left, centre, right) in enumerate(zip(bins, bins[1:], bins[2:], strict=False)):
        height = 2.0 / ((right - left) * bin_hz)
        if centre != left:
            filters[left + 1:centre, k] = (np.arange(left + 1, centre) - left) * (height / (centre - left))
        filters[centre, k] = height
        if centre != right:
            falling = np.arange(centre + 1, right) - right + wrap
            filters[centre + 1:right, k] = falling * (height / (centre - right + wrap))
    dct = np.cos(np.pi * np.arange(size)[:, None] / count * (0.5 + np.arange(count)[None, :]))
    dct[:, 0] *= 0.5  # sic: aeneas halves the first filter's column, not the first coefficient's row
    return hamming, rc[RC.MFCC_EMPHASIS_FACTOR], filters, dct.T / count
