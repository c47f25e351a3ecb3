"""The review app in a real browser: Debian's Chromium, headless, and the app served by
`python -m workbench ui` on a free localhost port. Shared by tests/test_browser.py and
benchmarks/ui_speed.py.

Chromium is Debian's (`apt-get install chromium`: `/usr/bin/chromium`, else a `chromium` or
`chromium-browser` on PATH), driven through playwright's Python package; no browser is ever
downloaded.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# without the background-networking flags Chromium keeps trying to reach Google's hosts, which
# this machine's closed network refuses
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
START_SECONDS = 120  # until the server answers its health check


def find_chromium() -> Path | None:
    """Debian's chromium: /usr/bin/chromium, else `chromium` or `chromium-browser` on PATH."""
    debian = Path("/usr/bin/chromium")
    if debian.is_file() and os.access(debian, os.X_OK):
        return debian
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return Path(found)
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_app(db_path: Path, log_dir: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """`python -m workbench ui --db db_path` on a free port, its output in log_dir; yields its URL.

    The CLI runs streamlit as a child process, so the server is started in a session of its
    own and stopped as a process group (stopping the CLI alone would leave streamlit running).
    """
    port = free_port()
    command = [sys.executable, "-m", "workbench", "ui", "--port", str(port), "--db", str(db_path)]
    log = log_dir / f"streamlit-{port}.log"
    log_dir.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + START_SECONDS
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as answer:
                        if answer.read() == b"ok":
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.2)
            yield url
        finally:
            _stop(server)


def _stop(server: subprocess.Popen) -> None:
    """Stop the server's process group (the CLI and its streamlit): SIGTERM, then SIGKILL to
    whatever is left of it after 30 s."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(server.pid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and _group_alive(server):
            time.sleep(0.1)
        if not _group_alive(server):
            break
    server.wait()


def _group_alive(server: subprocess.Popen) -> bool:
    server.poll()  # reap the CLI itself once it has exited
    try:
        os.killpg(server.pid, 0)
    except ProcessLookupError:
        return False
    return True
