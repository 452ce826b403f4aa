"""Does the spec pass right code in any style? Judge every right implementation on every claim.

Usage: ``make styles`` (``PYTHONPATH=tests python -m tooling.styles``). Each
tests/implementations/right_*.py computes the article's five functions right, in another style
(a loop over the samples or the features, einsum, the Gram matrix, a history of floats, a 0-d
bias, flat shapes), and is judged on the whole spec, two at a time. Each must pass every claim,
except ``right_flat.py``, which must fail exactly the claims about shapes. The script prints, for
each, the claims it failed and how long its judgement took, and exits 1 if any judgement is not
what it must be.

Outside the suite: a loop over the samples takes minutes for the article's 200,000 epochs. The
suite judges each on the claims its style touches (tests/test_right_implementations.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tooling.model import ROOT
from tooling.runs import FAILURE

IMPLEMENTATIONS = ROOT / "tests" / "implementations"
#: What each must fail: nothing, but for the flat shapes.
MUST_FAIL = {"right_flat.py": {"claim-1.1", "claim-2.1", "claim-2.2", "claim-4.1"}}


def judge(path: Path) -> tuple[str, float]:
    env = {**os.environ, "CI": "true", "HYPOTHESIS_PROFILE": "judged", "COLUMNS": "300"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [
        sys.executable,
        "-m",
        "pytest",
        f"--impl={path.relative_to(ROOT)}",
        "-q",
        "-rfE",
        "-p",
        "no:cacheprovider",
    ]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    return done.stdout, time.perf_counter() - start


def main() -> int:
    right = sorted(IMPLEMENTATIONS.glob("right_*.py"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        outputs = dict(zip(right, pool.map(judge, right), strict=True))
    wrong = 0
    for path, (output, seconds) in outputs.items():
        failed = {m.group(1) for m in FAILURE.finditer(output)}
        expected = MUST_FAIL.get(path.name, set())
        closing = output.strip().splitlines()[-1] if output.strip() else "no output"
        verdict = "as it must" if failed == expected else "NOT AS IT MUST"
        wrong += failed != expected
        listed = ", ".join(sorted(c.removeprefix("claim-") for c in failed)) or "none"
        print(f"{path.name:24} {seconds:6.1f} s  fails {listed} ({verdict}): {closing}")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
