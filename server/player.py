"""The pages: the episode library, the player and its embed, server-rendered from the sync map."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import Blueprint, Response, render_template, send_file

from aligner import export
from aligner.errors import SeeklineError
from aligner.models import Speaker, Transcript, ms
from aligner.transcript import parse_transcript

from . import library, waveform

bp = Blueprint("player", __name__)

#: Flags that describe the content rather than doubt the timing: shown as small tags, not as warnings.
INFO_FLAGS = {
    "intro": "Unlabelled introduction, attributed to the host",
    "archival": "Archival recording",
    "through_interpreter": "Spoken through an interpreter",
    "foreign_language": "Speech in another language",
}
#: Flags that say the timing may be wrong; anything not listed here or above is shown as a warning too.
WARNING_FLAGS = {
    "not_aligned": "No time could be found for this text; it is placed between its neighbours",
    "not_in_audio": "Not heard in the recording (cut from the broadcast?); it is placed where it would have been",
    "rate_outlier": "Much faster or slower than this speaker's usual pace: the timing may be off",
    "overlaps_music": "Music or other sound at its edges: the timing may be off",
    "voice_mismatch": "Sounds like the speaker next to it, not like its own: it may not have been aired here",
    "start_taken": "The line before sounds like this speaker: this one may start later than it should",
    "end_overrun": "Its end runs over speech the transcript does not have (an ident or a promo?)",
    "text_mismatch": "The transcript does not seem to match this recording",
    "low_confidence": "Low confidence: the timing may be off",
    "speaker_uncertain": "The speaker could not be identified for certain",
}
PALETTE_SIZE = 8  # speaker colours defined in player.css as --spk-0 .. --spk-7


@bp.app_template_filter()
def clock(seconds: float | None) -> str:
    """``83.4`` -> ``"1:23"``; hours when needed; ``""`` for ``None``."""
    if seconds is None:
        return ""
    total = int(seconds)
    h, rest = divmod(total, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@bp.app_template_filter()
def secs(seconds: float | None) -> str:
    """Seconds as the API writes them (ms), for ``data-start``/``data-end``; ``""`` for ``None``."""
    value = ms(seconds)
    return "" if value is None else repr(value)


def flag_text(flag: str) -> str:
    """A reader's explanation of one segment flag."""
    return INFO_FLAGS.get(flag) or WARNING_FLAGS.get(flag) or flag.replace("_", " ").capitalize()


def warnings(flags: Iterable[str], confidence: float | None = None) -> str:
    """The tooltip for a segment's timing warnings, or ``""`` when it has none."""
    reasons = [flag_text(f) for f in flags if f not in INFO_FLAGS]
    if reasons and confidence is not None:
        reasons.append(f"confidence {confidence:.2f}")
    return "; ".join(reasons)


def speaker_name(speakers: Sequence[Speaker], speaker_id: str | None) -> str:
    """The name shown above a turn: the full name where the transcript gives one, else its label."""
    speaker = next((s for s in speakers if s.id == speaker_id), None)
    if speaker is None:
        return "Unknown speaker" if speaker_id else ""
    return speaker.name or speaker.label.title()


def speaker_colours(speakers: Sequence[Speaker]) -> dict[str, int]:
    """Each speaker's colour index (0..PALETTE_SIZE-1), in order of appearance."""
    return {s.id: i % PALETTE_SIZE for i, s in enumerate(speakers)}


def _pending_transcript(episode_id: str) -> Transcript | None:
    """The parsed transcript of an episode that is not aligned yet, to show its text while the job runs."""
    try:
        getter = getattr(library, "get_transcript", None)
        if getter is not None:
            found = getter(episode_id)
            return found if isinstance(found, Transcript) else parse_transcript(found)
        item = library.work_item(episode_id)
        return parse_transcript(item.transcript, item.format)
    except (SeeklineError, AttributeError, TypeError, ValueError):
        return None


def _context(episode_id: str) -> dict[str, Any]:
    ep = library.get_episode(episode_id)
    syncmap = library.get_syncmap(episode_id) if ep.aligned else None
    pending = None if syncmap is not None else _pending_transcript(episode_id)
    speakers = syncmap.speakers if syncmap is not None else pending.speakers if pending is not None else ()
    return {
        "episode": ep,
        "syncmap": syncmap,
        "pending": pending,
        "speakers": speakers,
        "colours": speaker_colours(speakers),
        "speaker_name": lambda seg: speaker_name(speakers, seg.speaker),
        "warnings": warnings,
        "info_flags": INFO_FLAGS,
        "export_formats": export.FORMATS,
    }


@bp.get("/")
def index() -> str:
    return render_template("index.html", episodes=library.list_episodes())


@bp.get("/episodes/<episode_id>")
def episode(episode_id: str) -> str:
    return render_template("player.html", **_context(episode_id))


@bp.get("/episodes/<episode_id>/embed")
def embed(episode_id: str) -> str:
    return render_template("embed.html", **_context(episode_id))


@bp.get("/episodes/<episode_id>/peaks.json")
def peaks(episode_id: str) -> Response:
    """The episode's waveform peaks, computed once on first request if alignment did not store them."""
    library.get_episode(episode_id)  # 404 for an unknown id before any path is built
    media = library.media_dir()
    waveform.ensure_stored(media, episode_id, library.audio_path(episode_id))
    return send_file(
        waveform.peaks_path(media, episode_id), mimetype="application/json", conditional=True, max_age=3600
    )
