"""Can every scenario fail? Run the whole spec against every wrong implementation and see.

Usage: ``make mutants`` (``PYTHONPATH=tests python -m tooling.mutants``). Each file in
tests/implementations/ other than reader.py and right_*.py (right: ``make styles`` judges
those) and missing_predict.py (refused before anything runs) is judged on every claim, two at
a time. The script prints, for each, the claims it fails and the root causes its run names
(tooling/causes.py: the mistake's own claim first), then every scenario that no wrong
implementation fails, leaving out those tagged ``@reference`` (the article's data and
scikit-learn's own figures, the same whatever is judged). An outline counts as failed when any
of its examples fails. It exits 1 if a scenario is left, so that a new scenario no mistake can
reach is noticed.

The suite's own check (tests/test_wrong_implementations.py) runs each wrong implementation
only on the claims its mistake is about; this is the whole picture, in about a minute.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tooling.model import REFERENCE, ROOT, parse_spec
from tooling.runs import FAILURE, ROOT_CAUSES

IMPLEMENTATIONS = ROOT / "tests" / "implementations"
NOT_WRONG = {"reader.py", "missing_predict.py"}
#: A failed scenario's summary line: its module and its name (tooling.binding's id, without the
#: claim or an outline example's row).
FAILED_TEST = re.compile(
    r"^(?:FAILED|ERROR) (\S+?\.py)::(?:claim-\d+\.\d+|contract|Scenario): "
    r"(.*?)(?:\[[^\]]*\])?(?: - .*)?$",
    re.M,
)


def judge(path: Path) -> str:
    env = {**os.environ, "CI": "true", "HYPOTHESIS_PROFILE": "judged", "COLUMNS": "300"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-m", "pytest", f"--impl={path.relative_to(ROOT)}", "-q", "-rfE"]
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False).stdout


def main() -> int:
    wrong = sorted(
        p for p in IMPLEMENTATIONS.glob("*.py") if p.name not in NOT_WRONG and not p.name.startswith("right_")
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        outputs = dict(zip(wrong, pool.map(judge, wrong), strict=True))
    failed: set[tuple[str, str]] = set()
    for path, output in outputs.items():
        claims = sorted(
            {m.group(1) for m in FAILURE.finditer(output)}, key=lambda c: [int(x) for x in c[6:].split(".")]
        )
        listed = ", ".join(c.removeprefix("claim-") for c in claims)
        roots = ROOT_CAUSES.findall(output)
        print(f"{path.name:28} fails {len(claims):2} claims: {listed}")
        print(f"{'':28} root causes: {roots[-1] if roots else 'none named'}")
        failed |= {
            (Path(m.group(1)).stem.removeprefix("test_"), m.group(2)) for m in FAILED_TEST.finditer(output)
        }
    spec = parse_spec()
    never = [
        f"{Path(rule.feature).name}:{s.line}  {s.keyword}: {s.name}"
        for rule in spec.rules
        if rule.claims
        for s in rule.scenarios
        if REFERENCE not in s.tags
        and "contract" not in s.tags
        and (Path(rule.feature).stem, s.name) not in failed
    ]
    print(f"\nscenarios of the article's claims that no wrong implementation fails (besides @{REFERENCE}):")
    print("\n".join(f"  {line}" for line in never) or "  none")
    return 1 if never else 0


if __name__ == "__main__":
    sys.exit(main())
