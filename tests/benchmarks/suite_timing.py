"""How long the suite takes: the README's test command, one claim, and the suite without its runs of itself.

Run with ``make benchmark-suite`` (a script, not a timed test: the figures depend on the
machine and what else it is doing). Each command runs once to warm the caches (bytecode,
rewritten test modules, the Hypothesis database) and is then timed, wall clock, over
``ROUNDS`` rounds; the best and the median are printed beside the targets, with the machine.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchmark_machine import line

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 3
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
#: The modules that run the suite against itself in the background (readers' implementations,
#: the report in a browser, the docs' commands) or start interpreters of their own.
SELF_RUNS = [
    "tests/test_wrong_implementations.py",
    "tests/test_right_implementations.py",
    "tests/test_isolation.py",
    "tests/test_impl_option.py",
    "tests/test_report.py",
    "tests/test_spec_tooling.py",
    "tests/test_spec_bindings.py",
    "tests/test_streams_and_signals.py",
    "docs/test_commands.py",
]
#: name -> (command, target in seconds or None). The targets: issue 15 (the whole suite, however
#: many implementations it judges), issue 13 (judging a reader's implementation).
COMMANDS = {
    "the README's test command (make test: the whole suite)": (PYTEST, 30.0),
    "one claim (pytest -m claim-3.3)": ([*PYTEST, "-m", "claim-3.3"], 5.0),
    "judging a reader's implementation (pytest --impl=tests/implementations/reader.py)": (
        [*PYTEST, "--impl=tests/implementations/reader.py"],
        8.0,
    ),
    "the suite without its runs of itself": ([*PYTEST, *(f"--ignore={m}" for m in SELF_RUNS)], None),
}


def timed(command: list[str]) -> float:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as make test runs it: bytecode caches are used
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}")
    return elapsed


def main() -> int:
    print(f"machine: {line()}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name, (command, target) in COMMANDS.items():
        timed(command)  # warm
        times = [timed(command) for _ in range(ROUNDS)]
        met = "met" if target is not None and min(times) < target else "NOT met"
        verdict = "" if target is None else f"   target < {target:g} s: {met}"
        print(f"{name}\n  best {min(times):5.1f} s, median {statistics.median(times):5.1f} s{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
