"""The aeneas adapter: the only module that imports aeneas.

aeneas synthesises the text with eSpeak and aligns it to the audio by DTW over MFCCs.
Its option pipe-strings, ``TimeValue`` and classes stay inside this module; callers pass
:class:`EngineOptions` and get plain ``(start, end)`` floats back.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass

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
    """

    language: str = "eng"
    dtw_margin: float = 60.0
    nonspeech_min: float | None = 0.3
    head_max: float | None = None


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


def _runtime_config(options: EngineOptions, tmp_dir: str) -> str:
    # A second in-process eSpeak call hangs forever; running eSpeak in a subprocess of *this*
    # interpreter (the one with aeneas installed) avoids it. tts=espeak is the C extension.
    return "|".join([
        "tts=espeak",
        "cew_subprocess_enabled=True",
        f"cew_subprocess_path={sys.executable}",
        f"dtw_margin={options.dtw_margin:.3f}",
        f"tmp_path={tmp_dir}",
    ])


def align_fragments(
    wav_path: str | os.PathLike[str],
    texts: Sequence[str],
    options: EngineOptions | None = None,
) -> list[tuple[float, float]]:
    """Align ``texts`` (in order, each non-empty) to the audio; one ``(start, end)`` per text.

    :raises AlignmentError: when aeneas fails, with its message.
    """
    from aeneas.executetask import ExecuteTask
    from aeneas.runtimeconfiguration import RuntimeConfiguration
    from aeneas.task import Task
    from aeneas.textfile import TextFile, TextFragment

    options = options or EngineOptions()
    if not texts:
        return []
    if any(not t.strip() for t in texts):
        raise AlignmentError("internal: an empty text fragment reached the aligner")
    with tempfile.TemporaryDirectory(prefix="seekline-aeneas-") as tmp:
        task = Task(_task_config(options))
        task.audio_file_path_absolute = os.path.abspath(os.fspath(wav_path))
        text_file = TextFile()
        for i, text in enumerate(texts):
            text_file.add_fragment(
                TextFragment(identifier=f"f{i:06d}", language=options.language, lines=[text], filtered_lines=[text])
            )
        task.text_file = text_file
        try:
            ExecuteTask(task, rconf=RuntimeConfiguration(_runtime_config(options, tmp))).execute()
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
