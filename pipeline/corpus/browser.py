"""A headless Chromium driven over the DevTools protocol on a pipe (no browser download, no
network port, no driver package): load a page, read `document.body.innerText`, the DOM as the
browser serializes it, or print the page to PDF.  One browser serves a whole batch."""
from __future__ import annotations

import base64
import json
import os
import shutil
import tempfile
from pathlib import Path

# the flags the project's brief requires for headless Chromium on this kind of machine
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-dev-shm-usage", "--mute-audio", "--hide-scrollbars"]
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "chrome")


class BrowserError(RuntimeError):
    pass


def find_chromium() -> str | None:
    env = os.environ.get("GOVREPORT_CHROMIUM")
    if env:
        return env if Path(env).exists() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _high(fds: tuple[int, int]) -> tuple[int, int]:
    """The pipe moved to fds >= 10, so redirecting the child's fds 3 and 4 never clobbers them."""
    import fcntl

    out = []
    for fd in fds:
        out.append(fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10))
        os.close(fd)
    return out[0], out[1]


class Browser:
    """`with Browser() as b: b.inner_text(path); b.print_pdf(path)`."""

    def __init__(self, executable: str | None = None, timeout: float = 60.0):
        self.executable = executable or find_chromium()
        if not self.executable:
            raise BrowserError("no Chromium found (apt-get install chromium, or set GOVREPORT_CHROMIUM)")
        self.timeout = timeout
        self._next = 0
        self._buffer = b""
        self._profile = tempfile.mkdtemp(prefix="govreport-chromium-")
        cmd_r, self._cmd_w = _high(os.pipe())
        self._resp_r, resp_w = _high(os.pipe())
        # Chromium reads commands on fd 3 and writes replies on fd 4 (--remote-debugging-pipe).
        # posix_spawn's dup2 puts the pipe there without a shell (dash cannot redirect fds >= 10).
        args = [self.executable, *FLAGS, f"--user-data-dir={self._profile}", "--remote-debugging-pipe", "about:blank"]
        actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                   (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                   (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0),
                   (os.POSIX_SPAWN_DUP2, cmd_r, 3), (os.POSIX_SPAWN_DUP2, resp_w, 4)]
        self._pid = os.posix_spawn(self.executable, args, os.environ, file_actions=actions)
        os.close(cmd_r)
        os.close(resp_w)
        self._events: list[dict] = []

    # --- protocol ------------------------------------------------------------------------

    def _send(self, method: str, params: dict | None = None, session: str | None = None) -> dict:
        self._next += 1
        msg = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._read()
            if reply.get("id") == self._next:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error'].get('message')}")
                return reply.get("result", {})
            self._events.append(reply)

    def _read(self) -> dict:
        import select

        while b"\0" not in self._buffer:
            ready, _, _ = select.select([self._resp_r], [], [], self.timeout)
            if not ready:
                raise BrowserError(f"Chromium did not answer within {self.timeout:.0f} s")
            chunk = os.read(self._resp_r, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium exited")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def _wait_event(self, method: str, session: str) -> dict:
        while True:
            for i, event in enumerate(self._events):
                if event.get("method") == method and event.get("sessionId") == session:
                    return self._events.pop(i)
            self._events.append(self._read())

    # --- pages -----------------------------------------------------------------------------

    def _open(self, path: Path) -> tuple[str, str]:
        target = self._send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self._send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self._send("Page.enable", session=session)
        self._events = [e for e in self._events if e.get("sessionId") != session]
        self._send("Page.navigate", {"url": Path(path).resolve().as_uri()}, session=session)
        self._wait_event("Page.loadEventFired", session)
        return target, session

    def _close(self, target: str) -> None:
        self._send("Target.closeTarget", {"targetId": target})
        self._events = []

    def evaluate(self, path: Path, expression: str) -> str:
        target, session = self._open(path)
        try:
            result = self._send("Runtime.evaluate", {"expression": expression, "returnByValue": True},
                                session=session)
            return str(result.get("result", {}).get("value", ""))
        finally:
            self._close(target)

    def inner_text(self, path: Path) -> str:
        """What select-all + copy gives in the browser: the rendered text with its line breaks."""
        return self.evaluate(path, "document.body.innerText")

    def saved_html(self, path: Path) -> str:
        """The page as the browser serializes its DOM (what "Save page as, HTML only" writes)."""
        return self.evaluate(path, "'<!DOCTYPE html>\\n' + document.documentElement.outerHTML")

    def print_pdf(self, path: Path) -> bytes:
        """The page printed to an A4 PDF, the way a person prints a report page to file."""
        target, session = self._open(path)
        try:
            result = self._send("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69, "marginTop": 0.6,
                                                    "marginBottom": 0.6, "marginLeft": 0.6, "marginRight": 0.6,
                                                    "printBackground": False}, session=session)
            return base64.b64decode(result["data"])
        finally:
            self._close(target)

    def close(self) -> None:
        try:
            self._send("Browser.close")
        except (BrowserError, OSError):
            pass
        self._reap()
        for fd in (self._cmd_w, self._resp_r):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self._profile, ignore_errors=True)

    def _reap(self, grace: float = 10.0) -> None:
        import signal
        import time

        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            pid, _ = os.waitpid(self._pid, os.WNOHANG)
            if pid:
                return
            time.sleep(0.05)
        os.kill(self._pid, signal.SIGKILL)
        os.waitpid(self._pid, 0)

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
