"""Child interpreters that run the aligner's heavy calls side by side, one call at a time each.

numpy's small operations hold the GIL, so threads cannot share the DTWs and the MFCCs of a long recording
between cores; processes can. Unlike multiprocessing, these work from any caller, a script without a main
guard or a daemonic Celery worker included.
"""

from __future__ import annotations

import os
import pickle
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import BinaryIO

from .errors import AlignmentError, SeeklineError

TIMEOUT_BASE, TIMEOUT_PER_SECOND = 120.0, 1.0  # a call is stopped after this (a window of turns takes seconds)


class Workers:
    """``count`` child interpreters (``python -m aligner.workers``) that do calls side by side; with ``count`` 0,
    calls are done here, one by one.

    A call is a module-level function of the aligner (sent by name), its arguments, and the seconds of audio it
    works on, for its time limit. The children start with the pool, so their start-up overlaps the caller's work.
    """

    def __init__(self, count: int) -> None:
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._all = [_Worker() for _ in range(count)]
        for worker in self._all:
            self._idle.put(worker)
        self._pool = ThreadPoolExecutor(max(1, count))

    @property
    def parallel(self) -> bool:
        """Whether calls run in children, beside the caller."""
        return bool(self._all)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        self._pool.shutdown()
        for worker in self._all:  # all told first, they exit side by side
            worker.stop()
        for worker in self._all:
            worker.close()

    def submit(self, function: Callable[..., object], args: tuple, seconds: float) -> Future:
        """``function(*args)``, in a child when there are any."""
        if not self._all:
            done: Future = Future()
            done.set_result(function(*args))
            return done
        return self._pool.submit(self._call, function, args, seconds)

    def _call(self, function: Callable[..., object], args: tuple, seconds: float) -> object:
        worker = self._idle.get()
        try:
            return worker.call(function, args, seconds)
        finally:
            self._idle.put(worker)


class _Worker:
    """One child interpreter, started again if a call killed it."""

    def __init__(self) -> None:
        self._start()

    def _start(self) -> None:
        self._errors = tempfile.TemporaryFile()
        self._proc = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=self._errors, env=_one_thread())

    def call(self, function: Callable[..., object], args: tuple, seconds: float) -> object:
        if self._proc.poll() is not None:
            self.close()
            self._start()
        limit = TIMEOUT_BASE + TIMEOUT_PER_SECOND * seconds
        overran = threading.Event()

        def stop() -> None:
            overran.set()
            self._proc.kill()

        timer = threading.Timer(limit, stop)
        timer.start()
        try:
            _send(self._proc.stdin, (function, args))
            result = _receive(self._proc.stdout)
        except (OSError, EOFError, pickle.UnpicklingError):
            result = None
        finally:
            timer.cancel()
        if result is None:  # it is dead or dying: make sure, so that the next call starts another
            self._proc.kill()
            self._proc.wait()
        if overran.is_set():
            raise AlignmentError(f"aligning {seconds:.0f} s of audio took over {limit:.0f} s and was stopped; "
                                 "the machine may be overloaded, or eSpeak hung: try the job again")
        if result is None:
            self._errors.seek(0)
            raise AlignmentError(f"a worker process failed in {function.__name__}: "
                                 f"{self._errors.read().decode(errors='replace')[-500:]}")
        if isinstance(result, Exception):
            raise result
        return result

    def stop(self) -> None:
        """Tell the child to exit once its call is done (:meth:`close` waits for it)."""
        try:
            self._proc.stdin.close()
        except OSError:
            pass

    def close(self) -> None:
        try:
            self._proc.stdin.close()  # the child's cue to exit
            self._proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self._proc.kill()
            self._proc.wait()
        self._proc.stdout.close()
        self._errors.close()


def _one_thread() -> dict[str, str]:
    """The environment for a worker: numpy's BLAS on one thread, as the workers already fill the cores."""
    return {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


def _send(stream: BinaryIO, obj: object) -> None:
    data = pickle.dumps(obj)
    stream.write(len(data).to_bytes(8, "little") + data)
    stream.flush()


def _receive(stream: BinaryIO) -> object:
    size = int.from_bytes(_read(stream, 8), "little")
    return pickle.loads(_read(stream, size))


def _read(stream: BinaryIO, size: int) -> bytes:
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the stream ended")
    return data


def _serve() -> None:
    """The child side of :class:`_Worker`: calls from stdin, each answered on stdout with its result (or error),
    until stdin closes. Anything else written to stdout goes to stderr, so it cannot garble the answers."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    while True:
        try:
            function, args = _receive(sys.stdin.buffer)
        except EOFError:
            return
        try:
            result: object = function(*args)
        except SeeklineError as e:
            result = e
        _send(answers, result)


if __name__ == "__main__":  # as aligner.workers, not __main__, so that what it sends back unpickles as such
    from aligner.workers import _serve as serve

    serve()
