"""A PostgreSQL server for the tests: the one on 127.0.0.1:5432 if it answers, else a throwaway cluster.

The throwaway cluster is initialised in a temporary folder and runs as the ``postgres`` system user
on a free port; postgresql is installed with apt-get first when missing.
"""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time

import psycopg2

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/test"


def answers(url: str) -> bool:
    try:
        psycopg2.connect(url, connect_timeout=3).close()
        return True
    except psycopg2.OperationalError:
        return False


def _bin_dir() -> str | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return os.path.dirname(found[-1]) if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayCluster:
    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="relais-pg-")
        self.port = _free_port()
        self.bin = _bin_dir()

    def start(self) -> str:
        if self.bin is None:
            subprocess.run(["apt-get", "update", "-q"], check=True, stdout=subprocess.DEVNULL)
            subprocess.run(["apt-get", "install", "-y", "-q", "postgresql"], check=True,
                           env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, stdout=subprocess.DEVNULL)
            self.bin = _bin_dir()
            if self.bin is None:
                raise RuntimeError("postgresql was installed but pg_ctl is still missing")
        shutil.chown(self.dir, "postgres")
        data = os.path.join(self.dir, "data")
        run = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(run + [f"{self.bin}/initdb", "-D", data, "-A", "trust", "-U", "postgres"],
                       check=True, stdout=subprocess.DEVNULL)
        subprocess.run(run + [f"{self.bin}/pg_ctl", "-D", data, "-l", os.path.join(self.dir, "log"), "-w", "-o",
                              f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                       check=True, stdout=subprocess.DEVNULL)
        url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        for _ in range(50):
            if answers(url):
                break
            time.sleep(0.1)
        conn = psycopg2.connect(url)
        conn.autocommit = True
        conn.cursor().execute("CREATE DATABASE test")
        conn.close()
        return f"postgresql://postgres@127.0.0.1:{self.port}/test"

    def stop(self) -> None:
        run = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run(run + [f"{self.bin}/pg_ctl", "-D", os.path.join(self.dir, "data"), "-m", "immediate", "stop"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(self.dir, ignore_errors=True)
