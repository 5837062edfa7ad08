"""What both benchmarks share: the test harness (gunicorn on a free port, throwaway databases, the
form-filling client) and a description of the machine."""

from __future__ import annotations

import datetime
import os
import platform
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support import servers as harness  # noqa: E402

BARE_APP = "bench.bare_app:create_app()"
FLOOR_APP = "bench.floor_app:create_app()"


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory_kib = int(line.split()[1])
    load = os.getloadavg()
    return (
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs ({cpu}), "
        f"{memory_kib / 1024 / 1024:.1f} GiB RAM, Linux {platform.release()}, Python "
        f"{platform.python_version()}; load average before the run {load[0]:.2f}"
    )


def workdir() -> Path:
    return Path(tempfile.mkdtemp(prefix="reprisal-bench-"))


__all__ = ["BARE_APP", "FLOOR_APP", "ROOT", "harness", "machine", "workdir"]
