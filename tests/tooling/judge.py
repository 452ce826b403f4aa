"""Run the spec against other implementations in a process of its own, and read what it reports.

``tests/test_wrong_implementations.py`` judges readers' implementations that each make one
mistake. Each judgement is a real ``pytest --impl=...`` run (``pytest.main``, one after
another in one separate interpreter, so the imports are paid once), read as a user reads
it: the line that names the implementation judged, and the short summary's
``FAILED ... - claim-N.M (verdict): ...`` lines. The runs start as soon as collection shows
they are wanted (:func:`start`, from a test module's ``start_early()``), so they proceed on
the spare core while the rest of the suite runs.

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
        # At a lower priority: the suite in the foreground comes first.
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=lambda: os.nice(10),
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


_running: dict[str, Running] = {}


def start(cases: dict[str, Case]) -> None:
    """Start the cases not yet under way, once: a whole-spec run in an interpreter of its own,
    the others together in another. A test module calls this from its ``start_early()``
    (see the top-level conftest.py), so the runs proceed on a spare core beside the suite."""
    if os.environ.get(NESTED):
        return
    new = {name: case for name, case in cases.items() if name not in _running}
    whole = [name for name, case in new.items() if not case.modules]
    groups = [[name] for name in whole] + [[name for name in new if name not in whole]]
    for group in filter(None, groups):
        run = Running({name: new[name] for name in group})
        _running.update(dict.fromkeys(group, run))


def results(cases: dict[str, Case]) -> dict[str, Judgement]:
    """Each case's judgement, starting any case not yet under way, waiting for them to finish."""
    start(cases)
    return {name: _running[name].results()[name] for name in cases}


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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
