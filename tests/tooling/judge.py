"""Run the spec against other implementations in a process of its own, and read what it reports.

``tests/test_wrong_implementations.py`` judges readers' implementations that each make one
mistake. Each judgement is a real ``pytest --impl=...`` run (``pytest.main``, one after
another in one separate interpreter, so the imports are paid once), read as a user reads
it: the line that names the implementation judged, and the short summary's
``FAILED ... - claim-N.M (verdict): ...`` lines. The runs start as soon as collection shows
they are wanted (:func:`start`, called by the plugin), so they proceed on the second core
while the rest of the suite runs.

Usage: ``python -m tooling.judge CASE_JSON ...``, each a :class:`Case` as JSON; for each it
prints a line ``==== judged <path> exit <code>`` and then what pytest printed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

# Not tooling.model's: the driver imports nothing of the spec before pytest.main does.
ROOT = Path(__file__).resolve().parents[2]

#: Set in a judged run, so that it never starts judgements of its own.
NESTED = "LINREG_SPEC_JUDGED_RUN"
HEADER = re.compile(r"^judging (.*) against the article's claims", re.M)
FAILURE = re.compile(r"^(?:FAILED|ERROR) .*? - (claim-\d+\.\d+) \((\w+)\): (.*)$", re.M)
OUTCOME = re.compile(r"^=+ (.*) in [\d.]+s", re.M)


@dataclass(frozen=True)
class Case:
    """One implementation to judge, which claims to run, and what the run must report.

    Attributes
    ----------
    path : str
        The implementation, relative to the repository root.
    select : str
        A ``-m`` marker expression: the claims worth running for this mistake.
    modules : tuple of str
        Step modules to collect (fewer is faster); empty for all.
    extra : tuple of str
        More pytest options, e.g. ``--report-html=...``.
    """

    path: str
    select: str
    modules: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()

    def arguments(self) -> list[str]:
        """pytest's arguments for this judgement."""
        # The second and later runs in one interpreter find the plugin already imported, which
        # pytest reports as a warning (an error under filterwarnings = error); it is harmless.
        return [
            f"--impl={self.path}",
            *("-m", self.select, "-q", "-rfE", "-W", "ignore::pytest.PytestAssertRewriteWarning"),
            *self.extra,
            *self.modules,
        ]


@dataclass(frozen=True)
class Judgement:
    """What one run of the spec reported."""

    case: Case
    returncode: int
    output: str

    @property
    def judged(self) -> str:
        """The implementation its header names."""
        found = HEADER.search(self.output)
        return found.group(1) if found else ""

    @property
    def failed_claims(self) -> set[str]:
        """The claims its failure summary lines name."""
        return {m.group(1) for m in FAILURE.finditer(self.output)}

    @property
    def outcome(self) -> str:
        """pytest's closing line, e.g. ``4 failed, 1 passed, 431 deselected``."""
        found = OUTCOME.search(self.output)
        return found.group(1) if found else self.output[-500:]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # CI=true: pytest prints summary lines whole, whatever the width; the "judged" Hypothesis
    # profile (conftest.py): quick and derandomised, so the same mistake reads the same.
    env.update({NESTED: "1", "CI": "true", "HYPOTHESIS_PROFILE": "judged", "COLUMNS": "200"})
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "tests"), env.get("PYTHONPATH")]))
    return env


SEPARATOR = re.compile(r"^==== judged (\S+) exit (-?\d+)$", re.M)


class Running:
    """Judgements under way in one separate interpreter."""

    def __init__(self, cases: dict[str, Case]) -> None:
        self.cases = cases
        command = [sys.executable, "-m", "tooling.judge", *(json.dumps(asdict(c)) for c in cases.values())]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self._results: dict[str, Judgement] | None = None

    def results(self, timeout: float = 600) -> dict[str, Judgement]:
        """Each case's judgement, once the interpreter is done."""
        if self._results is None:
            output, _ = self.process.communicate(timeout=timeout)
            parts = SEPARATOR.split(output)
            found = {
                path: (int(code), text)
                for path, code, text in zip(parts[1::3], parts[2::3], parts[3::3], strict=True)
            }
            self._results = {
                name: Judgement(case, *found.get(case.path, (-1, output[-2000:])))
                for name, case in self.cases.items()
            }
        return self._results


def start(cases: dict[str, Case], processes: int = 2) -> dict[str, Running]:
    """Start the cases in ``processes`` interpreters, the most expensive (a full selection) alone."""
    if not cases:
        return {}
    names = sorted(cases, key=lambda n: cases[n].modules != ())  # whole-spec runs first
    groups = [names[:1], names[1:]] if processes > 1 and len(names) > 1 else [names]
    running = {}
    for group in groups:
        run = Running({n: cases[n] for n in group})
        running.update(dict.fromkeys(group, run))
    return running


def main(argv: list[str]) -> int:
    """Run each case's judgement with pytest.main, one after the other, and print what each said."""
    import pytest

    for text in argv:
        case = Case(**{k: tuple(v) if isinstance(v, list) else v for k, v in json.loads(text).items()})
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = pytest.main(case.arguments())
        print(f"==== judged {case.path} exit {int(code)}")
        print(out.getvalue(), flush=True)
    return 0


def wanted(modules: list[object]) -> dict[str, Case]:
    """The cases the collected modules declare (a module-level ``JUDGE = {name: Case}``)."""
    if os.environ.get(NESTED):
        return {}
    cases: dict[str, Case] = {}
    for module in modules:
        cases.update(getattr(module, "JUDGE", {}))
    return cases


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
