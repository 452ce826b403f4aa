"""Every pytest command the README and the docs show is one that works.

The ```sh blocks are not Python, so Sybil does not run them. Running each command
in full would repeat the suite several times over; instead each one is collected
(``--collect-only``): pytest then still parses every option and marker expression
(``--strict-markers`` makes a misspelt tag an error) and must select at least one
test, which is what a reader copying the command needs.

The collections run in the background interpreter of tests/tooling/runs.py, started as
soon as the suite is collected (``PYTEST_RUNS``), together with the suite's other runs of
itself: starting an interpreter per command cost more than the collections themselves.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from tooling import runs
from tooling.runs import Outcome, Run

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
PYTEST = ".venv/bin/python -m pytest"
# Commands the check must reject, collected beside the shown ones (on one small file):
# a misspelt tag and an unknown option are usage errors, a real tag that marks none
# of the tests selects nothing.
MUST_FAIL = {
    "misspelt-tag": f"{PYTEST} tests/test_packaging.py -m claim-3.33",
    "unknown-option": f"{PYTEST} tests/test_packaging.py --no-such-option",
    "empty-selection": f"{PYTEST} tests/test_packaging.py -m claim-3.3",
}


def shown_commands() -> dict[str, list[str]]:
    """Each distinct ``.venv/bin/python -m pytest`` command in a sh block, with where it is shown."""
    commands: dict[str, list[str]] = {}
    for source in SOURCES:
        for block in SHELL_BLOCK.findall(source.read_text(encoding="utf-8")):
            for line in block.splitlines():
                command = shlex.join(shlex.split(line, comments=True))
                if command.startswith(PYTEST):
                    commands.setdefault(command, []).append(source.name)
    return commands


COMMANDS = shown_commands()


SCRATCH = ROOT / "out" / "test-reports" / "commands"


def _arguments(command: str) -> tuple[str, ...]:
    args = shlex.split(command)[len(shlex.split(PYTEST)) :]
    if not any(Path(ROOT, a).exists() for a in args if not a.startswith("-")):
        # Without a path pytest also collects the docs and doctests; the options and
        # the marker expression are checked the same on tests/ alone, in half the time.
        args = ["tests", *args]
    # A report file goes to a scratch folder, not into the reader's checkout.
    args = [re.sub(r"^--cucumberjson=.*", f"--cucumberjson={SCRATCH / 'cucumber.json'}", a) for a in args]
    args = [re.sub(r"^--report-html=.*", f"--report-html={SCRATCH / 'report.html'}", a) for a in args]
    return (*args, "--collect-only", "-q")


PYTEST_RUNS = {command: Run(_arguments(command)) for command in [*COMMANDS, *MUST_FAIL.values()]}


@pytest.fixture(scope="module")
def collected() -> dict[str, Outcome]:
    return {command: runs.outcome(run) for command, run in PYTEST_RUNS.items()}


def test_the_docs_show_commands():
    # The README's "Running parts of the spec" alone shows five.
    assert len(COMMANDS) >= 5, COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[len(PYTEST) + 1 :].replace(" ", "_"))
def test_a_shown_command_selects_tests(command: str, collected: dict[str, Outcome]) -> None:
    result, where = collected[command], ", ".join(COMMANDS[command])
    assert result.status == 0, f"{command} (shown in {where}) fails:\n{result.output[-2000:]}"
    assert result.selected, f"{command} (shown in {where}) selects no test"


def test_the_check_rejects_a_misspelt_tag_an_unknown_option_and_an_empty_selection(
    collected: dict[str, Outcome],
) -> None:
    misspelt, unknown, empty = (collected[command] for command in MUST_FAIL.values())
    assert misspelt.status == pytest.ExitCode.USAGE_ERROR
    assert "Unknown marker(s) in '-m' expression: claim-3.33" in misspelt.output
    assert unknown.status == pytest.ExitCode.USAGE_ERROR
    assert "unrecognized arguments: --no-such-option" in unknown.output
    assert empty.status == pytest.ExitCode.NO_TESTS_COLLECTED and empty.selected == 0
