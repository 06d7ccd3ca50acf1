"""The bundled demo episode: imported into the library on first start, aligned if its sync map is missing."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from aligner.errors import SeeklineError

from . import library

ORIGIN = "demo"
AUDIO_NAME = "demo.mp3"
TRANSCRIPT_NAME = "transcript.txt"


def ensure_demo(app: Flask) -> library.Episode | None:
    """Import the demo from ``DEMO_DIR`` if absent or changed, and align it if it has no sync map.

    Returns the demo episode, or ``None`` when the demo files are missing or cannot be imported
    (logged; the server still starts).
    """
    demo_dir = Path(app.config["DEMO_DIR"])
    audio, text_path = demo_dir / AUDIO_NAME, demo_dir / TRANSCRIPT_NAME
    if not (audio.is_file() and text_path.is_file()):
        app.logger.warning(
            "No demo episode in %s (need %s and %s); serving without it.",
            demo_dir,
            AUDIO_NAME,
            TRANSCRIPT_NAME,
        )
        return None
    with app.app_context():
        try:
            text = text_path.read_text(encoding="utf-8")
            episode = library.find_episode(origin=ORIGIN)
            if episode is not None and library.episode_input_hash(episode.id) != library.input_hash(
                audio, text
            ):
                app.logger.warning("The demo files changed; importing them again.")
                library.delete_episode(episode.id)
                episode = None
            if episode is None:
                episode = library.add_episode(audio, text, origin=ORIGIN)
                app.logger.info("Imported the demo episode as %s.", episode.id)
            if not episode.aligned:
                app.logger.info("Aligning the demo episode %s (first start only)...", episode.id)
                episode = library.align_episode(episode.id)
                app.logger.info("The demo episode is aligned.")
        except (SeeklineError, OSError, UnicodeDecodeError) as e:
            app.logger.error("Could not set up the demo episode: %s", getattr(e, "message", e))
            return None
    return episode
