"""How long ``relais demo`` takes until its logins are printed, against ``relais serve`` on an empty platform.

    python bench/demo_start.py [--runs 3]

Each run starts the real command in a child process on free ports, reads its output line by line and
stops it (SIGINT) as soon as the "prêt"/"démarré" line appears: the time a visitor waits. Three cases:
``relais serve`` after ``relais init`` (the baseline: migrations, plugins, server), a fresh demo (the
kernel's demo data, every plugin's seed_demo and the generated directory of ~3 000 entries imported),
and a second start on the same folder (everything found, nothing imported); with the directory's own
import time, as the demo prints it. Targets: the directory imported in under 2 s, a fresh demo ready
within 10 s of the baseline on a busy machine (about 3 s on an idle one).
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RELAIS = str(Path(sys.executable).with_name("relais"))


IMPORTED = re.compile(r"importés en (\d+,\d) s")
imports: list[float] = []


def time_to_ready(args: list[str], env: dict[str, str], marker: str) -> float:
    started = time.monotonic()
    child = subprocess.Popen([RELAIS, *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    try:
        for line in child.stdout:  # type: ignore[union-attr]
            found = IMPORTED.search(line)
            if found:
                imports.append(float(found.group(1).replace(",", ".")))
            if marker in line:
                return time.monotonic() - started
        raise SystemExit(f"{' '.join(args)} ended without printing « {marker} »")
    finally:
        child.send_signal(signal.SIGINT)
        child.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    env = {k: v for k, v in os.environ.items() if not k.startswith("RELAIS_")}
    env.update(RELAIS_LOG_LEVEL="WARNING", RELAIS_MAIL_RECEIVER_PORT="0")
    figures: dict[str, list[float]] = {"serve (baseline)": [], "demo, fresh": [], "demo, second start": []}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(runs):
            data = Path(tmp) / f"serve{n}"
            subprocess.run([RELAIS, "init"], env={**env, "RELAIS_DATA_DIR": str(data)}, check=True,
                           capture_output=True)
            figures["serve (baseline)"].append(time_to_ready(["serve", "--port", "0"],
                                                             {**env, "RELAIS_DATA_DIR": str(data)}, "est démarré"))
            demo = ["demo", "--data-dir", str(Path(tmp) / f"demo{n}"), "--port", "0", "--mail-port", "0"]
            figures["demo, fresh"].append(time_to_ready(demo, env, "est prêt"))
            figures["demo, second start"].append(time_to_ready(demo, env, "est prêt"))
    print(f"{'case':<22} {'median s':>9} {'min s':>7} {'max s':>7}")
    for case, values in figures.items():
        print(f"{case:<22} {statistics.median(values):>9.2f} {min(values):>7.2f} {max(values):>7.2f}")
    print(f"{'directory import':<22} {statistics.median(imports):>9.2f} {min(imports):>7.2f} {max(imports):>7.2f}")
    extra = statistics.median(figures["demo, fresh"]) - statistics.median(figures["serve (baseline)"])
    directory = statistics.median(imports)
    print(f"directory import: {directory:.1f} s (target under 2 s): {'OK' if directory < 2 else 'TOO SLOW'}")
    print(f"fresh demo over the baseline: {extra:.2f} s (target under 10 s): {'OK' if extra < 10 else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
