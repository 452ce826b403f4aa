"""Every pytest command the README and the docs show is one that works.

The ```sh blocks are not Python, so Sybil does not run them. Running each command
in full would repeat the suite several times over; instead each one is collected
(``--collect-only``): pytest then still parses every option and marker expression
(``--strict-markers`` makes a misspelt tag an error) and must select at least one
test, which is what a reader copying the command needs.

One interpreter collects them all: this file run as a script calls ``pytest.main``
once per command and writes what each selected. Starting an interpreter per command
cost more than the collections themselves. The top-level conftest.py starts it as
soon as the suite is collected (``start_early``), at a lower priority, so it runs on
the spare core while the other tests run.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

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


def _arguments(command: str, scratch: Path) -> list[str]:
    args = shlex.split(command)[len(shlex.split(PYTEST)) :]
    if not any(Path(ROOT, a).exists() for a in args if not a.startswith("-")):
        # Without a path pytest also collects the docs and doctests; the options and
        # the marker expression are checked the same on tests/ alone, in half the time.
        args = ["tests", *args]
    # A report file goes to the scratch folder, not into the reader's checkout.
    return [re.sub(r"^--cucumberjson=.*", f"--cucumberjson={scratch / 'cucumber.json'}", a) for a in args]


class _Selected:
    """A plugin that records how many tests a session selected, after -m and -k."""

    count: int | None = None

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.count = len(session.items)


def _collect_all(argument_lists: list[list[str]], report: Path) -> None:
    """The driver: collect each argument list in this interpreter; write status, count and output."""
    results = []
    for args in argument_lists:
        selected, output = _Selected(), io.StringIO()
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            status = pytest.main([*args, "--collect-only", "-q"], plugins=[selected])
        results.append({"status": int(status), "selected": selected.count, "output": output.getvalue()})
    report.write_text(json.dumps(results), encoding="utf-8")


_driver: dict[str, object] = {}


def start_early() -> None:
    """Start the one collecting interpreter, once (called at the end of collection, or by the fixture)."""
    if _driver:
        return
    scratch = Path(tempfile.mkdtemp(prefix="linreg-commands-"))
    commands = [*COMMANDS, *MUST_FAIL.values()]
    argument_lists = [_arguments(command, scratch) for command in commands]
    _driver.update(
        commands=commands,
        report=scratch / "collected.json",
        process=subprocess.Popen(
            [sys.executable, __file__, json.dumps(argument_lists), str(scratch / "collected.json")],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            # A lower priority, so that the suite's own process keeps its core.
            preexec_fn=lambda: os.nice(10),
        ),
    )


@pytest.fixture(scope="module")
def collected() -> Iterator[dict[str, dict]]:
    start_early()
    process: subprocess.Popen = _driver["process"]  # type: ignore[assignment]
    output, _ = process.communicate(timeout=300)
    report: Path = _driver["report"]  # type: ignore[assignment]
    assert process.returncode == 0 and report.exists(), output.decode(errors="replace")
    results = json.loads(report.read_text(encoding="utf-8"))
    yield dict(zip(_driver["commands"], results, strict=True))  # type: ignore[arg-type]
    shutil.rmtree(report.parent)


def test_the_docs_show_commands():
    # The README's "Running parts of the spec" alone shows five.
    assert len(COMMANDS) >= 5, COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[len(PYTEST) + 1 :].replace(" ", "_"))
def test_a_shown_command_selects_tests(command: str, collected: dict) -> None:
    result, where = collected[command], ", ".join(COMMANDS[command])
    assert result["status"] == 0, f"{command} (shown in {where}) fails:\n{result['output'][-2000:]}"
    assert result["selected"], f"{command} (shown in {where}) selects no test"


def test_the_check_rejects_a_misspelt_tag_an_unknown_option_and_an_empty_selection(collected: dict) -> None:
    misspelt, unknown, empty = (collected[command] for command in MUST_FAIL.values())
    assert misspelt["status"] == pytest.ExitCode.USAGE_ERROR
    assert "Unknown marker(s) in '-m' expression: claim-3.33" in misspelt["output"]
    assert unknown["status"] == pytest.ExitCode.USAGE_ERROR
    assert "unrecognized arguments: --no-such-option" in unknown["output"]
    assert empty["status"] == pytest.ExitCode.NO_TESTS_COLLECTED and empty["selected"] == 0


if __name__ == "__main__":
    _collect_all(json.loads(sys.argv[1]), Path(sys.argv[2]))
