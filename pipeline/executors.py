"""Executors run `batch.process` over tasks and yield outcomes as they finish.

    LocalExecutor  worker processes on this machine (default: one per core)
    RayExecutor    Ray actors on a local or existing cluster (extra `ray`)

Both load the models once per worker (`batch.warm_up`), keep two tasks queued per worker so
none waits for the driver, and turn a worker that dies or overruns `timeout` into a failed
outcome for the document it was reading; the batch goes on with a fresh worker.
"""
from __future__ import annotations

import os
import signal
import sys
import time
from collections import deque
from typing import Iterator

from .batch import Limits, Task, failed_outcome, process, read_member, warm_up

PREFETCH = 2


class ExecutorError(RuntimeError):
    """The executor cannot run at all (models broken, Ray missing or unreachable)."""


def ocr_threads_per_worker(workers: int) -> int:
    """Cores shared out between the workers' OCR engines (GOVREPORT_OCR_THREADS wins)."""
    return max(1, (os.cpu_count() or 1) // max(1, workers))


def _die_with_parent() -> None:
    """Linux: the kernel kills this worker when the driver dies (even by kill -9)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _exit_with_driver(lifeline) -> None:
    """Exit as soon as the driver is gone.  Workers forked from the fork server are not the
    driver's children (PR_SET_PDEATHSIG watches the fork server, which itself lives as long as
    they do), so each holds the read end of a pipe only the driver writes: EOF means it died."""
    import threading

    def watch() -> None:
        try:
            lifeline.recv()
        except (EOFError, OSError):
            pass
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-driver", daemon=True).start()


def _how_it_died(code: int | None) -> str:
    if code is None:
        return "worker process stopped"
    if code < 0:
        try:
            return f"worker process killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"worker process killed by signal {-code}"
    return f"worker process exited with code {code}"


# --- local processes ---------------------------------------------------------------------------

def _worker_main(conn, lifeline, ocr_threads: int, limits: Limits) -> None:
    _die_with_parent()
    _exit_with_driver(lifeline)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the driver's to handle
    os.environ.setdefault("GOVREPORT_OCR_THREADS", str(ocr_threads))
    try:
        warm_up()
    except Exception as exc:
        conn.send(("fatal", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            msg = conn.recv()
        except EOFError:
            return
        if msg is None:
            return
        task_id, task = msg
        conn.send(("done", task_id, process(task, limits)))


# A result (~400 KB) larger than the pipe's buffer keeps its worker waiting in send() until the
# driver, busy storing another worker's document, reads it: measured 5 ms a document.  Room for a
# whole result lets the worker go on at once (what is in the buffer survives the worker's death).
SEND_BUFFER = 4 << 20


def _roomy(conn) -> None:
    try:
        import socket

        with socket.socket(fileno=os.dup(conn.fileno())) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SEND_BUFFER)
    except OSError:  # not a socket on this platform: the default buffer works, only slower
        pass


class _Worker:
    def __init__(self, ctx, ocr_threads: int, limits: Limits):
        self.conn, child = ctx.Pipe()
        _roomy(child)
        lifeline, self._lifeline = ctx.Pipe(duplex=False)  # never written: closed when the driver dies
        self.proc = ctx.Process(target=_worker_main, args=(child, lifeline, ocr_threads, limits), daemon=True)
        self.proc.start()
        child.close()
        lifeline.close()
        self.queue: deque[tuple[int, Task]] = deque()
        self.ready = False
        self.head_since: float | None = None  # when the task at the head of the queue started

    def send(self, task_id: int, task: Task) -> None:
        self.queue.append((task_id, task))
        if len(self.queue) == 1 and self.ready:
            self.head_since = time.monotonic()
        try:
            self.conn.send((task_id, task))
        except (OSError, ValueError):  # died meanwhile: the driver's death check requeues it
            pass

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()
        self._lifeline.close()


class LocalExecutor:
    """A pool of worker processes.  Where the platform has it, workers are forked from a fork
    server that loaded the models once (nothing inherited from the driver, whose threads and
    open store must not be forked); elsewhere each spawned worker loads them itself."""

    def __init__(self, workers: int | None = None, timeout: float | None = None, limits: Limits = Limits()):
        import multiprocessing

        self.workers = max(1, workers or os.cpu_count() or 1)
        self.timeout = timeout
        self.limits = limits
        if "forkserver" in multiprocessing.get_all_start_methods():
            self._ctx = multiprocessing.get_context("forkserver")
            self._ctx.set_forkserver_preload(["pipeline._preload"])
        else:
            self._ctx = multiprocessing.get_context("spawn")
        self._pool: list[_Worker] = []

    def prepare(self) -> None:
        """Start the fork server now: it loads the models (seconds) while the driver is still
        walking the archive, instead of after it."""
        if self._ctx.get_start_method() == "forkserver":
            from multiprocessing import forkserver

            forkserver.ensure_running()

    def _spawn(self) -> _Worker:
        return _Worker(self._ctx, ocr_threads_per_worker(self.workers), self.limits)

    def run(self, tasks: list[Task]) -> Iterator[dict]:
        from multiprocessing.connection import wait

        pending = deque(enumerate(tasks))
        self._pool = [self._spawn() for _ in range(min(self.workers, len(tasks)))]
        while pending or any(w.queue for w in self._pool):
            for w in self._pool:
                while pending and len(w.queue) < PREFETCH:
                    w.send(*pending.popleft())
            waitables = [w.conn for w in self._pool] + [w.proc.sentinel for w in self._pool]
            ready = set(wait(waitables, timeout=1.0))
            for i, w in enumerate(self._pool):
                died = False
                try:
                    # one message per ready pipe (the next `wait` finds the others); a worker
                    # that exited is drained first, so nothing it finished is lost
                    while w.conn in ready or (w.proc.sentinel in ready and w.conn.poll()):
                        ready.discard(w.conn)
                        msg = w.conn.recv()
                        if msg[0] == "fatal":
                            raise ExecutorError(f"worker could not load the models: {msg[1]}")
                        if msg[0] == "ready":
                            w.ready = True
                            w.head_since = time.monotonic() if w.queue else None
                        elif msg[0] == "done":
                            w.queue.popleft()
                            w.head_since = time.monotonic() if w.queue else None
                            yield msg[2]
                except (EOFError, OSError):
                    died = True
                died = died or (w.proc.sentinel in ready and not w.proc.is_alive())
                overran = (self.timeout is not None and w.head_since is not None
                           and time.monotonic() - w.head_since > self.timeout)
                if not (died or overran):
                    continue
                w.kill()
                if w.queue:
                    task_id, task = w.queue.popleft()
                    why = (f"timed out after {self.timeout:g} s; worker stopped" if overran and not died
                           else f"{_how_it_died(w.proc.exitcode)} while extracting this document")
                    yield failed_outcome(task, why, time.monotonic() - (w.head_since or time.monotonic()))
                    pending.extendleft(reversed(w.queue))  # the queued ones were not started
                self._pool[i] = self._spawn()

    def close(self) -> None:
        for w in self._pool:
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
        for w in self._pool:
            w.proc.join(2)
            w.kill()
        self._pool = []


# --- Ray ---------------------------------------------------------------------------------------

class _Extractor:
    """A Ray actor: the models load once in __init__, then documents stream through."""

    def __init__(self, ocr_threads: int, limits: Limits):
        os.environ.setdefault("GOVREPORT_OCR_THREADS", str(ocr_threads))
        self.limits = limits
        warm_up()

    def process(self, task: Task) -> dict:
        return process(task, self.limits)


class RayExecutor:
    """Ray actors, one CPU each.  `address` None starts a local Ray instance for this batch;
    "auto" or "ray://host:10001" connects to an existing cluster, whose nodes need govreport
    installed.  Documents travel as bytes, so the nodes need no shared file system."""

    def __init__(self, workers: int | None = None, address: str | None = None, timeout: float | None = None,
                 limits: Limits = Limits()):
        try:
            import ray
        except ImportError as exc:
            raise ExecutorError("the ray executor needs Ray: pip install 'govreport[ray]'") from exc
        self.ray = ray
        self.timeout = timeout
        self.limits = limits
        self._owns = False
        if not ray.is_initialized():
            try:
                if address:
                    ray.init(address=address, log_to_driver=False, configure_logging=False)
                else:
                    ray.init(num_cpus=workers or os.cpu_count() or 1, include_dashboard=False,
                             log_to_driver=False, configure_logging=False)
            except Exception as exc:
                raise ExecutorError(f"cannot start or reach Ray ({type(exc).__name__}: {exc})") from exc
            self._owns = True
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.workers = max(1, workers or cpus)
        self._actor_cls = ray.remote(num_cpus=1, max_restarts=0)(_Extractor)
        self._actors: list = []

    def _spawn(self):
        return self._actor_cls.remote(ocr_threads_per_worker(self.workers), self.limits)

    def _with_data(self, task: Task) -> Task:
        if task.data is not None:
            return task
        if task.members:
            data = read_member(task.path, task.members, self.limits)
        else:
            with open(task.path, "rb") as fh:
                data = fh.read()
        return Task(task.key, task.display, task.path, task.members, task.size, data)

    def run(self, tasks: list[Task]) -> Iterator[dict]:
        ray = self.ray
        from ray.exceptions import RayActorError, RayTaskError

        pending = deque(tasks)
        self._actors = [self._spawn() for _ in range(min(self.workers, len(tasks)))]
        queues: list[deque] = [deque() for _ in self._actors]  # (ref, task, submitted at)
        while pending or any(queues):
            for i, actor in enumerate(self._actors):
                while pending and len(queues[i]) < PREFETCH:
                    task = pending.popleft()
                    try:
                        shipped = self._with_data(task)
                    except Exception as exc:  # unreadable since discovery
                        yield failed_outcome(task, f"cannot read: {exc}")
                        continue
                    queues[i].append((actor.process.remote(shipped), task, time.monotonic()))
            heads = [q[0][0] for q in queues if q]
            if not heads:
                continue
            ready, _ = ray.wait(heads, num_returns=1, timeout=1.0)
            for i, q in enumerate(queues):
                if not q:
                    continue
                ref, task, since = q[0]
                if ref in ready:
                    try:
                        outcome = ray.get(ref)
                    except (RayActorError, RayTaskError) as exc:
                        outcome = None
                        error = f"Ray worker failed while extracting this document ({type(exc).__name__})"
                    q.popleft()
                    if outcome is not None:
                        yield outcome
                        if q:  # the next one starts now
                            q[0] = (q[0][0], q[0][1], time.monotonic())
                        continue
                elif self.timeout is not None and time.monotonic() - since > self.timeout:
                    q.popleft()
                    error = f"timed out after {self.timeout:g} s; worker stopped"
                else:
                    continue
                yield failed_outcome(task, error, time.monotonic() - since)
                ray.kill(self._actors[i], no_restart=True)
                pending.extendleft(reversed([t for _, t, _ in q]))
                q.clear()
                self._actors[i] = self._spawn()

    def close(self) -> None:
        for actor in self._actors:
            try:
                self.ray.kill(actor, no_restart=True)
            except Exception:
                pass
        self._actors = []
        if self._owns:
            self.ray.shutdown()
