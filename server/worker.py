"""Running jobs: :func:`run_job` is the one place an alignment runs, whoever calls it.

The embedded :class:`WorkerPool` threads (``seekline serve``), the Celery task (``seekline worker``) and
:func:`server.library.align_episode` all claim a job row and run it through :func:`run_job`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import threading
import time
from pathlib import Path

from flask import Flask

from aligner import pipeline
from aligner.engine import EngineOptions
from aligner.errors import JobError, SeeklineError
from aligner.transcript import parse_transcript

from . import jobs, library, media
from .db import database

log = logging.getLogger("seekline.worker")
POOL = "seekline.workers"
# Where each stage of the pipeline sits on the job's 0-100 % scale.
SPANS = {"claimed": (0, 0), "probe": (0, 2), "decode": (2, 10), "analyse": (10, 12), "align": (12, 95),
         "peaks": (95, 99)}


def worker_id(kind: str) -> str:
    """``kind:host:pid:thread``: enough to find (and, in tests, kill) the process holding a job."""
    return f"{kind}:{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class _Heartbeat:
    """Keeps a claim's lease alive from a side thread and writes progress to the job row."""

    def __init__(self, app: Flask, claim: jobs.Claim) -> None:
        self.db = database(app)
        self.claim = claim
        self.lease = float(app.config["LEASE_SECONDS"])
        self.lost = False
        self._stop = threading.Event()
        self._stage, self._percent, self._written = "claimed", 0.0, 0.0
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{claim.job_id}", daemon=True)

    def __enter__(self) -> _Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        interval = max(0.2, self.lease / 3)
        while not self._stop.wait(interval):
            if not jobs.heartbeat(self.db, self.claim, self.lease):
                self.lost = True
                return

    def progress(self, stage: str, fraction: float) -> None:
        if stage == "done":  # the aligner is done; the job is done once its peaks and sync map are stored
            return
        lo, hi = SPANS.get(stage, (self._percent, self._percent))
        percent = round(lo + max(0.0, min(1.0, fraction)) * (hi - lo), 1)
        changed = stage != self._stage
        self._stage, self._percent = stage, max(percent, self._percent)
        if changed or time.monotonic() - self._written > 0.5:
            self._written = time.monotonic()
            if not jobs.heartbeat(self.db, self.claim, self.lease, stage, self._percent):
                self.lost = True


def _ensure_peaks(app: Flask, episode_id: str, wav: Path) -> None:
    """Let the player's waveform module compute its peaks while the WAV exists (optional)."""
    try:
        from . import waveform  # type: ignore[attr-defined]
    except ImportError:
        return
    ensure = getattr(waveform, "ensure_peaks", None)
    if ensure is None:
        return
    try:
        ensure(app.config["MEDIA_DIR"], episode_id, wav)
    except Exception:  # peaks are a nicety: never fail an alignment for them
        log.exception("could not compute waveform peaks for episode %s", episode_id)


def _align(app: Flask, claim: jobs.Claim, beat: _Heartbeat) -> str | None:
    """Align the claimed episode; the sync map as JSON, or ``None`` when the result is already stored."""
    if not claim.force and library.has_result(claim.episode_id, claim.input_hash, claim.aligner_version):
        return None
    item = library.work_item(claim.episode_id)
    transcript = parse_transcript(item.transcript, item.format)
    media.clear_work(library.media_dir(), claim.episode_id)
    wav = media.work_wav(library.media_dir(), claim.episode_id)
    try:  # eSpeak speaks the transcript while ffmpeg decodes into ``wav``, kept for the peaks
        syncmap = pipeline.align(item.audio, transcript, options=EngineOptions(language=item.language),
                                 level=item.level, progress=beat.progress, wav_path=wav)
        beat.progress("peaks", 0.0)
        _ensure_peaks(app, claim.episode_id, wav)
    finally:
        with contextlib.suppress(FileNotFoundError):
            wav.unlink()  # the 16 kHz WAV lives only while the job needs it
    return json.dumps(syncmap.to_dict(), ensure_ascii=False)


def run_job(app: Flask, job_id: str | None = None, *, worker_id: str, raise_errors: bool = False) -> jobs.Job | None:
    """Claim ``job_id`` (or the oldest queued job) and run it to the end; ``None`` when nothing was claimed.

    A :class:`~aligner.errors.SeeklineError` (bad audio, text that cannot fit) fails the job at once with
    its message; any other exception is retried until ``MAX_ATTEMPTS``.
    """
    db = database(app)
    lease, max_attempts = float(app.config["LEASE_SECONDS"]), int(app.config["MAX_ATTEMPTS"])
    claim = (jobs.claim(db, job_id, worker_id, lease, max_attempts) if job_id
             else jobs.claim_next(db, worker_id, lease))
    if claim is None:
        if raise_errors:
            raise JobError(f"job {job_id!r} is not queued (another worker has it, or it is finished)")
        return None
    log.info("%s took job %s (episode %s, attempt %d)", worker_id, claim.job_id, claim.episode_id, claim.attempt)
    error: BaseException | None = None
    with app.app_context(), _Heartbeat(app, claim) as beat:
        try:
            result = _align(app, claim, beat)
            jobs.succeed(db, claim, result)
        except jobs.LostClaim:
            log.warning("job %s was taken from %s (lease expired or deleted); result dropped", claim.job_id, worker_id)
        except SeeklineError as e:
            jobs.fail(db, claim, e.message, retry=False, max_attempts=max_attempts)
            error = e
        except Exception as e:
            log.exception("job %s failed", claim.job_id)
            jobs.fail(db, claim, f"attempt {claim.attempt} failed with an internal error ({type(e).__name__}); "
                      "see the worker log", retry=True, max_attempts=max_attempts)
            error = e
    if error is not None and raise_errors:
        raise error
    return jobs.get(db, claim.job_id)


class WorkerPool:
    """Embedded worker threads: each reaps expired leases, then claims and runs queued jobs."""

    def __init__(self, app: Flask, threads: int) -> None:
        self.app = app
        self.poll = float(app.config["POLL_SECONDS"])
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads = [threading.Thread(target=self._loop, name=f"seekline-worker-{i}", daemon=True)
                         for i in range(threads)]

    def start(self) -> WorkerPool:
        for t in self._threads:
            t.start()
        return self

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._wake.set()
        for t in self._threads:
            t.join(timeout)

    def _loop(self) -> None:
        db = database(self.app)
        me = worker_id("thread")
        while not self._stopping.is_set():
            try:
                jobs.reap(db, int(self.app.config["MAX_ATTEMPTS"]))
                if run_job(self.app, worker_id=me) is not None:
                    continue
            except Exception:  # a database hiccup must not kill the thread
                log.exception("worker loop error")
            self._wake.wait(self.poll)
            self._wake.clear()


def start_pool(app: Flask, threads: int) -> WorkerPool | None:
    """Start ``threads`` embedded workers for ``app`` (once); ``None`` for zero threads."""
    if threads <= 0:
        return None
    pool = app.extensions.get(POOL)
    if pool is None:
        pool = app.extensions[POOL] = WorkerPool(app, threads).start()
    return pool


def notify(app: Flask, job_id: str) -> None:
    """Tell whoever runs jobs that ``job_id`` is queued: wake the embedded pool, send it to Celery."""
    pool = app.extensions.get(POOL)
    if pool is not None:
        pool.wake()
    if app.config.get("BROKER_URL"):
        from . import tasks

        try:
            tasks.send(app, job_id)
        except Exception:  # the row stays queued; embedded workers or a reaper pass will pick it up
            log.exception("could not send job %s to the broker", job_id)
