"""API benchmark: gunicorn (2 workers) under wrk, on a 3-hour, 2,000-turn episode stored through the library.

    make bench-api        # or: .venv/bin/python bench/api.py [--seconds 15] [--connections 8]

Prints requests/s and p50/p99 latency of ``GET /api/episodes/<id>/segments?at=<random second>``, and the
time to first byte (p50/p95) of 64 KiB Range requests on the episode's audio. Needs wrk (Debian package).
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from aligner.models import Segment, Speaker, SyncMap  # noqa: E402

HOURS, TURNS = 3, 2000
TOKEN = "bench-token"
LUA = """
math.randomseed(os.time())
request = function()
  return wrk.format("GET", "%s?at=" .. string.format("%%.3f", math.random() * %d))
end
"""


def synthetic_syncmap(duration: float, turns: int) -> tuple[SyncMap, str]:
    """A 2,000-turn sync map over the whole duration (three sentences a turn, small gaps) and its transcript."""
    speakers = (Speaker("host", "HOST", "Ann Host", "host"), Speaker("guest", "GUEST", "Bo Guest", "guest"))
    span = duration / turns
    segments, lines = [], ["Benchmark Hour", ""]
    for i in range(turns):
        start, end = i * span + 0.05, (i + 1) * span - 0.05
        spk = speakers[i % 2]
        texts = [f"Sentence {k} of turn {i + 1} is here." for k in (1, 2, 3)]
        step = (end - start) / 3
        children = tuple(Segment(f"t{i + 1}.s{k + 1}", "sentence", t, round(start + k * step, 3),
                                 round(start + (k + 1) * step, 3)) for k, t in enumerate(texts))
        segments.append(Segment(f"t{i + 1}", "turn", " ".join(texts), round(start, 3), round(end, 3), spk.id,
                                children=children))
        lines += [f"{spk.label}: {' '.join(texts)}", ""]
    return SyncMap(duration=duration, speakers=speakers, segments=tuple(segments), title="Benchmark Hour"), \
        "\n".join(lines)


def build_library(folder: Path) -> str:
    """The episode in a fresh library (SQLite + media folder); returns its id."""
    from server import create_app, library

    audio = folder / "three-hours.mp3"
    duration = HOURS * 3600
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", "anoisesrc=r=8000:a=0.02:c=pink",
                    "-t", str(duration), "-ac", "1", "-c:a", "libmp3lame", "-b:a", "16k", str(audio)], check=True)
    syncmap, transcript = synthetic_syncmap(float(duration), TURNS)
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}", "MEDIA_DIR": str(folder / "media"),
                      "API_TOKEN": TOKEN, "INSTANCE_DIR": str(folder)})
    with app.app_context():
        ep = library.add_episode(audio, transcript, "Benchmark")
        library.store_syncmap(ep.id, syncmap)
    return ep.id


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_up(port: int, path: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not come up")


def run_wrk(url: str, seconds: int, connections: int, folder: Path) -> dict[str, float]:
    script = folder / "at.lua"
    path = url.split("://", 1)[1].split("/", 1)[1]
    script.write_text(LUA % ("/" + path, HOURS * 3600))
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url],
                         check=True, capture_output=True, text=True).stdout
    def ms(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
            "p50": ms("50%"), "p99": ms("99%"), "errors": float(non2xx.group(1)) if non2xx else 0.0}


def range_ttfb(port: int, path: str, size: int, n: int) -> list[float]:
    """Seconds from sending a 64 KiB Range request to its status line, over one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    rng = random.Random(7)
    times = []
    for _ in range(n):
        first = rng.randrange(0, size - 65536)
        started = time.perf_counter()
        conn.request("GET", path, headers={"Range": f"bytes={first}-{first + 65535}"})
        response = conn.getresponse()
        times.append(time.perf_counter() - started)
        assert response.status == 206 and len(response.read()) == 65536
    conn.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument("--ranges", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1, help="gunicorn gthread threads per worker")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed; `make bench-api` installs it (apt-get install wrk)")
    folder = Path(tempfile.mkdtemp(prefix="seekline-bench-"))
    try:
        t = time.monotonic()
        episode_id = build_library(folder)
        print(f"library: {TURNS} turns over {HOURS} h stored in {time.monotonic() - t:.0f} s", file=sys.stderr)
        port = free_port()
        env = {**os.environ, "SEEKLINE_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
               "SEEKLINE_MEDIA_DIR": str(folder / "media"), "SEEKLINE_API_TOKEN": TOKEN}
        gunicorn = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--workers", "2", "--worker-class", "gthread",
             "--threads", str(args.threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
             "server:create_app()"],
            cwd=REPO, env=env, start_new_session=True)
        try:
            segments = f"/api/episodes/{episode_id}/segments"
            wait_up(port, segments + "?at=60")
            run_wrk(f"http://127.0.0.1:{port}{segments}", 3, args.connections, folder)  # warm both workers
            r = run_wrk(f"http://127.0.0.1:{port}{segments}", args.seconds, args.connections, folder)
            audio = f"/api/episodes/{episode_id}/audio"
            size = (folder / "media" / episode_id / "original.mp3").stat().st_size
            ttfb = sorted(range_ttfb(port, audio, size, args.ranges))
        finally:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            gunicorn.wait(20)
        p95 = ttfb[int(0.95 * len(ttfb)) - 1] * 1000
        print(f"segments?at= ({TURNS} turns, {HOURS} h), gunicorn 2 workers x {args.threads} threads, wrk -t2 "
              f"-c{args.connections} -d{args.seconds}s: {r['rps']:.0f} req/s, p50 {r['p50']:.2f} ms, "
              f"p99 {r['p99']:.2f} ms, non-2xx {r['errors']:.0f}")
        print(f"Range 64 KiB TTFB over {len(ttfb)} requests: p50 {statistics.median(ttfb) * 1000:.2f} ms, "
              f"p95 {p95:.2f} ms")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
