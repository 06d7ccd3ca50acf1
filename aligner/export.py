"""Write a sync map as JSON, WebVTT, SRT, a Podcasting 2.0 transcript or Hyperaudio-style HTML."""

from __future__ import annotations

import datetime as dt
import html
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import srt
import webvtt

from .models import Segment, SyncMap

FORMATS = ("json", "vtt", "srt", "podcast.json", "html")
MEDIA_TYPES = {
    "json": "application/json",
    "vtt": "text/vtt; charset=utf-8",
    "srt": "application/x-subrip; charset=utf-8",
    "podcast.json": "application/json",
    "html": "text/html; charset=utf-8",
}


@dataclass(frozen=True, slots=True)
class Caption:
    """One timed line of a caption file: a sentence of a turn, or a cue."""

    start: float
    end: float
    text: str
    speaker: str | None
    words: tuple[Segment, ...] = ()  # timed words, when the sync map has them


def captions(syncmap: SyncMap) -> Iterator[Caption]:
    """Sentences (or whole turns without sentence times) and cues with a positive duration, in order."""
    for seg in syncmap.segments:
        spk = syncmap.speaker(seg.speaker)
        name = (spk.name or spk.label) if spk else None
        parts: tuple[Segment, ...] = tuple(c for c in seg.children if c.start is not None) or (seg,)
        for part in parts:
            if part.start is not None and part.end is not None and part.end > part.start:
                words = tuple(w for w in part.children if w.start is not None)
                yield Caption(part.start, part.end, part.text, name if seg.kind == "turn" else None, words)


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
        vtt.captions.append(webvtt.Caption(_vtt_time(c.start), _vtt_time(c.end), voice + _vtt_text(c)))
    return vtt.content


def _vtt_text(c: Caption) -> str:
    """The caption's text; with words, each after the first led by its WebVTT timestamp tag (karaoke style)."""
    if not c.words:
        return _escape_vtt(c.text)
    return " ".join(_escape_vtt(w.text) if k == 0 or w.start <= c.start
                    else f"<{_vtt_time(w.start)}>{_escape_vtt(w.text)}" for k, w in enumerate(c.words))


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
    """Podcasting 2.0 JSON: one segment per sentence, or per word when the sync map has words."""
    segments = []
    for c in captions(syncmap):
        for start, end, body in [(w.start, w.end, w.text) for w in c.words] or [(c.start, c.end, c.text)]:
            item = {"startTime": start, "endTime": end, "body": body}
            segments.append({"speaker": c.speaker, **item} if c.speaker else item)
    return json.dumps({"version": "1.0.0", "segments": segments}, ensure_ascii=False, indent=1)


def to_json(syncmap: SyncMap) -> str:
    return json.dumps(syncmap.to_dict(), ensure_ascii=False, indent=1)


def _timing(seg: Segment) -> str:
    """Hyperaudio Lite's ``data-m``/``data-d`` (start and duration in ms) plus seconds as the API gives them."""
    if seg.start is None or seg.end is None:
        return ""
    start, end = round(seg.start * 1000), round(seg.end * 1000)
    return (f' data-m="{start}" data-d="{max(0, end - start)}"'
            f' data-start="{seg.start:.3f}" data-end="{seg.end:.3f}"')


def render_html(syncmap: SyncMap) -> str:
    """An HTML transcript a Hyperaudio-style player can drive: one ``<section>`` per turn or cue, one
    ``<span>`` per sentence (and per word, when timed), each with ``data-m``/``data-d`` (ms) and
    ``data-start``/``data-end`` (s)."""
    esc = html.escape
    title = esc(syncmap.title or "Transcript")
    out = ["<!doctype html>", '<html lang="en">', '<head><meta charset="utf-8">', f"<title>{title}</title></head>",
           "<body>", f'<article class="hyperaudio-transcript" data-duration="{syncmap.duration:.3f}">',
           f"<h1>{title}</h1>"]
    for seg in syncmap.segments:
        if seg.kind != "turn":
            out.append(f'<section class="{esc(seg.kind)}" id="{esc(seg.id)}"{_timing(seg)}>'
                       f'<p><span{_timing(seg)}>{esc(seg.text)}</span></p></section>')
            continue
        spk = syncmap.speaker(seg.speaker)
        name = (spk.name or spk.label) if spk else ""
        spans = " ".join(f'<span id="{esc(c.id)}"{_timing(c)}>{_words_html(c)}</span>' for c in seg.children) \
            or f"<span{_timing(seg)}>{esc(seg.text)}</span>"
        speaker_attr = f' data-speaker="{esc(seg.speaker)}"' if seg.speaker else ""
        out.append(f'<section class="turn" id="{esc(seg.id)}"{speaker_attr}{_timing(seg)}>'
                   + (f'<h2 class="speaker">{esc(name)}</h2>' if name else "") + f"<p>{spans}</p></section>")
    out += ["</article>", "</body>", "</html>", ""]
    return "\n".join(out)


def _words_html(sentence: Segment) -> str:
    """A sentence's text, or its words each in a ``<span>`` with its own timing."""
    if not sentence.children:
        return html.escape(sentence.text)
    return " ".join(f'<span class="word"{_timing(w)}>{html.escape(w.text)}</span>' for w in sentence.children)


_WRITERS: dict[str, Callable[[SyncMap], str]] = {
    "json": to_json,
    "vtt": to_vtt,
    "srt": to_srt,
    "podcast.json": to_podcast_json,
    "html": render_html,
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
