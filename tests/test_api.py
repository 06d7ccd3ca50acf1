"""The JSON API through Flask's test client: response shapes, errors, segments, exports and Range requests."""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import Show
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from aligner import export
from server import library


def assert_canonical_error(response: TestResponse, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is the one JSON error shape, with this status (and code), and no traceback."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}
    assert isinstance(body["error"]["code"], str) and body["error"]["code"]
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert "Traceback" not in response.get_data(as_text=True)
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]


def assert_episode_shape(d: dict[str, Any]) -> None:
    assert set(d) >= {"id", "title", "status", "error", "duration", "aligned", "created_at", "links"}
    assert re.fullmatch(r"[a-z0-9]{12}", d["id"])
    assert d["status"] in library.STATUSES
    assert set(d["links"]) >= {"self", "segments", "audio", "player", "exports"}


def test_episode_list_has_the_episode(client: FlaskClient, episode: library.Episode) -> None:
    r = client.get("/api/episodes")
    assert r.status_code == 200
    [only] = r.get_json()["episodes"]
    assert_episode_shape(only)
    assert only["id"] == episode.id and only["status"] == "succeeded" and only["aligned"] is True


def test_empty_library_lists_no_episodes(client: FlaskClient) -> None:
    r = client.get("/api/episodes")
    assert r.status_code == 200
    assert r.get_json() == {"episodes": [], "total": 0, "limit": 20, "offset": 0, "next": None}


def test_episode_detail_links_resolve(client: FlaskClient, episode: library.Episode) -> None:
    r = client.get(f"/api/episodes/{episode.id}")
    d = r.get_json()
    assert_episode_shape(d)
    assert d["title"] == "Harbor Lights Return" and d["duration"] > 5
    for link in (
        d["links"]["segments"],
        d["links"]["audio"],
        d["links"]["player"],
        *d["links"]["exports"].values(),
    ):
        with client.get(link) as r:
            assert r.status_code == 200, link


def test_segments_is_the_canonical_sync_map(
    client: FlaskClient, episode: library.Episode, show: Show
) -> None:
    d = client.get(f"/api/episodes/{episode.id}/segments").get_json()
    assert d == show.truth.to_dict()
    assert d["version"] == 1 and [s["kind"] for s in d["segments"]] == ["turn", "turn", "cue", "turn", "turn"]


@pytest.mark.parametrize("turn, sentence", [(0, 0), (1, 1), (4, 1)])
def test_segments_at_returns_the_turn_and_sentence_playing(
    client: FlaskClient, episode: library.Episode, show: Show, turn: int, sentence: int
) -> None:
    seg = show.truth.segments[turn]
    child = seg.children[sentence]
    t = round((child.start + child.end) / 2, 3)
    r = client.get(f"/api/episodes/{episode.id}/segments?at={t}")
    assert r.status_code == 200
    d = r.get_json()
    assert d["at"] == t
    assert d["segment"]["id"] == seg.id and d["segment"]["kind"] == "turn" and "children" not in d["segment"]
    assert d["segment"]["start"] <= t < d["segment"]["end"]
    assert d["sentence"]["id"] == child.id and d["sentence"]["start"] <= t < d["sentence"]["end"]


def test_segments_at_a_cue_has_no_sentence(client: FlaskClient, episode: library.Episode, show: Show) -> None:
    cue = show.truth.segments[2]
    d = client.get(f"/api/episodes/{episode.id}/segments?at={(cue.start + cue.end) / 2}").get_json()
    assert d["segment"]["kind"] == "cue" and d["sentence"] is None


@pytest.mark.parametrize("where", ["lead-in", "past the end"])
def test_segments_at_in_a_gap_is_404(
    client: FlaskClient, episode: library.Episode, show: Show, where: str
) -> None:
    t = 0.1 if where == "lead-in" else show.truth.duration + 5
    assert show.truth.at(t) is None
    assert_canonical_error(client.get(f"/api/episodes/{episode.id}/segments?at={t}"), 404, "not_found")


@pytest.mark.parametrize("value", ["abc", "", "nan", "inf", "-1", "1e999", "12s"])
def test_segments_at_not_a_time_is_400(client: FlaskClient, episode: library.Episode, value: str) -> None:
    err = assert_canonical_error(
        client.get(f"/api/episodes/{episode.id}/segments", query_string={"at": value}), 400, "bad_request"
    )
    assert "at=" in err["message"]


def test_segments_of_an_unaligned_episode_is_409(app: Flask, client: FlaskClient, show: Show) -> None:
    with app.app_context():
        ep = library.add_episode(show.audio, show.transcript)
    assert client.get(f"/api/episodes/{ep.id}").get_json()["status"] == "queued"
    assert_canonical_error(client.get(f"/api/episodes/{ep.id}/segments"), 409, "not_aligned")


