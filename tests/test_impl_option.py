"""``pytest --impl PATH`` works with or without ``=``, from inside the checkout or outside it.

(And, as these runs are piped at 80 columns, every FAILED line of a run names its claim.)

pytest chooses its configuration from the command line's paths before the project's plugin
loads; the launcher installed by ``make setup`` (tests/launcher/) runs pytest again with this
checkout's configuration when that choice missed it, or, called from Python, answers in one
line with the command that works. Each case judges a reader's file kept outside the checkout
(a copy of tests/implementations/predict_without_bias.py) on claim 4.1, which it fails: the
run must name it as judged and end with its root cause. The ``=`` spelling from inside the
checkout is how every other run of the suite judges an implementation.

The command-line cases are real interpreters, started when the suite is collected
(``start_early``, see the top-level conftest.py) so they run beside the other tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from tooling import runs
from tooling.model import ROOT
from tooling.runs import Run

WRONG = ROOT / "tests" / "implementations" / "predict_without_bias.py"
OUTSIDE = Path(tempfile.gettempdir()) / "linreg-impl-option"
MINE = OUTSIDE / "mine.py"
#: Spelling, the folder pytest starts in, and its arguments.
CASES = {
    "a path outside, with a space, from inside": (
        ROOT,
        ["--impl", str(MINE), "tests/test_section4_evaluation.py"],
    ),
    "with =, from outside": (OUTSIDE, ["--impl=mine.py"]),
    "with a space, from outside": (
        OUTSIDE,
        ["--impl", "mine.py", str(ROOT / "tests" / "test_section4_evaluation.py")],
    ),
}
SELECT = ["-q", "-rfE", "-m", "claim-4.1", "-p", "no:cacheprovider"]
#: pytest.main from Python, in the suite's background interpreter (inside the checkout).
PYTEST_RUNS = {"from python": Run(("--impl", str(MINE), "-q", "-m", "claim-4.1"))}

_running: dict[str, subprocess.Popen] = {}


def start_early() -> None:
    """Start the interpreters, once (see the top-level conftest.py)."""
    if _running:
        return
    OUTSIDE.mkdir(exist_ok=True)
    shutil.copy(WRONG, MINE)
    # Piped, at 80 columns, not in CI (where pytest would print summary lines whole).
    env = {**os.environ, "COLUMNS": "80", "HYPOTHESIS_PROFILE": "judged"}
    env.pop("CI", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop(runs.NESTED, None)
    for name, (folder, arguments) in CASES.items():
        _running[name] = subprocess.Popen(
            [sys.executable, "-m", "pytest", *arguments, *SELECT],
            cwd=folder,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=lambda: os.nice(10),
        )


@pytest.fixture(scope="module")
def judged() -> Iterator[dict[str, tuple[int, str]]]:
    start_early()
    yield {name: (p.wait(timeout=300), p.communicate()[0]) for name, p in _running.items()}


@pytest.mark.parametrize("case", CASES)
def test_the_spec_judges_the_file_it_is_given(judged: dict[str, tuple[int, str]], case: str) -> None:
    status, output = judged[case]
    assert status == pytest.ExitCode.TESTS_FAILED, output[-1500:]
    assert f"judging {MINE} against the article's claims" in output
    assert output.rstrip().splitlines()[-2:][0] == "root causes: claim-4.1", output[-500:]
    # Piped at 80 columns pytest cuts a summary line's message, never the test id: the claim stays.
    failed = [line for line in output.splitlines() if line.startswith(("FAILED ", "ERROR "))]
    assert failed and all(re.match(r"(FAILED|ERROR) \S+::claim-\d+\.\d+: ", line) for line in failed), failed


def test_called_from_python_it_answers_in_one_line_with_the_command_that_works() -> None:
    outcome = runs.outcome(PYTEST_RUNS["from python"])
    lines = [line for line in outcome.output.splitlines() if line.strip()]
    assert outcome.status == pytest.ExitCode.USAGE_ERROR
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"ERROR: --impl {MINE}: pytest found no linreg spec from here; run pytest -c ")
    assert f"--impl={MINE}" in lines[0]


def test_linregs_own_distribution_registers_no_pytest_plugin() -> None:
    # The launcher is a distribution of its own, installed from the checkout; linreg's wheel
    # must not make every pytest run of its users load the spec.
    plugins = entry_points(group="pytest11")
    assert [ep.value for ep in plugins if ep.dist is not None and ep.dist.name == "linreg"] == []
    assert "linreg_spec_launcher" in [ep.value for ep in plugins]
