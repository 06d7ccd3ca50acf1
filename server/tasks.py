"""Scale-out: Celery with Redis carries job ids to ``seekline worker`` processes.

A message only says "job X is queued"; the task claims the job row and runs it through
:func:`server.worker.run_job`, exactly as an embedded worker thread does, so the database row stays the
source of truth. Messages are acknowledged late and rejected (requeued) when the worker process dies;
a duplicate or stale message finds the job claimed or finished and does nothing.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery, signals
from flask import Flask

from . import jobs
from .db import database

log = logging.getLogger("seekline.tasks")
TASK = "seekline.align"
QUEUE = "seekline"

celery = Celery("seekline")
celery.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_default_queue=QUEUE,
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
    worker_send_task_events=False,
)

_app: Flask | None = None
_app_lock = threading.Lock()


def configure(broker_url: str) -> Celery:
    celery.conf.broker_url = broker_url
    return celery


def flask_app() -> Flask:
    """This process's Seekline app (settings from the ``SEEKLINE_*`` environment), made on first use."""
    global _app
    with _app_lock:
        if _app is None:
            from . import create_app

            _app = create_app()
        return _app


@signals.worker_process_init.connect
def _forget_parent_app(**_: Any) -> None:
    """A forked pool process makes its own app and database connections, never the parent's."""
    global _app
    _app = None


@celery.task(name=TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def align_job(job_id: str) -> str:
    """Claim and run the job; returns its final state ("" when another worker has it)."""
    from .worker import run_job, worker_id

    job = run_job(flask_app(), job_id, worker_id=worker_id("celery"))
    return job.state if job else ""


_producers: dict[str, Celery] = {}


def send(app: Flask, job_id: str) -> None:
    """Publish ``job_id`` to the broker named by ``app.config["BROKER_URL"]``."""
    url = app.config["BROKER_URL"]
    producer = _producers.get(url)
    if producer is None:
        producer = _producers[url] = Celery("seekline-producer", broker=url)
        producer.conf.update(broker_connection_retry_on_startup=True, task_default_queue=QUEUE,
                             broker_connection_timeout=3, broker_transport_options={"max_retries": 2})
    producer.send_task(TASK, args=[job_id], queue=QUEUE)


class Reaper(threading.Thread):
    """In ``seekline worker``'s main process: requeue jobs whose lease expired and send them again."""

    def __init__(self, app: Flask, every: float) -> None:
        super().__init__(name="seekline-reaper", daemon=True)
        self.app, self.every = app, every
        self.stopping = threading.Event()

    def run(self) -> None:
        db = database(self.app)
        while not self.stopping.wait(self.every):
            try:
                for job_id in jobs.reap(db, int(self.app.config["MAX_ATTEMPTS"])):
                    log.warning("job %s lost its worker; requeued", job_id)
                    send(self.app, job_id)
            except Exception:
                log.exception("reaper pass failed")
