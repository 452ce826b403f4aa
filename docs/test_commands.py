"""Every pytest command the README and the docs show is one that works.

The ```sh blocks are not Python, so Sybil does not run them. Running each command
in full would repeat the suite several times over; instead each one runs with
``--collect-only``: pytest then still parses every option and marker expression
(``--strict-markers`` makes a misspelt tag an error) and must select at least one
test, which is what a reader copying the command needs.
"""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)
PYTEST = ".venv/bin/python -m pytest"
COLLECTED = re.compile(r"\b(\d+)(?:/\d+)? tests? collected")


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


def _collect(command: str, scratch: Path) -> subprocess.CompletedProcess[str]:
    args = shlex.split(command)[len(shlex.split(PYTEST)) :]
    if not any(Path(ROOT, a).exists() for a in args if not a.startswith("-")):
        # Without a path pytest also collects the docs and doctests; the options and
        # the marker expression are checked the same on tests/ alone, in half the time.
        args = ["tests", *args]
    # A report file goes to the scratch folder, not into the reader's checkout.
    args = [re.sub(r"^--cucumberjson=.*", f"--cucumberjson={scratch / 'cucumber.json'}", a) for a in args]
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args, "--collect-only", "-q"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    # Two at a time: each is a fresh interpreter, mostly waiting on imports.
    scratch = tmp_path_factory.mktemp("commands")
    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(COMMANDS, pool.map(lambda c: _collect(c, scratch), COMMANDS), strict=True))


def test_the_docs_show_commands():
    # The README's "Running parts of the spec" alone shows five.
    assert len(COMMANDS) >= 5, COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c[len(PYTEST) + 1 :].replace(" ", "_"))
def test_a_shown_command_selects_tests(command: str, collected: dict) -> None:
    result = collected[command]
    where = ", ".join(COMMANDS[command])
    output = result.stdout[-2000:] + result.stderr
    assert result.returncode == 0, f"{command} (shown in {where}) fails:\n{output}"
    count = COLLECTED.search(result.stdout)
    assert count and int(count.group(1)) > 0, f"{command} (shown in {where}) selects no test"
