"""bench/load.py's nodes: `relais serve` processes started as deployed, and the CPU time and memory of a
process tree (read from /proc), PostgreSQL's and the machine's."""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

RELAIS = str(Path(sys.executable).with_name("relais"))

def _tree(pid: int) -> list[int]:
    """The process and its descendants (gunicorn's master and its workers)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            continue
    return out


def cpu_seconds(pid: int) -> float:
    total = 0
    for p in _tree(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rpartition(")")[2].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            continue
    return total / os.sysconf("SC_CLK_TCK")


def rss_bytes(pid: int, exclude_root: bool = False) -> int:
    """Resident memory of the processes holding the sockets: the process and its descendants, less the node's
    side process (jobs, services: its start and its jobs would be counted as the sockets' memory) and, under
    gunicorn, less the arbiter."""
    total = 0
    for p in _tree(pid):
        if exclude_root and p == pid:
            continue
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                if b"kernel.serving.node" in f.read():
                    continue
        except OSError:
            continue
        try:
            with open(f"/proc/{p}/status") as f:
                total += next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) * 1024
        except (OSError, StopIteration):
            continue
    return total


def postgres_cpu_seconds() -> float:
    """CPU time of the machine's PostgreSQL processes (the local test server's backends)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                head, _, rest = f.read().rpartition(")")
            if head.endswith("(postgres"):
                fields = rest.split()
                total += int(fields[11]) + int(fields[12])
        except OSError:
            continue
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time spent by the whole machine, every core, every process (ours and anyone else's)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # less idle and iowait


def serve_options() -> str:
    return subprocess.run([RELAIS, "serve", "--help"], capture_output=True, text=True).stdout


class Node:
    """One `relais serve` on a free loopback port."""

    def __init__(self, env: dict[str, str], threaded: bool, log_path: Path, workers: int = 1) -> None:
        args = [RELAIS, "serve", "--host", "127.0.0.1", "--port", "0"]
        self.threaded = threaded
        if threaded:
            args.append("--threaded")
        elif workers > 1:
            args += ["--workers", str(workers)]
        self.log = open(log_path, "w")
        self.process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=self.log, text=True,
                                        start_new_session=True)
        self.port = 0
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            if found:
                self.port = int(found[1])
                break
        if not self.port:
            self.stop()
            raise RuntimeError(f"relais serve did not start: see {log_path}")
        # Keep reading its output so that it never blocks on a full pipe.
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid)

    def rss(self) -> int:
        return rss_bytes(self.process.pid, exclude_root=not self.threaded)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


