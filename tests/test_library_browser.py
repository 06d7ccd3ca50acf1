"""The library page's upload form in a real headless chromium: token handling, upload, live job progress, errors.

The app runs its embedded worker threads, so an uploaded episode is aligned for real while the page polls it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import synth
from browser import DESKTOP, MOBILE, Console, live_server, screenshot
from flask import Flask

from server import create_app, db, library

pytestmark = pytest.mark.browser

TOKEN = "library-test-token-" + "y" * 16
TEXT = "Hello there. This is a short test."
TRANSCRIPT = f"ANN: {TEXT}"


@dataclass(frozen=True)
class Site:
    url: str
    app: Flask
    audio: Path
    transcript: Path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("library")
    audio = tmp / "hello.wav"
    synth.build([("ann", "en-us", TEXT)], audio)
    transcript = tmp / "hello.txt"
    transcript.write_text(TRANSCRIPT + "\n", encoding="utf-8")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{tmp / 'seekline.sqlite3'}",
            "MEDIA_DIR": str(tmp / "media"),
            "DEMO_DIR": str(tmp / "no-demo"),
            "INSTANCE_DIR": str(tmp / "instance"),
            "API_TOKEN": TOKEN,
            "RUN_WORKERS": True,  # embedded worker threads align what the page uploads
            "WORKERS": 1,
            "POLL_SECONDS": 0.2,
        }
    )
    try:
        with live_server(app) as url:
            yield Site(url=url, app=app, audio=audio, transcript=transcript)
    finally:
        app.extensions["seekline.workers"].stop()
        db.dispose(app)


def new_page(browser: Any, console: Console, viewport: dict[str, int] = DESKTOP, mobile: bool = False) -> Any:
    context = browser.new_context(viewport=viewport, is_mobile=mobile, has_touch=mobile)
    page = context.new_page()
    console.attach(page)
    return page


def test_upload_with_the_token_from_the_url_is_aligned_live(browser: Any, site: Site, console: Console) -> None:
    page = new_page(browser, console)
    posts: list[Any] = []
    page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
    try:
        page.goto(f"{site.url}/?token={TOKEN}")
        assert "token" not in page.url, "the token is removed from the visible URL"
        assert page.evaluate("() => sessionStorage.getItem('seekline.apiToken')") == TOKEN
        assert page.locator("#upload-form").is_visible() and page.locator("#token-form").is_hidden()
        assert page.locator("#episodes-empty").is_visible()

        page.get_by_label("Audio file").set_input_files(str(site.audio))
        page.get_by_label("Transcript file").set_input_files(str(site.transcript))
        page.get_by_label("Title").fill("Short test")
        assert page.get_by_label("Language").input_value() == "eng"
        page.get_by_role("button", name="Upload and align").click()

        row = page.locator(".episode", has=page.get_by_role("link", name="Short test"))
        row.wait_for(timeout=10_000)
        assert page.locator("#episodes-empty").is_hidden()
        assert "Short test" in page.locator("#upload-status").inner_text()
        row.locator('.status').filter(has_text="succeeded").wait_for(timeout=20_000)
        assert row.get_attribute("data-status") == "succeeded"
        assert row.locator("progress").count() == 0  # the live bar goes away when the job ends

        episode_id = row.get_attribute("data-id")
        api = page.request.get(f"{site.url}/api/episodes/{episode_id}").json()
        assert api["aligned"] is True and api["title"] == "Short test" and api["language"] == "eng"
        segments = page.request.get(f"{site.url}/api/episodes/{episode_id}/segments").json()["segments"]
        assert [s["text"] for s in segments if s["kind"] == "turn"] == [TEXT]

        (post,) = posts
        assert post.headers["authorization"] == f"Bearer {TOKEN}"
        assert TOKEN.encode() not in (post.post_data_buffer or b""), "the token is never sent as form data"
        assert page.get_by_label("Audio file").input_value() == "", "the form is reset after an upload"
        screenshot(page, "library-upload-desktop.png")
    finally:
        page.context.close()
    assert console.errors == [], console.errors


def test_a_wrong_token_is_refused_in_plain_words(browser: Any, site: Site, console: Console) -> None:
    page = new_page(browser, console, MOBILE, mobile=True)
    try:
        page.goto(f"{site.url}/")
        assert page.locator("#token-form").is_visible() and page.locator("#upload-form").is_hidden()
        page.get_by_label("API token").fill("not-the-token")
        page.get_by_role("button", name="Use token").click()
        assert page.locator("#upload-form").is_visible() and page.locator("#token-form").is_hidden()

        page.get_by_label("Audio file").set_input_files(str(site.audio))
        page.get_by_label("or paste the text").fill(TRANSCRIPT)
        with site.app.app_context():
            before = library.count_episodes()
        page.get_by_role("button", name="Upload and align").click()
        error = page.get_by_role("alert")
        error.filter(has_text="token").wait_for(timeout=10_000)
        assert "The API token was not accepted" in error.inner_text()
        assert page.locator("#token-form").is_visible(), "the token field is offered again"
        assert page.get_by_role("button", name="Upload and align").is_enabled()
        assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth"), "no sideways scroll"
        screenshot(page, "library-upload-mobile.png")
        with site.app.app_context():
            assert library.count_episodes() == before, "the refused upload added nothing"
    finally:
        page.context.close()
    console.expect("401")  # the refused request, as the browser logs it
    assert console.errors == [], console.errors


def test_a_file_that_is_not_audio_is_refused_in_plain_words(browser: Any, site: Site, console: Console) -> None:
    page = new_page(browser, console)
    try:
        page.goto(f"{site.url}/?token={TOKEN}")
        page.get_by_label("Audio file").set_input_files(str(site.transcript))  # text, not audio
        page.get_by_label("or paste the text").fill(TRANSCRIPT)
        page.get_by_role("button", name="Upload and align").click()
        error = page.get_by_role("alert")
        error.filter(has_text="could not be used").wait_for(timeout=10_000)
        assert page.locator("#upload-progress").is_hidden() and page.locator("#upload-cancel").is_hidden()
    finally:
        page.context.close()
    console.expect("422")
    assert console.errors == [], console.errors
