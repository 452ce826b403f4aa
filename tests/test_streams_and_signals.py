"""`linreg reproduce` in real interpreters, where only the operating system can stage the failure.

linreg's own promises (no article claim): a reader that has gone (`| head -1`), an ASCII-only
stdout, a closed stderr or stdout, a full disk, a file-size limit, an interrupt or exhausted
memory while the package loads, a MPLBACKEND matplotlib refuses, runs sharing an output
folder. Each is one line and a conventional status, or a completed run, never a traceback.
The interpreters run at a few hundred epochs and start together when the suite has been
collected (``start_early``, called by the top-level conftest.py), at a lower priority, so
they run on the spare core beside the other tests.
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
from PIL import Image

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


def _close_stdout() -> None:
    os.close(1)


def _no_files() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def _in_background(*steps: Callable[[], None]) -> Callable[[], None]:
    # Run in the child before linreg starts: a lower priority, so that the suite's own
    # process keeps its core, then the case's own setup.
    def setup() -> None:
        os.nice(10)
        for step in steps:
            step()

    return setup


# Python starts this before anything else (site imports sitecustomize from PYTHONPATH), so the
# failure it stages comes while the package loads, before linreg.cli.main has run: an
# interrupt (Ctrl-C in the first fifth of a second) or memory running out.
FAIL_AT_IMPORT = """
import os, sys

class FailAtNumpy:
    def find_spec(self, name, path=None, target=None):
        if name == "numpy":
            raise {"interrupt": KeyboardInterrupt, "memory": MemoryError}[os.environ["LINREG_TEST_FAIL"]]()

sys.meta_path.insert(0, FailAtNumpy())
"""

# Runs drawing the figure of a history of its own length each into one shared path, as
# `linreg reproduce` does: processes forked from one interpreter once it has loaded matplotlib,
# so that they draw at the same moment (and the libraries load once, not once per run). Each
# prints its exit status and the description its PNG carries.
DRAW_INTO = """
import os, sys, traceback
import numpy as np
from linreg.plotting import describe_run, plot_loss_curve

children = {}
for k in range(int(sys.argv[2])):
    history = np.geomspace(1e4, 1e3, 300 + k)
    pid = os.fork()
    if pid == 0:
        try:
            plot_loss_curve(history, sys.argv[1], optimum_loss=900.0)
            os._exit(0)
        except BaseException:
            traceback.print_exc()
            os._exit(1)
    children[pid] = describe_run(history, 900.0)
for pid, description in children.items():
    print(os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]), description)
"""
CONCURRENT_RUNS = 4

_running: dict[str, tuple[subprocess.Popen, Path]] = {}


def start_early() -> None:
    """Start the interpreters, once: at the end of collection (see the top-level conftest.py)
    so they run beside the other tests, or when the fixture first needs them."""
    if _running:
        return
    base = Path(tempfile.mkdtemp(prefix="linreg-cli-"))
    reproduce = ["-m", "linreg", "reproduce"]
    # The installed command, as a user runs it: scripts/linreg.py (tests/test_packaging.py).
    command = str(Path(sys.executable).parent / "linreg")
    (base / "site").mkdir()
    (base / "site" / "sitecustomize.py").write_text(FAIL_AT_IMPORT)
    at_import = {"PYTHONPATH": str(base / "site")}
    full = os.open("/dev/full", os.O_WRONLY)
    cases = {
        "broken pipe": (
            [*reproduce, "--epochs", "300"],
            {"stdout": _closed_reader(), "preexec_fn": _in_background()},
            {},
        ),
        # Three families in one interpreter, each checked through stdout and the status: an
        # ASCII stdout; a stderr closed before linreg starts (fd 2 closed in the child), to
        # which the diverging rate's warning would go; and a MPLBACKEND that matplotlib
        # refuses at import, which linreg (drawing on the Agg canvas) does not need.
        "ascii, closed stderr, bad backend": (
            [*reproduce, *ABOVE],
            {"stderr": None, "preexec_fn": _in_background(_close_stderr)},
            {"PYTHONIOENCODING": "ascii", "MPLBACKEND": "nonsense"},
        ),
        "file-size limit": (
            [*reproduce, "--epochs", "300"],
            {"preexec_fn": _in_background(_limit_file_size)},
            {},
        ),
        "interrupt at import": ([command, "--version"], {}, {**at_import, "LINREG_TEST_FAIL": "interrupt"}),
        "memory at import": ([command, "--version"], {}, {**at_import, "LINREG_TEST_FAIL": "memory"}),
        "version into /dev/full": ([command, "--version"], {"stdout": full}, {}),
        "closed stdout": ([command, "--version"], {"stdout": None, "preexec_fn": _close_stdout}, {}),
        "version past a file-size limit": (
            [command, "--version"],
            {
                "stdout": os.open(base / "version.txt", os.O_WRONLY | os.O_CREAT),
                "preexec_fn": _no_files,
            },
            {},
        ),
    }
    cases["concurrent"] = (
        ["-c", DRAW_INTO, str(base / "shared" / "loss_curve.png"), str(CONCURRENT_RUNS)],
        {"preexec_fn": _in_background()},
        {},
    )
    (base / "shared").mkdir()
    for name, (arguments, streams, env) in cases.items():
        out = base / name.replace(" ", "-").replace(",", "").replace("/", "")
        kwargs = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, **streams}
        argv = arguments if arguments[0] == command else [sys.executable, *arguments]
        if arguments[:2] == ["-m", "linreg"]:
            argv = [*argv, "--out", str(out)]
        _running[name] = (subprocess.Popen(argv, env={**os.environ, **env}, **kwargs), out)
        if isinstance(streams.get("stdout"), int):
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
    result = finished["ascii, closed stderr, bad backend"]
    # A UnicodeEncodeError, or matplotlib refusing MPLBACKEND, would have ended it with status 1.
    assert result.status == 0
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
    result = finished["ascii, closed stderr, bad backend"]
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


@pytest.mark.parametrize(
    ("case", "status", "line"),
    [
        ("interrupt at import", 130, "linreg: interrupted"),
        ("memory at import", 1, "linreg: error: out of memory while loading linreg"),
        ("version into /dev/full", 1, "linreg: error: cannot write to stdout: No space left on device"),
        ("version past a file-size limit", 1, "linreg: error: cannot write to stdout: File too large"),
        (
            "closed stdout",
            1,
            "linreg: error: stdout is closed, so the output would be lost; redirect it instead",
        ),
    ],
)
def test_what_happens_before_or_around_the_command_is_one_line(finished, case, status, line):
    result = finished[case]
    assert (result.status, one_line(result.stderr.decode())) == (status, line)


def test_concurrent_runs_into_one_folder_leave_one_whole_figure(finished):
    # Each run renames its own temporary file over the target, so the target is always one
    # run's whole PNG (the last rename's), every run succeeds, and no temporary file is left.
    result = finished["concurrent"]
    runs = [line.split(" ", 1) for line in result.stdout.decode().splitlines()]
    assert (result.status, result.stderr) == (0, b"")
    assert [status for status, _ in runs] == ["0"] * CONCURRENT_RUNS
    folder = result.out.parent / "shared"
    assert [path.name for path in folder.iterdir()] == ["loss_curve.png"]
    with Image.open(folder / "loss_curve.png") as image:
        image.load()  # decodes every byte: a PNG followed by part of another fails here
        description = image.text["Description"]
    assert description in {description for _, description in runs}
