"""The pages as HTML (Flask test client) and the waveform peaks; browser tests: test_player_browser.py."""

from __future__ import annotations

import dataclasses
import json
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import Show
from flask import Flask
from flask.testing import FlaskClient

from aligner.errors import AudioError
from server import library, waveform
from server.player import clock, flag_text, secs, warnings


class Elements(HTMLParser):
    """Collects every element's tag and attributes, in document order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Elements()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("seconds, shown", [(None, ""), (0, "0:00"), (83.4, "1:23"), (3725.9, "1:02:05")])
def test_clock_shows_minutes_and_seconds(seconds: float | None, shown: str) -> None:
    assert clock(seconds) == shown


@pytest.mark.parametrize("seconds, shown", [(None, ""), (0, "0.0"), (5.6974, "5.697"), (17.41, "17.41")])
def test_data_times_are_written_like_the_api(seconds: float | None, shown: str) -> None:
    assert secs(seconds) == shown


def test_index_lists_episodes_with_links(client: FlaskClient, episode: library.Episode) -> None:
    html = client.get("/").get_data(as_text=True)
    assert "Harbor Lights Return" in html and f'href="/episodes/{episode.id}"' in html


def test_player_page_renders_the_sync_map(client: FlaskClient, episode: library.Episode, show: Show) -> None:
    r = client.get(f"/episodes/{episode.id}")
    assert r.status_code == 200
    found = elements(r.get_data(as_text=True))
    audio = [a for tag, a in found if tag == "audio"]
    assert audio == [
        {"id": "player", "controls": None, "preload": "metadata", "src": f"/api/episodes/{episode.id}/audio"}
    ]
    timed = {a["data-id"]: a for _tag, a in found if "data-id" in a}
    api = client.get(f"/api/episodes/{episode.id}/segments").get_json()["segments"]
    expected = [s for seg in api for s in (seg, *seg.get("children", []))]
    assert list(timed) == [s["id"] for s in expected]  # every turn, cue and sentence, in order
    for s in expected:
        assert (
            float(timed[s["id"]]["data-start"]) == s["start"]
            and float(timed[s["id"]]["data-end"]) == s["end"]
        )
    classes = {a["data-id"]: (a.get("class") or "").split() for _tag, a in found if "data-id" in a}
    assert "turn" in classes["t1"] and "sentence" in classes["t1.s1"] and "cue" in classes["c1"]


def test_player_shows_full_speaker_names(client: FlaskClient, episode: library.Episode) -> None:
    html = client.get(f"/episodes/{episode.id}").get_data(as_text=True)
    assert "Alex Morgan" in html and "Jordan Lee" in html and "(SOUNDBITE OF MUSIC)" in html


def test_player_of_unaligned_episode_says_so(app: Flask, client: FlaskClient, show: Show) -> None:
    with app.app_context():
        ep = library.add_episode(show.audio, show.transcript)
    r = client.get(f"/episodes/{ep.id}")
    assert r.status_code == 200 and "not aligned yet" in r.get_data(as_text=True)
    assert 'id="player"' in r.get_data(as_text=True)


def test_unknown_episode_page_is_an_html_404(client: FlaskClient) -> None:
    r = client.get("/episodes/nosuchepisode")
    assert r.status_code == 404 and r.mimetype == "text/html" and "nosuchepisode" in r.get_data(as_text=True)


def test_static_files_are_served(client: FlaskClient) -> None:
    for name in ("player.js", "player.css", "library.js", "status.js", "upload.js"):
        r = client.get(f"/static/{name}")
        assert r.status_code == 200 and r.data
        r.close()


def test_embed_page_has_the_same_transcript_and_no_site_chrome(
    client: FlaskClient, episode: library.Episode
) -> None:
    player = elements(client.get(f"/episodes/{episode.id}").get_data(as_text=True))
    r = client.get(f"/episodes/{episode.id}/embed")
    assert r.status_code == 200
    embed = elements(r.get_data(as_text=True))
    ids = [a["data-id"] for _t, a in player if "data-id" in a]
    assert ids and ids == [a["data-id"] for _t, a in embed if "data-id" in a]
    assert any(t == "audio" and a.get("id") == "player" for t, a in embed)
    assert not any(t == "header" and "site" in (a.get("class") or "") for t, a in embed)
    assert client.get("/episodes/nosuchepisode/embed").status_code == 404


def test_flagged_turns_are_marked_with_the_reason(app: Flask, client: FlaskClient, show: Show) -> None:
    segs = list(show.truth.segments)
    segs[0] = dataclasses.replace(segs[0], flags=("low_confidence", "archival"), confidence=0.4)
    with app.app_context():
        ep = library.add_episode(show.audio, show.transcript)
        library.store_syncmap(ep.id, dataclasses.replace(show.truth, segments=tuple(segs)))
    found = elements(client.get(f"/episodes/{ep.id}").get_data(as_text=True))
    turn = next(a for _t, a in found if a.get("data-id") == "t1")
    assert "flagged" in (turn.get("class") or "").split() and turn["data-flags"] == "low_confidence archival"
    flag = next(a for _t, a in found if "flag" in (a.get("class") or "").split())
    assert flag["data-tip"] == "Low confidence: the timing may be off; confidence 0.40"
    assert flag["tabindex"] == "0" and "Low confidence" in (flag.get("aria-label") or "")
    tag = next(a for _t, a in found if "tag" in (a.get("class") or "").split())
    assert tag["data-tip"] == "Archival recording"
    other = next(a for _t, a in found if a.get("data-id") == "t2")
    assert "flagged" not in (other.get("class") or "").split()


@pytest.mark.parametrize(
    "flags, expected",
    [
        ((), ""),
        (("archival",), ""),
        (("not_aligned",), flag_text("not_aligned")),
        (("odd_thing",), "Odd thing"),
    ],
)
def test_only_timing_flags_are_warnings(flags: tuple[str, ...], expected: str) -> None:
    assert warnings(flags) == expected


def test_pending_episode_shows_its_text_and_a_progress_note(
    app: Flask, client: FlaskClient, show: Show
) -> None:
    with app.app_context():
        ep = library.add_episode(show.audio, show.transcript)
    html = client.get(f"/episodes/{ep.id}").get_data(as_text=True)
    found = elements(html)
    assert "The harbor lights came back on tonight." in html and "Alex Morgan" in html
    assert any(t == "progress" for t, _a in found)
    root = next(a for _t, a in found if "data-seekline" in a)
    assert root["data-aligned"] == "false" and root["data-api"] == f"/api/episodes/{ep.id}"
    assert not any("data-start" in a for _t, a in found if "sentence" in (a.get("class") or ""))


def test_library_shows_a_progress_bar_for_queued_episodes(
    app: Flask, client: FlaskClient, show: Show
) -> None:
    with app.app_context():
        ep = library.add_episode(show.audio, show.transcript)
    found = elements(client.get("/").get_data(as_text=True))
    row = next(a for t, a in found if t == "li" and a.get("data-id") == ep.id)
    assert row["data-status"] in ("queued", "running", "succeeded")
    if row["data-status"] != "succeeded":
        assert any(t == "progress" for t, _a in found)


def test_peaks_route_computes_once_and_serves_json(
    app: Flask, client: FlaskClient, episode: library.Episode
) -> None:
    r = client.get(f"/episodes/{episode.id}/peaks.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = r.get_json()
    r.close()
    assert body["version"] == 1 and body["buckets"] == len(body["peaks"])
    assert 1000 < len(body["peaks"]) <= 2000  # one per 10 ms frame at most: the show is about 19 s
    assert max(body["peaks"]) == 1.0 and min(body["peaks"]) >= 0
    path = Path(app.config["MEDIA_DIR"]) / episode.id / "peaks.json"
    stamp = path.stat().st_mtime_ns
    again = client.get(f"/episodes/{episode.id}/peaks.json", headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304
    again.close()
    assert path.stat().st_mtime_ns == stamp  # served from the stored file, not recomputed
    assert client.get("/episodes/nosuchepisode/peaks.json").status_code == 404


def test_compute_peaks_follows_the_loudness_of_the_audio(show: Show) -> None:
    peaks = waveform.compute_peaks(show.audio, buckets=400)
    assert len(peaks) == 400 and max(peaks) == 1.0 and all(0 <= p <= 1 for p in peaks)
    per_second = 400 / show.truth.duration
    lead_in = peaks[: int(0.8 * per_second)]  # the show opens with a second of silence
    first = show.truth.segments[0]
    speech = peaks[int(first.start * per_second) : int(first.end * per_second)]
    assert max(lead_in) < 0.05 < sum(speech) / len(speech)


def test_short_audio_gives_one_peak_per_frame(tmp_path: Path) -> None:
    import subprocess

    wav = tmp_path / "short.wav"
    tone = "sine=frequency=440:duration=0.05"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", tone, str(wav)], check=True)
    assert len(waveform.compute_peaks(wav, buckets=2000)) == 5  # 50 ms: five 10 ms frames


def test_ensure_peaks_stores_atomically_and_load_peaks_reads_back(tmp_path: Path, show: Show) -> None:
    media = tmp_path / "media"
    assert waveform.load_peaks(media, "ep1") is None
    peaks = waveform.ensure_peaks(media, "ep1", show.audio)
    stored = json.loads((media / "ep1" / "peaks.json").read_text())
    assert stored["peaks"] == peaks and stored["duration"] == pytest.approx(show.truth.duration, abs=0.1)
    assert waveform.load_peaks(media, "ep1") == peaks
    assert [p.name for p in (media / "ep1").iterdir()] == ["peaks.json"]  # no temp file left behind
    (media / "ep1" / "peaks.json").write_text("{broken")
    assert waveform.load_peaks(media, "ep1") is None
    assert waveform.ensure_peaks(media, "ep1", show.audio) == peaks  # an unreadable file is recomputed


@pytest.mark.parametrize("bad_id", ["", ".", "..", "../x", "a/b"])
def test_peaks_path_refuses_anything_but_an_id(tmp_path: Path, bad_id: str) -> None:
    with pytest.raises(ValueError):
        waveform.peaks_path(tmp_path, bad_id)


def test_undecodable_audio_is_an_audio_error(tmp_path: Path) -> None:
    fake = tmp_path / "fake.mp3"
    fake.write_text("this is not audio")
    with pytest.raises(AudioError, match="fake.mp3"):
        waveform.compute_peaks(fake)
    with pytest.raises(AudioError, match="not found"):
        waveform.compute_peaks(tmp_path / "missing.mp3")
