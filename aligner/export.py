"""Write a sync map as JSON, WebVTT, SRT or a Podcasting 2.0 transcript."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import srt
import webvtt

from .models import Segment, SyncMap

FORMATS = ("json", "vtt", "srt", "podcast.json")
MEDIA_TYPES = {
    "json": "application/json",
    "vtt": "text/vtt; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "podcast.json": "application/json",
}


@dataclass(frozen=True, slots=True)
class Caption:
    """One timed line of a caption file: a sentence of a turn, or a cue."""

    start: float
    end: float
    text: str
    speaker: str | None


def captions(syncmap: SyncMap) -> Iterator[Caption]:
    """Sentences (or whole turns without sentence times) and cues with a positive duration, in order."""
    for seg in syncmap.segments:
        spk = syncmap.speaker(seg.speaker)
        name = (spk.name or spk.label) if spk else None
        parts: tuple[Segment, ...] = tuple(c for c in seg.children if c.start is not None) or (seg,)
        for part in parts:
            if part.start is not None and part.end is not None and part.end > part.start:
                yield Caption(part.start, part.end, part.text, name if seg.kind == "turn" else None)


def _vtt_time(seconds: float) -> str:
    ms_total = round(seconds * 1000)
    h, rest = divmod(ms_total, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, milli = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{milli:03d}"


def _escape_vtt(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("-->", "--&gt;")


def to_vtt(syncmap: SyncMap) -> str:
    vtt = webvtt.WebVTT()
    for c in captions(syncmap):
        voice = f"<v {_escape_vtt(c.speaker)}>" if c.speaker else ""
        vtt.captions.append(webvtt.Caption(_vtt_time(c.start), _vtt_time(c.end), voice + _escape_vtt(c.text)))
    return vtt.content


def to_srt(syncmap: SyncMap) -> str:
    subs = [
        srt.Subtitle(
            index=i,
            start=dt.timedelta(seconds=c.start),
            end=dt.timedelta(seconds=c.end),
            content=f"{c.speaker}: {c.text}" if c.speaker else c.text,
        )
        for i, c in enumerate(captions(syncmap), start=1)
    ]
    return srt.compose(subs)


def to_podcast_json(syncmap: SyncMap) -> str:
    segments = []
    for c in captions(syncmap):
        item = {"startTime": c.start, "endTime": c.end, "body": c.text}
        if c.speaker:
            item = {"speaker": c.speaker, **item}
        segments.append(item)
    return json.dumps({"version": "1.0.0", "segments": segments}, ensure_ascii=False, indent=1)


def to_json(syncmap: SyncMap) -> str:
    return json.dumps(syncmap.to_dict(), ensure_ascii=False, indent=1)


_WRITERS: dict[str, Callable[[SyncMap], str]] = {
    "json": to_json,
    "vtt": to_vtt,
    "srt": to_srt,
    "podcast.json": to_podcast_json,
}


def render(syncmap: SyncMap, fmt: str) -> str:
    """The sync map as text in ``fmt`` (one of :data:`FORMATS`).

    :raises ValueError: for an unknown format.
    """
    try:
        writer = _WRITERS[fmt]
    except KeyError:
        raise ValueError(f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}") from None
    return writer(syncmap)
