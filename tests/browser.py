"""Real-browser test helpers: Debian's chromium through Playwright, a live server, console capture."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from server.config import REPO_DIR

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
    "--mute-audio",
]
ARTIFACTS = REPO_DIR / "test-artifacts"
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """A headless chromium; Playwright gives it a fresh temporary profile. Skips when it cannot run here."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (apt install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def closing_bodies(app: Any) -> Any:
    """WSGI middleware that closes every response body, even when the client hangs up mid-stream.

    Browsers abort audio Range requests all the time; werkzeug's dev server can then skip ``close()``
    and leave the file open (a ResourceWarning, an error under ``filterwarnings = error``).
    """

    def wrapped(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        inner = app(environ, start_response)

        def body() -> Iterator[bytes]:
            try:
                yield from inner
            finally:
                close = getattr(inner, "close", None)
                if close is not None:
                    close()

        return body()

    return wrapped


@contextlib.contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """``app`` served over real HTTP on a free port, in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, closing_bodies(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@dataclass
class Console:
    """JavaScript errors and failed loads a page reported."""

    errors: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"uncaught: {e}"))

    def expect(self, fragment: str) -> None:
        """Drop the errors a test provoked on purpose (they contain ``fragment``)."""
        self.errors = [e for e in self.errors if fragment not in e]


def screenshot(page: Any, name: str) -> Path:
    """Save a PNG of the page under test-artifacts/ (gitignored) and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path
