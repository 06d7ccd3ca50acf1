"""The ``seekline`` command line: the aligner's commands plus the server's."""

from __future__ import annotations

import click

from aligner.cli import main, reports_errors


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--no-demo", is_flag=True, help="Do not import and align the bundled demo episode.")
@reports_errors
def serve(host: str, port: int, no_demo: bool) -> None:
    """Start the Seekline server (with the demo episode, aligned on first start)."""
    from . import create_app
    from .demo import ensure_demo

    app = create_app()
    if not no_demo:
        ensure_demo(app)
    click.echo(f"Seekline is running at http://{host}:{port}/", err=True)
    app.run(host=host, port=port, threaded=True)


__all__ = ["main"]
