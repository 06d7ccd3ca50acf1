"""Plain aeneas at its defaults, the speed bench's baseline: one fragment per line of a text file.

    .venv/bin/python bench/plain_aeneas.py AUDIO.wav SENTENCES.txt [OUT.json]
"""

from __future__ import annotations

import sys

from aeneas.executetask import ExecuteTask
from aeneas.runtimeconfiguration import RuntimeConfiguration
from aeneas.syncmap.fragment import SyncMapFragment
from aeneas.task import Task


def run(wav: str, sentences: str, out: str | None = None) -> int:
    """Align the lines of ``sentences`` to ``wav``; return how many fragments aeneas timed."""
    task = Task("task_language=eng|is_text_type=plain|os_task_file_format=json")
    task.audio_file_path_absolute = wav
    task.text_file_path_absolute = sentences
    # Only departure from the defaults: eSpeak in a subprocess, as Seekline's engine runs it.
    rconf = RuntimeConfiguration(f"cew_subprocess_enabled=True|cew_subprocess_path={sys.executable}")
    ExecuteTask(task, rconf=rconf).execute()
    if out:
        task.sync_map_file_path_absolute = out
        task.output_sync_map_file()
    return len(task.sync_map_leaves(SyncMapFragment.REGULAR))


if __name__ == "__main__":
    print(run(*sys.argv[1:4]))