@pytest.mark.parametrize("suffix", ["", "/segments", "/segments?at=3", "/audio", "/export.vtt"])
def test_unknown_episode_is_404_json(client: FlaskClient, suffix: str) -> None:
    err = assert_canonical_error(client.get(f"/api/episodes/nosuchepisode{suffix}"), 404, "not_found")
    assert "nosuchepisode" in err["message"]


def test_unknown_api_route_is_404_json(client: FlaskClient) -> None:
    assert_canonical_error(client.get("/api/nothing/here"), 404, "not_found")


def test_wrong_method_under_api_is_405_json_with_allow(client: FlaskClient, episode: library.Episode) -> None:
    r = client.put(f"/api/episodes/{episode.id}/segments")
    assert_canonical_error(r, 405, "method_not_allowed")
    assert "GET" in r.headers["Allow"]


def test_unexpected_error_is_500_json_without_details(app: Flask, client: FlaskClient) -> None:
    def boom() -> str:
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/api/boom", view_func=boom)
    r = client.get("/api/boom")
    err = assert_canonical_error(r, 500, "internal_error")
    assert "secret" not in r.get_data(as_text=True) and "server log" in err["message"]


@pytest.mark.parametrize("fmt", export.FORMATS)
def test_export_has_its_media_type(
    client: FlaskClient, episode: library.Episode, show: Show, fmt: str
) -> None:
    r = client.get(f"/api/episodes/{episode.id}/export.{fmt}")
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == export.MEDIA_TYPES[fmt].split(";")[0]
    assert r.get_data(as_text=True) == export.render(show.truth, fmt)


def test_export_vtt_names_the_speakers(client: FlaskClient, episode: library.Episode) -> None:
    text = client.get(f"/api/episodes/{episode.id}/export.vtt").get_data(as_text=True)
    assert text.startswith("WEBVTT") and "<v Alex Morgan>" in text


def test_unknown_export_format_is_404_json(client: FlaskClient, episode: library.Episode) -> None:
    err = assert_canonical_error(client.get(f"/api/episodes/{episode.id}/export.docx"), 404, "not_found")
    assert "vtt" in err["message"]


class TestAudio:
    """The audio route is send_file: whole file, byte ranges, 416 and conditional GETs per RFC 9110."""

    def test_whole_file(self, client: FlaskClient, episode: library.Episode, show: Show) -> None:
        with client.get(f"/api/episodes/{episode.id}/audio") as r:
            data = show.audio.read_bytes()
            assert r.status_code == 200 and r.data == data
            assert r.mimetype == "audio/mpeg" and r.headers["Accept-Ranges"] == "bytes"
            assert int(r.headers["Content-Length"]) == len(data) and r.headers.get("ETag")
            assert "Content-Encoding" not in r.headers

    @pytest.mark.parametrize(
        "header, first, last",
        [
            ("bytes=100-199", 100, 199),
            ("bytes=0-0", 0, 0),
            ("bytes=-500", None, None),  # the last 500 bytes
            ("bytes=1000-", 1000, None),  # to the end
        ],
    )
    def test_range_is_206_with_the_right_bytes(
        self,
        client: FlaskClient,
        episode: library.Episode,
        show: Show,
        header: str,
        first: int | None,
        last: int | None,
    ) -> None:
        data = show.audio.read_bytes()
        size = len(data)
        first = size - 500 if first is None else first
        last = size - 1 if last is None else last
        with client.get(f"/api/episodes/{episode.id}/audio", headers={"Range": header}) as r:
            assert r.status_code == 206
            assert r.headers["Content-Range"] == f"bytes {first}-{last}/{size}"
            assert r.data == data[first : last + 1]
            assert int(r.headers["Content-Length"]) == last + 1 - first

    def test_range_past_the_end_is_416(
        self, client: FlaskClient, episode: library.Episode, show: Show
    ) -> None:
        size = show.audio.stat().st_size
        r = client.get(f"/api/episodes/{episode.id}/audio", headers={"Range": f"bytes={size + 10}-"})
        assert_canonical_error(r, 416)
        assert r.headers["Content-Range"] == f"bytes */{size}"

    def test_matching_etag_is_304(self, client: FlaskClient, episode: library.Episode) -> None:
        url = f"/api/episodes/{episode.id}/audio"
        with client.get(url) as r:
            etag = r.headers["ETag"]
        with client.get(url, headers={"If-None-Match": etag}) as r:
            assert r.status_code == 304 and r.data == b""
        with client.get(url, headers={"If-None-Match": '"other"'}) as r:
            assert r.status_code == 200

    def test_missing_file_is_404_json(
        self, app: Flask, client: FlaskClient, episode: library.Episode
    ) -> None:
        with app.app_context():
            library.audio_path(episode.id).unlink()
        assert_canonical_error(client.get(f"/api/episodes/{episode.id}/audio"), 404, "not_found")
