"""The machine a benchmark ran on, to print beside its figures and record in its results."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

import numpy as np


def describe() -> dict[str, str]:
    """CPU model (from /proc/cpuinfo), cores, Python and numpy versions."""
    cpuinfo = Path("/proc/cpuinfo")
    model = platform.processor() or "unknown"
    if cpuinfo.exists():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model,
        "cores": str(os.cpu_count()),
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "platform": platform.platform(),
    }


def line() -> str:
    """One line: ``cpu, N cores, Python x.y.z, numpy a.b.c``."""
    m = describe()
    return f"{m['cpu']}, {m['cores']} cores, Python {m['python']}, numpy {m['numpy']} ({m['platform']})"
