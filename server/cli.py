"""The ``seekline`` command line: the aligner's commands plus the server's (serve, import, jobs, worker, export)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from flask import Flask

from aligner import export as exporter
from aligner.cli import level_option, main, reports_errors
from aligner.errors import JobError


def _app() -> Flask:
    from . import create_app

    return create_app()


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", type=int, default=None, help="Embedded worker threads [default: SEEKLINE_WORKERS].")
@click.option("--no-demo", is_flag=True, help="Do not import and align the bundled demo episode.")
@reports_errors
def serve(host: str, port: int, workers: int | None, no_demo: bool) -> None:
    """Start the Seekline server, with its alignment workers (and the demo episode, aligned on first start)."""
    from .demo import ensure_demo
    from .worker import start_pool

    app = _app()
    if not no_demo:
        ensure_demo(app)  # before the workers start, so the demo's job is run here, once
    start_pool(app, app.config["WORKERS"] if workers is None else workers)
    click.echo(f"Seekline is running at http://{host}:{port}/", err=True)
    app.run(host=host, port=port, threaded=True)


@main.command(name="import")
@click.argument("audio", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("transcript", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--title", default=None, help="Episode title [default: from the transcript].")
@click.option("--language", default="eng", show_default=True, help="Language of the text (ISO 639-3).")
@level_option
@click.option("--format", "fmt", default=None, help="Force a transcript format instead of detecting it.")
@click.option("--wait/--no-wait", default=True, show_default=True,
              help="Show the job's progress until it ends (aligning here when no worker takes it).")
@reports_errors
def import_(audio: Path, transcript: Path, title: str | None, language: str, level: str, fmt: str | None,
            wait: bool) -> None:
    """Add AUDIO and TRANSCRIPT to the library and queue (and follow) their alignment job."""
    from . import library
    from .db import database
    from .worker import run_job, worker_id

    app = _app()
    with app.app_context():
        ep = library.add_episode(audio, transcript.read_bytes(), title, language=language, level=level, format=fmt)
    click.echo(f"Added episode {ep.id} ({ep.title}); job {ep.job.id if ep.job else '-'} queued", err=True)
    if not wait or ep.job is None:
        click.echo(ep.id)
        return
    from . import jobs

    db = database(app)
    standalone = not app.config.get("BROKER_URL")
    with click.progressbar(length=100, label="Aligning", file=sys.stderr) as bar:
        while True:
            if standalone:  # nobody else runs jobs: do it here, through the same claim-and-run code
                run_job(app, ep.job.id, worker_id=worker_id("cli"))
            job = jobs.get(db, ep.job.id)
            if job is None:
                raise JobError(f"job {ep.job.id} disappeared (the episode was deleted)")
            bar.update(max(0, int(job.percent) - bar.pos))
            if job.state in ("succeeded", "failed"):
                break
            time.sleep(0.5)
    if job.state == "failed":
        raise JobError(f"alignment of episode {ep.id} failed: {job.error}")
    click.echo(ep.id)


@main.command()
@click.option("--state", type=click.Choice(["queued", "running", "succeeded", "failed"]), default=None)
@click.option("--limit", default=50, show_default=True, type=int)
def jobs(state: str | None, limit: int) -> None:
    """List jobs, newest first."""
    from . import jobs as jobs_
    from .db import database

    rows = jobs_.listing(database(_app()), state, limit)
    click.echo(f"{'JOB':12}  {'EPISODE':12}  {'STATE':9}  {'STAGE':9}  {'%':>5}  {'TRIES':>5}  ERROR")
    for j in rows:
        click.echo(f"{j.id:12}  {j.episode_id:12}  {j.state:9}  {(j.stage or ''):9}  {j.percent:5.1f}  "
                   f"{j.attempts:5d}  {j.error or ''}")


@main.command(context_settings={"ignore_unknown_options": True})
@click.option("--concurrency", "-c", default=1, show_default=True, type=int, help="Jobs run at once.")
@click.option("--pool", default="prefork", show_default=True, type=click.Choice(["prefork", "solo", "threads"]))
@click.option("--loglevel", "-l", default="INFO", show_default=True)
@reports_errors
def worker(concurrency: int, pool: str, loglevel: str) -> None:
    """Run a Celery worker that aligns the jobs sent through SEEKLINE_BROKER_URL (Redis)."""
    from . import tasks

    app = _app()
    url = app.config.get("BROKER_URL")
    if not url:
        raise JobError("set SEEKLINE_BROKER_URL (such as redis://localhost:6379/0) to run a worker")
    tasks.configure(url)
    reaper = tasks.Reaper(app, max(1.0, float(app.config["POLL_SECONDS"])))
    reaper.start()
    tasks.celery.worker_main(["worker", f"--concurrency={concurrency}", f"--pool={pool}",
                              f"--loglevel={loglevel}", f"--queues={tasks.QUEUE}", "--without-gossip",
                              "--without-mingle", "--without-heartbeat"])


@main.command(name="export")
@click.argument("episode_id")
@click.option("--format", "fmt", type=click.Choice(exporter.FORMATS), default="vtt", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write [default: stdout].")
@reports_errors
def export_(episode_id: str, fmt: str, output: Path | None) -> None:
    """Write an episode's sync map as json, vtt, srt, podcast.json or html."""
    from . import library

    with _app().app_context():
        text = exporter.render(library.get_syncmap(episode_id), fmt)
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {output}", err=True)


__all__ = ["main"]

if __name__ == "__main__":
    main()
