"""The aligner's commands of the ``seekline`` command line: parse and align (server/cli.py adds the rest)."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from . import export
from .errors import SeeklineError
from .models import LEVELS

F = TypeVar("F", bound=Callable[..., Any])


def reports_errors(func: F) -> F:
    """Turn a SeeklineError into one line on stderr and the error's exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SeeklineError as e:
            click.echo(f"Error: {e.message}", err=True)
            sys.exit(e.exit_code)

    return wrapper  # type: ignore[return-value]


def _transcript_formats() -> list[str]:
    from .transcript import FORMATS

    return list(FORMATS)


@click.group()
@click.version_option(package_name="seekline")
def main() -> None:
    """Seekline: audio-aligned transcripts for radio."""


@main.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", default=None, help="Force a transcript format instead of detecting it.")
@reports_errors
def parse(file: Path, fmt: str | None) -> None:
    """Parse a transcript FILE and print its turns, speakers and dropped lines as JSON."""
    from .transcript import load_transcript

    click.echo(json.dumps(load_transcript(file, format=fmt).to_dict(), ensure_ascii=False, indent=1))


level_option = click.option("--level", type=click.Choice(LEVELS), default="sentence", show_default=True,
                            help="Finest level timed: sentences, or also the words of each sentence.")


@main.command()
@click.argument("audio", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("transcript", type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write the sync map ('-' for stdout).")
@click.option("--format", "fmt", type=click.Choice(export.FORMATS), default="json", show_default=True,
              help="Output format.")
@click.option("--transcript-format", default=None, help="Force a transcript format instead of detecting it.")
@click.option("--language", default="eng", show_default=True, help="Language of the text (ISO 639-3).")
@level_option
@reports_errors
def align(audio: Path, transcript: Path, output: Path, fmt: str, transcript_format: str | None,
          language: str, level: str) -> None:
    """Align TRANSCRIPT to AUDIO and write the sync map."""
    from .engine import EngineOptions
    from .pipeline import align as run_align
    from .transcript import load_transcript

    parsed = load_transcript(transcript, format=transcript_format)
    with click.progressbar(length=100, label="Aligning", file=sys.stderr, hidden=not sys.stderr.isatty()) as bar:
        spans = {"probe": (0, 5), "decode": (5, 10), "analyse": (10, 25), "align": (25, 100), "done": (100, 100)}

        def progress(stage: str, fraction: float) -> None:
            lo, hi = spans.get(stage, (bar.pos, bar.pos))
            bar.update(max(0, int(lo + fraction * (hi - lo)) - bar.pos))

        syncmap = run_align(audio, parsed, options=EngineOptions(language=language), progress=progress, level=level)
    text = export.render(syncmap, fmt)
    if str(output) == "-":
        click.echo(text)
    else:
        output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        turns = sum(1 for s in syncmap.segments if s.kind == "turn")
        click.echo(f"Wrote {turns} turns to {output}", err=True)
