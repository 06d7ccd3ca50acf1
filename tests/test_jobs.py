"""Durable jobs: exclusive claims, leases and the reaper, idempotent results, embedded workers, and a real
Celery worker on a real redis-server that is SIGKILLed mid-alignment."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import services
import synth
from conftest import AUTH, SHOW, Show, make_app
from flask import Flask
from sqlalchemy import func, select
from test_media import upload

from server import db, jobs, library
from server.db import JobRow, SyncMapRow, database, get_session
from server.worker import run_job


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'seekline.sqlite3'}"
    return request.getfixturevalue("postgres_url")


def syncmap_rows(app: Flask, episode_id: str) -> int:
    with app.app_context():
        return get_session().scalar(select(func.count()).select_from(SyncMapRow)
                                    .where(SyncMapRow.episode_id == episode_id))


def wait_for(predicate, timeout: float = 60.0, every: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout} s")


def test_concurrent_claims_never_share_a_job(app: Flask, show: Show) -> None:
    with app.app_context():
        ids = {library.add_episode(show.audio, show.transcript).job.id for _ in range(3)}
    base = database(app)
    barrier = threading.Barrier(8)
    won: list[jobs.Claim] = []

    def contend(i: int) -> None:
        barrier.wait()
        while (c := jobs.claim_next(base, f"w{i}", 60)) is not None:
            won.append(c)

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(c.job_id for c in won) == sorted(ids)  # each job claimed exactly once
    assert all(c.attempt == 1 for c in won)


def test_reaper_requeues_expired_leases_and_fails_after_three_attempts(app: Flask, show: Show) -> None:
    with app.app_context():
        job_id = library.add_episode(show.audio, show.transcript).job.id
    base = database(app)
    for attempt in (1, 2, 3):
        claim = jobs.claim(base, job_id, f"doomed-{attempt}", 0.05, 3)
        assert claim is not None and claim.attempt == attempt
        assert jobs.claim(base, job_id, "other", 60, 3) is None  # held: nobody else gets it
        time.sleep(0.1)
        requeued = jobs.reap(base, 3)
        job = jobs.get(base, job_id)
        if attempt < 3:
            assert requeued == [job_id] and job.state == "queued" and "lease expired" in job.error
        else:
            assert requeued == [] and job.state == "failed" and job.attempts == 3
            assert "gave up after 3 attempts" in job.error
    with app.app_context():
        ep = library.get_episode(library.get_job(job_id).episode_id)
    assert ep.status == "failed" and "stopped responding" in ep.error


def test_a_worker_that_lost_its_lease_cannot_write(app: Flask, show: Show) -> None:
    with app.app_context():
        ep = library.add_episode(show.audio, show.transcript)
    base = database(app)
    slow = jobs.claim(base, ep.job.id, "slow", 0.05, 3)
    time.sleep(0.1)
    assert jobs.reap(base, 3) == [ep.job.id]
    fast = jobs.claim(base, ep.job.id, "fast", 60, 3)
    assert fast is not None and fast.attempt == 2
    assert not jobs.heartbeat(base, slow, 60, "align", 50)
    with pytest.raises(jobs.LostClaim):
        jobs.succeed(base, slow, json.dumps(show.truth.to_dict()))
    assert jobs.fail(base, slow, "late failure", retry=False, max_attempts=3) == ""
    jobs.succeed(base, fast, json.dumps(show.truth.to_dict()))
    job = jobs.get(base, ep.job.id)
    assert job.state == "succeeded" and job.worker_id == "fast" and job.attempts == 2
    assert syncmap_rows(app, ep.id) == 1


def test_a_rerun_replaces_the_result_in_place(app: Flask, episode: library.Episode, show: Show) -> None:
    base = database(app)
    with app.app_context():
        job = library.realign(episode.id)
        assert library.realign(episode.id).id == job.id  # an active job is not duplicated
    claim = jobs.claim(base, job.id, "w", 60, 3)
    jobs.succeed(base, claim, json.dumps(show.truth.to_dict()))
    assert syncmap_rows(app, episode.id) == 1
    with app.app_context():
        assert library.get_syncmap(episode.id) == show.truth


def test_an_alignment_error_fails_the_job_at_once(app: Flask, show: Show) -> None:
    text = "\n\n".join(f"HOST: {'Words and more words that nobody said here. ' * 40}" for _ in range(10))
    with app.app_context():
        ep = library.add_episode(show.audio, text)
    job = run_job(app, worker_id="t")
    assert job is not None and job.id == ep.job.id
    assert job.state == "failed" and job.attempts == 1 and "more than could be spoken" in job.error
    assert not list((Path(app.config["MEDIA_DIR"]) / ep.id).glob("align-*.wav"))


def test_embedded_workers_align_an_upload_and_report_progress(tmp_path: Path, show: Show,
                                                              database_url: str) -> None:
    app = make_app(tmp_path, database_url, RUN_WORKERS=True, WORKERS=2, POLL_SECONDS=0.2)
    try:
        client = app.test_client()
        r = upload(client, show.audio.read_bytes(), "show.mp3", show.transcript)
        assert r.status_code == 202
        job_url = r.get_json()["episode"]["links"]["job"]
        seen: set[str] = set()

        def finished() -> dict | None:
            job = client.get(job_url).get_json()
            seen.add(job["stage"])
            return job if job["state"] in ("succeeded", "failed") else None

        job = wait_for(finished, 120, 0.02)
        assert job["state"] == "succeeded" and job["percent"] == 100 and job["attempts"] == 1, job
        assert job["worker_id"].startswith("thread:")
        assert seen & {"decode", "align", "claimed"}, seen
        ep_id = job["episode_id"]
        turns = [s for s in client.get(f"/api/episodes/{ep_id}/segments").get_json()["segments"]
                 if s["kind"] == "turn"]
        assert len(turns) == 4
        folder = Path(app.config["MEDIA_DIR"]) / ep_id
        assert not list(folder.glob("*.wav"))  # the WAV is gone
        if importlib.util.find_spec("server.waveform") is not None:
            assert (folder / "peaks.json").is_file()  # the player's peaks, made from the job's WAV
    finally:
        app.extensions["seekline.workers"].stop()
        db.dispose(app)


# ---------------------------------------------------------------- Celery with a real redis-server

LONG = [(spk, voice, text) for _l, spk, voice, text in SHOW] * 4


@pytest.fixture(scope="module")
def long_show(tmp_path_factory: pytest.TempPathFactory) -> Show:
    """Sixteen turns (~50 s): long enough that the aeneas stage can be caught and killed."""
    tmp = tmp_path_factory.mktemp("long")
    wav = tmp / "long.wav"
    synth.build(LONG, wav)
    lines = ["Harbor Lights Again", ""]
    labels = {"morgan": "MORGAN", "lee": "LEE"}
    for spk, _voice, text in LONG:
        lines += [f"{labels[spk]}: {text}", ""]
    return Show(audio=wav, transcript="\n".join(lines), truth=None)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory, postgres_server: services.Postgres,
            redis_url: str) -> Iterator[tuple[Flask, subprocess.Popen, Path]]:
    """A Seekline app sending jobs to Redis, and a `seekline worker` process, sharing PostgreSQL and media."""
    tmp = tmp_path_factory.mktemp("cluster")
    name = "celery_" + str(os.getpid())
    admin = {"host": str(postgres_server.socket_dir), "port": postgres_server.port, "user": postgres_server.user,
             "dbname": "postgres", "autocommit": True}
    with psycopg.connect(**admin) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    url = postgres_server.url(name)
    settings = {"DATABASE_URL": url, "MEDIA_DIR": str(tmp / "media"), "BROKER_URL": redis_url,
                "LEASE_SECONDS": 2, "POLL_SECONDS": 0.5, "DEMO_DIR": str(tmp / "none")}
    app = make_app(tmp, url, **settings)
    env = {**os.environ, **{f"SEEKLINE_{k}": str(v) for k, v in settings.items()},
           "SEEKLINE_API_TOKEN": "unused-here"}
    log = tmp / "worker.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "server.cli", "worker", "--concurrency", "1",
                                 "--pool", "prefork"], env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        wait_for(lambda: b"ready." in log.read_bytes() or proc.poll() is not None, 60, 0.1)
        assert proc.poll() is None, log.read_text()
        yield app, proc, log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        db.dispose(app)
        with psycopg.connect(**admin) as conn:
            conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_celery_worker_aligns_an_uploaded_episode(cluster, show: Show) -> None:
    app, proc, log = cluster
    r = upload(app.test_client(), show.audio.read_bytes(), "show.mp3", show.transcript)
    assert r.status_code == 202
    job_id = r.get_json()["job"]["id"]
    job = wait_for(lambda: (j := jobs.get(database(app), job_id)) and j.state in ("succeeded", "failed") and j,
                   90, 0.1)
    assert job.state == "succeeded", (job, log.read_text()[-3000:])
    assert job.worker_id.startswith("celery:") and int(job.worker_id.split(":")[2]) != proc.pid  # a pool child
    assert job.attempts == 1 and syncmap_rows(app, job.episode_id) == 1


def test_sigkill_mid_alignment_still_ends_succeeded_exactly_once(cluster, long_show: Show) -> None:
    app, proc, log = cluster
    base = database(app)
    r = upload(app.test_client(), long_show.audio.read_bytes(), "long.wav", long_show.transcript)
    assert r.status_code == 202, r.get_data(as_text=True)
    job_id, episode_id = r.get_json()["job"]["id"], r.get_json()["episode"]["id"]

    def aligning() -> jobs.Job | None:  # the progress heartbeat says aeneas is at work
        j = jobs.get(base, job_id)
        return j if j.state == "running" and j.stage == "align" and j.percent < 90 else None

    victim = wait_for(aligning, 90, 0.01)
    pid = int(victim.worker_id.split(":")[2])
    assert pid != proc.pid
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    assert victim.attempts == 1

    job = wait_for(lambda: (j := jobs.get(base, job_id)) and j.state in ("succeeded", "failed") and j, 120, 0.1)
    assert job.state == "succeeded", (job, log.read_text()[-3000:])
    assert job.attempts == 2 and int(job.worker_id.split(":")[2]) != pid
    assert syncmap_rows(app, episode_id) == 1
    with app.app_context():
        turns = [s for s in library.get_syncmap(episode_id).segments if s.kind == "turn"]
        assert len(turns) == len(LONG)
        assert get_session().scalar(select(func.count()).select_from(JobRow)
                                    .where(JobRow.episode_id == episode_id)) == 1
    assert not list((Path(app.config["MEDIA_DIR"]) / episode_id).glob("align-*.wav"))
    assert time.monotonic() - killed_at < 60
    client = app.test_client()
    assert client.get(f"/api/jobs/{job_id}", headers=AUTH).get_json()["state"] == "succeeded"
