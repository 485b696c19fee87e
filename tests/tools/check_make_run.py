"""Check `make run` as a developer uses it: on a terminal, the login page answers, a heartbeat is
recorded, and Ctrl-C stops the web server and the scheduler (nothing left running).

Usage: python -m tests.tools.check_make_run [PORT]     (from the project folder)
"""

from __future__ import annotations

import os
import pty
import select
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def _processes(port: int) -> list[str]:
    listing = subprocess.run(["ps", "-eo", "pid,args"],  # noqa: S607  (a developer tool)
                             capture_output=True, text=True, check=True).stdout
    return [line.strip() for line in listing.splitlines()
            if "flask --app wsgi scheduler" in line or f"--port {port}" in line]


def _read(fd: int, seconds: float) -> bytes:
    out = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
    return out


def main() -> int:
    """Run the check; exit status 0 when everything held."""
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 5099
    before = set(_processes(port))
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("make", ["make", "run", f"PORT={port}"])  # noqa: S606, S607
    output = b""
    deadline = time.monotonic() + 180
    while b"Running on" not in output and time.monotonic() < deadline:
        output += _read(fd, 1)
    output += _read(fd, 3)
    status = urllib.request.urlopen(f"http://127.0.0.1:{port}/login").status
    running = [p for p in _processes(port) if p not in before]
    database = Path("instance/dualflow.sqlite")
    with sqlite3.connect(database) as connection:
        heartbeats = connection.execute(
            "SELECT count(*) FROM job_runs WHERE job = 'heartbeat'").fetchone()[0]
    os.write(fd, b"\x03")  # Ctrl-C on the terminal: SIGINT to the foreground process group
    output += _read(fd, 5)
    _, exit_status = os.waitpid(pid, 0)
    left = [p for p in _processes(port) if p not in before]
    print(f"/login answered {status}; {len(running)} processes while serving; "
          f"{heartbeats} heartbeat runs recorded; make exited with status {exit_status >> 8}")
    print("left after Ctrl-C:", left or "nothing")
    ok = status == 200 and heartbeats > 0 and not left and any(
        "scheduler" in p for p in running)
    if not ok:
        print(output.decode(errors="replace")[-3000:])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
