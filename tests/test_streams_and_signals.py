"""`linreg reproduce` in real interpreters, where only the operating system can stage the failure.

linreg's own promises (no article claim): a reader that has gone (`| head -1`), an ASCII-only
stdout, a closed stderr, a file-size limit. Each is one line and a conventional status, or a
completed run, never a traceback. The interpreters run at a few hundred epochs and start
together when the suite has been collected (``start_early``, called by the top-level
conftest.py), at a lower priority, so they run on the spare core beside the other tests.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

from linreg.cli import EXIT_BROKEN_PIPE

# A diverging run that finishes: 300 epochs at 2.5 (bound 1.99996) grow the loss to ~1e109.
ABOVE = ["--epochs", "300", "--learning-rate", "2.5"]
# The loss curve of a 300-epoch run is a PNG of ~50 kB: a 16 kB file-size limit stops it.
FSIZE_LIMIT = 16 * 1024


def one_line(text: str) -> str:
    """``text`` without its final newline, which must be its only one."""
    assert text.endswith("\n") and text.count("\n") == 1, repr(text)
    return text[:-1]


class Finished(NamedTuple):
    status: int
    stdout: bytes
    stderr: bytes
    out: Path


def _closed_reader() -> int:
    # A pipe whose reader has already gone: the first write fails with EPIPE, as it does
    # when `| head -1` has read its line and exited.
    read, write = os.pipe()
    os.close(read)
    return write


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (FSIZE_LIMIT, FSIZE_LIMIT))


def _close_stderr() -> None:
    os.close(2)


def _in_background(*steps: Callable[[], None]) -> Callable[[], None]:
    # Run in the child before linreg starts: a lower priority, so that the suite's own
    # process keeps its core, then the case's own setup.
    def setup() -> None:
        os.nice(10)
        for step in steps:
            step()

    return setup


_running: dict[str, tuple[subprocess.Popen, Path]] = {}


def start_early() -> None:
    """Start the interpreters, once: at the end of collection (see the top-level conftest.py)
    so they run beside the other tests, or when the fixture first needs them."""
    if _running:
        return
    base = Path(tempfile.mkdtemp(prefix="linreg-cli-"))
    command = [sys.executable, "-m", "linreg", "reproduce"]
    cases = {
        "broken pipe": (
            {"stdout": _closed_reader(), "preexec_fn": _in_background()},
            ["--epochs", "300"],
            {},
        ),
        # Two families in one interpreter, each checked through stdout and the status: an
        # ASCII stdout, and a stderr closed before linreg starts (fd 2 closed in the child),
        # to which the diverging rate's warning would go.
        "ascii, closed stderr": (
            {"stderr": None, "preexec_fn": _in_background(_close_stderr)},
            ABOVE,
            {"PYTHONIOENCODING": "ascii"},
        ),
        "file-size limit": ({"preexec_fn": _in_background(_limit_file_size)}, ["--epochs", "300"], {}),
    }
    for name, (streams, options, env) in cases.items():
        out = base / name.replace(" ", "-").replace(",", "")
        kwargs = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **streams}
        arguments = [*command, *options, "--out", str(out)]
        _running[name] = (subprocess.Popen(arguments, env={**os.environ, **env}, **kwargs), out)
        if "stdout" in streams:
            os.close(streams["stdout"])  # the child holds its own copy


@pytest.fixture(scope="module")
def finished() -> Iterator[dict[str, Finished]]:
    start_early()
    results = {}
    for name, (process, out) in _running.items():
        stdout, stderr = process.communicate(timeout=120)
        results[name] = Finished(process.returncode, stdout or b"", stderr or b"", out)
    yield results
    shutil.rmtree(next(iter(results.values())).out.parent)


def test_a_reader_that_has_gone_ends_the_run_quietly_with_status_141(finished):
    result = finished["broken pipe"]
    assert (result.status, result.stderr) == (EXIT_BROKEN_PIPE, b"")
    assert EXIT_BROKEN_PIPE == 141  # 128 + SIGPIPE: what a shell reports for `yes | head -1`


def test_an_ascii_stdout_gets_an_ascii_table(finished):
    result = finished["ascii, closed stderr"]
    assert result.status == 0  # a UnicodeEncodeError would have ended it with status 1
    table = result.stdout.decode("ascii")  # fails on any byte above 127
    rows = {
        cells[0]: cells[1:]
        for cells in (
            [cell.strip() for cell in line.strip("|").split("|")]
            for line in table.splitlines()
            if line[:1] == "|"
        )
    }
    # The cells without a value show "-" where a UTF-8 terminal shows an em dash.
    assert set(rows["Loss at epoch 10,000"]) == {"-"}


def test_a_closed_stderr_does_not_stop_the_run(finished):
    # No progress bar, and the warning about the rate has nowhere to go; the run completes.
    result = finished["ascii, closed stderr"]
    assert result.status == 0
    assert b"299 of 299 steps (first at epoch 2)" in result.stdout
    assert (result.out / "loss_curve.png").is_file()


def test_a_file_size_limit_is_one_line_and_leaves_no_partial_png(finished):
    result = finished["file-size limit"]
    png = result.out / "loss_curve.png"
    assert result.status == 1
    assert one_line(result.stderr.decode()) == f"linreg reproduce: error: cannot write {png}: File too large"
    assert b"| Final loss (epoch 300)" in result.stdout
    assert list(result.out.iterdir()) == []
