"""`linreg reproduce` under adverse conditions: one clear line and a conventional status, never a traceback.

linreg's own promises (no article claim), staged in-process where that is faithful: a folder
that refuses files, a full disk, an interrupt, a rate above the stable bound. What only the
operating system can stage (a reader that has gone, an ASCII terminal, a closed stderr, a
file-size limit) is in tests/test_streams_and_signals.py, in real interpreters.
"""

from __future__ import annotations

import errno
import importlib
import io
import os
import signal
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import linreg.cli
import linreg.plotting
from linreg.cli import EXIT_INTERRUPTED, EXIT_TERMINATED, main
from linreg.report import format_report

real_plot_loss_curve = linreg.plotting.plot_loss_curve

# A diverging run that finishes: 300 epochs at 2.5 (bound 1.99996) grow the loss to ~1e109.
ABOVE = ["--epochs", "300", "--learning-rate", "2.5"]


def one_line(text: str) -> str:
    """``text`` without its final newline, which must be its only one."""
    assert text.endswith("\n") and text.count("\n") == 1, repr(text)
    return text[:-1]


def never_train(*_args, **_kwargs):
    raise AssertionError("training started although the problem was known before")


# ---------------------------------------------------------------- in-process
def test_an_unwritable_out_folder_is_refused_before_training(monkeypatch, capsys):
    # /sys exists and refuses new files to every user, root included (sysfs), where a folder
    # of mode 0o555 binds every user but root, and the suite may run as root.
    assert Path("/sys").is_dir()
    monkeypatch.setattr(linreg.cli, "run_article", never_train)
    with pytest.raises(SystemExit) as exit_:
        main(["reproduce", "--out", "/sys"])
    assert exit_.value.code == 2
    assert one_line(capsys.readouterr().err) == (
        "linreg reproduce: error: argument --out: cannot write into /sys: Permission denied"
    )


def test_a_folder_where_the_png_goes_is_refused_before_training(tmp_path, monkeypatch, capsys):
    (tmp_path / "loss_curve.png").mkdir()
    monkeypatch.setattr(linreg.cli, "run_article", never_train)
    with pytest.raises(SystemExit) as exit_:
        main(["reproduce", "--out", str(tmp_path)])
    assert exit_.value.code == 2
    assert one_line(capsys.readouterr().err) == (
        f"linreg reproduce: error: argument --out: cannot write {tmp_path / 'loss_curve.png'}: Is a directory"
    )


def test_a_full_disk_after_training_is_one_line_and_the_table_is_kept(tmp_path, monkeypatch, capsys):
    # The disk fills between the check before training and the write after it.
    def full(history, path, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(linreg.plotting, "plot_loss_curve", full)
    with pytest.raises(SystemExit) as exit_:
        main(["reproduce", "--epochs", "20", "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert exit_.value.code == 1
    assert one_line(err) == (
        f"linreg reproduce: error: cannot write {tmp_path / 'loss_curve.png'}: No space left on device"
    )
    assert "| Final loss (epoch 20)" in out and "Loss curve written" not in out


def test_ctrl_c_is_one_line_and_status_130(tmp_path, monkeypatch, capsys):
    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(linreg.cli, "run_article", interrupted)
    # 3,000,000 epochs also show the note about --exact, which comes before training.
    status = main(["reproduce", "--epochs", "3000000", "--out", str(tmp_path)])
    assert status == EXIT_INTERRUPTED == 130
    note, interruption = capsys.readouterr().err.splitlines()
    assert note.startswith("linreg reproduce: note: the loop runs all 3,000,000 epochs one by one; --exact")
    assert interruption == "linreg: interrupted"


def test_running_out_of_memory_is_one_line(tmp_path, monkeypatch, capsys):
    def exhausted(*_args, **_kwargs):
        raise MemoryError("epochs=10,000,000,000 needs 80 GB (8 bytes each), more than can be allocated")

    monkeypatch.setattr(linreg.cli, "run_article", exhausted)
    with pytest.raises(SystemExit) as exit_:
        main(["reproduce", "--epochs", "10000000000", "--exact", "--out", str(tmp_path)])
    assert exit_.value.code == 1
    assert one_line(capsys.readouterr().err).startswith("linreg reproduce: error: out of memory: epochs=")


@pytest.fixture
def no_figure(monkeypatch) -> None:
    """Skip drawing the PNG (a third of a second) in the tests about the printed table."""
    monkeypatch.setattr(linreg.plotting, "plot_loss_curve", lambda history, path, **_kwargs: path)


def test_a_rate_above_the_bound_is_reported_before_training_and_marked_in_the_table(
    tmp_path, monkeypatch, capsys, no_figure
):
    warned_before_training: list[str] = []
    train = linreg.cli.run_article

    def watched(*args, **kwargs):
        warned_before_training.append(capsys.readouterr().err)
        return train(*args, **kwargs)

    monkeypatch.setattr(linreg.cli, "run_article", watched)
    assert main(["reproduce", *ABOVE, "--out", str(tmp_path)]) == 0
    (warning,) = warned_before_training
    assert one_line(warning) == (
        "linreg reproduce: warning: --learning-rate 2.5 is at or above the stable bound "
        "2/lambda_max = 1.99996 of this data: the loss will not descend, and may overflow"
    )
    # Along the top eigenvector each step multiplies the error by |1 - 2.5 lambda_max| = 1.5,
    # so the loss rises at every one of the 299 steps; the table counts them and names the first.
    out = capsys.readouterr().out
    assert "| Epochs whose loss rose (not a descent) |" in out
    assert "299 of 299 steps (first at epoch 2)" in out


def test_only_a_rise_beyond_rounding_marks_a_run(article_run):
    # Near the optimum a stable run's computed losses jitter by an ulp or two (4.5e-13 at
    # 0.99 times the bound); that is no rise. The threshold is 353 epsilons of the loss
    # (1.1e-10 here): two ulps stay below it, a millionth of the loss is far above it.
    history = article_run.loss_history.copy()
    last = history[-2]
    history[-1] = np.nextafter(np.nextafter(last, np.inf), np.inf)
    assert replace(article_run, loss_history=history).rises.size == 0
    history[-1] = last * (1 + 1e-6)
    assert replace(article_run, loss_history=history).rises.tolist() == [article_run.epochs]
    assert "Epochs whose loss rose" in format_report(replace(article_run, loss_history=history))


def test_exact_refuses_a_rate_at_the_bound_before_training_like_a_bad_option(tmp_path, monkeypatch, capsys):
    # --exact has no history to compute at or above the bound, and that is known before
    # training: a bad option (status 2), not a failed run.
    monkeypatch.setattr(linreg.cli, "run_article", never_train)
    with pytest.raises(SystemExit) as exit_:
        main(["reproduce", "--exact", "--learning-rate", "2.0", "--out", str(tmp_path)])
    assert exit_.value.code == 2
    assert one_line(capsys.readouterr().err) == (
        "linreg reproduce: error: argument --learning-rate: 2 is at or above the stable bound "
        "2/lambda_max = 1.99996 of this data, where gradient descent does not converge and --exact "
        "has no closed form; use a smaller rate, or drop --exact to run the loop"
    )


@pytest.mark.parametrize(
    ("options", "settings"),
    [
        (["--epochs", "10"], "this run 10 at 0.01"),
        (["--learning-rate", "0.02", "--exact"], "this run 200,000 at 0.02"),
    ],
    ids=["fewer-epochs", "other-rate"],
)
def test_a_run_that_is_not_the_articles_says_so(options, settings, tmp_path, capsys, no_figure):
    assert main(["reproduce", *options, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    header = [cell.strip() for cell in out.splitlines()[0].strip("|").split("|")]
    assert header == ["Quantity", "linreg", "scikit-learn"]
    assert (
        f"Not the article's run: the article trains 200,000 epochs at learning rate 0.01, {settings}" in out
    )


# ---------------------------------------------------------------- found before training: status 2
# One float64 loss per epoch in one array: numpy cannot index more than 2^63 / 8 of them.
TOO_MANY_EPOCHS = "argument --epochs: must be at most 1,152,921,504,606,846,975"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--out", ""], "argument --out: must name a folder, got '' (use --out . for the current folder)"),
        (["--bogus"], "unrecognized arguments: --bogus"),
        (
            ["--epochs", "2000000000000000000", "--exact"],
            "argument --epochs: must be at most 1,152,921,504,606,846,975 (one float64 loss is kept "
            "per epoch, in one array), got '2000000000000000000'",
        ),
        (["--epochs", str(10**20)], "argument --epochs: must be at most 1,152,921,504,606,846,975"),
        (
            ["--epochs", str(10**20), "--exact"],
            "argument --epochs: must be at most 1,152,921,504,606,846,975",
        ),
    ],
    ids=["empty-out", "unknown-option", "2e18-exact", "1e20", "1e20-exact"],
)
def test_what_is_wrong_with_the_options_is_one_line_naming_the_subcommand(
    options, message, monkeypatch, capsys
):
    monkeypatch.setattr(linreg.cli, "run_article", never_train)
    with pytest.raises(SystemExit) as exit_:
        main(["reproduce", *options])
    assert exit_.value.code == 2
    error = one_line(capsys.readouterr().err)
    assert error.startswith(f"linreg reproduce: error: {message}")
    assert error.endswith("(see linreg reproduce --help)")


def test_a_run_that_fails_before_its_figure_leaves_no_folder(tmp_path, capsys):
    # Checked for writing before training, created only when the figure is written: a run
    # that diverges creates neither the folder nor its parents.
    out = tmp_path / "new" / "out"
    with pytest.raises(SystemExit) as exit_:
        main(["reproduce", "--epochs", "2000", "--learning-rate", "5", "--out", str(out)])
    assert exit_.value.code == 1
    assert "training diverged" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_an_out_folder_below_a_file_is_refused_before_training(tmp_path, monkeypatch, capsys):
    (tmp_path / "file").write_text("")
    monkeypatch.setattr(linreg.cli, "run_article", never_train)
    with pytest.raises(SystemExit) as exit_:
        main(["reproduce", "--out", str(tmp_path / "file" / "out")])
    assert exit_.value.code == 2
    assert one_line(capsys.readouterr().err) == (
        f"linreg reproduce: error: argument --out: cannot create {tmp_path / 'file' / 'out'}: Not a directory"
    )


# ---------------------------------------------------------------- output that cannot be written
class FullDisk(io.StringIO):
    """A stdout whose every write fails as on /dev/full or past a file-size limit."""

    def __init__(self, error: int = errno.ENOSPC) -> None:
        super().__init__()
        self.error = error

    def write(self, text: str) -> int:
        raise OSError(self.error, os.strerror(self.error))


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["reproduce", "--help"]])
def test_help_or_version_that_cannot_be_written_is_a_failure(argv, monkeypatch, capsys):
    # argparse drops a failed write silently; exit 0 would claim the text was shown.
    monkeypatch.setattr(sys, "stdout", FullDisk())
    assert main(argv) == 1
    assert (
        one_line(capsys.readouterr().err) == "linreg: error: cannot write to stdout: No space left on device"
    )


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EFBIG], ids=["full-disk", "file-size-limit"])
def test_a_table_that_cannot_be_written_is_a_failure(error, tmp_path, monkeypatch, capsys, no_figure):
    monkeypatch.setattr(sys, "stdout", FullDisk(error))
    assert main(["reproduce", "--epochs", "20", "--out", str(tmp_path)]) == 1
    assert one_line(capsys.readouterr().err) == f"linreg: error: cannot write to stdout: {os.strerror(error)}"


def test_a_closed_stdout_is_refused_before_anything_runs(monkeypatch, capsys):
    # Python sets sys.stdout to None when fd 1 is closed (`linreg reproduce >&-`); print()
    # then writes nowhere, and the table would be lost without a word.
    monkeypatch.setattr(linreg.cli, "run_article", never_train)
    monkeypatch.setattr(sys, "stdout", None)
    assert main(["reproduce"]) == 1
    assert one_line(capsys.readouterr().err) == (
        "linreg: error: stdout is closed, so the output would be lost; redirect it instead"
    )


# ---------------------------------------------------------------- memory
def failing_import(module: str, error: BaseException):
    """importlib.import_module, except that importing ``module`` raises ``error``."""
    real = importlib.import_module

    def fake(name, *args, **kwargs):
        if name == module:
            raise error
        return real(name, *args, **kwargs)

    return fake


@pytest.mark.parametrize(
    ("error", "message"),
    [
        # Under `ulimit -v`, a compiled module that cannot be mapped fails to import: it was
        # reported as "_ufuncs is not installed".
        (
            ImportError("libscipy_openblas.so: failed to map segment from shared object", name="_ufuncs"),
            "linreg reproduce: error: out of memory while loading scikit-learn: "
            "libscipy_openblas.so: failed to map segment from shared object",
        ),
        (
            ImportError("cannot import name 'x' from 'sklearn.base'", name="sklearn.base"),
            "linreg reproduce: error: scikit-learn is installed but cannot be loaded: "
            "cannot import name 'x' from 'sklearn.base'",
        ),
        (MemoryError(), "linreg: error: out of memory"),
    ],
    ids=["unmappable", "broken", "memory-error"],
)
def test_a_library_that_fails_to_load_is_one_line_saying_why(error, message, monkeypatch, capsys):
    monkeypatch.setattr(linreg.cli.importlib, "import_module", failing_import("sklearn", error))
    try:
        status = main(["reproduce"])
    except SystemExit as exit_:
        status = exit_.code
    assert status == 1
    assert one_line(capsys.readouterr().err) == message


# ---------------------------------------------------------------- SIGTERM
def test_sigterm_while_the_figure_is_written_leaves_nothing_behind(tmp_path, monkeypatch, capsys, no_figure):
    # A real SIGTERM to this process while the PNG is half written: main turns it into an
    # exception, so the partial file is removed on the way out, and restores the handler.
    from matplotlib.figure import Figure

    def terminated_midway(self, stream, **kwargs):
        stream.write(b"\x89PNG\r\n\x1a\n half a figure")
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(10)  # interrupted: the handler raises as soon as the signal arrives
        raise AssertionError("SIGTERM did not interrupt the write")

    def unguarded(signum, frame):  # were main's handler missing, this and not the default ends it
        raise AssertionError("main installed no SIGTERM handler")

    monkeypatch.setattr(Figure, "savefig", terminated_midway)
    monkeypatch.setattr(linreg.plotting, "plot_loss_curve", real_plot_loss_curve)
    previous = signal.signal(signal.SIGTERM, unguarded)
    try:
        status = main(["reproduce", "--epochs", "20", "--out", str(tmp_path)])
        assert signal.getsignal(signal.SIGTERM) is unguarded
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert status == EXIT_TERMINATED == 143
    assert capsys.readouterr().err.splitlines() == ["linreg: terminated (SIGTERM)"]
    assert list(tmp_path.iterdir()) == []


def test_sigterm_keeps_its_default_until_the_figure(tmp_path, monkeypatch, capsys, no_figure):
    # A Python handler runs only between instructions: a process stuck in a C call (a library
    # loading under a memory limit) would ignore a SIGTERM it handles. So main handles it only
    # while the figure is written, where a partial file must be cleaned up.
    seen: list[object] = []
    train = linreg.cli.run_article

    def watched(*args, **kwargs):
        seen.append(signal.getsignal(signal.SIGTERM))
        return train(*args, **kwargs)

    monkeypatch.setattr(linreg.cli, "run_article", watched)
    assert main(["reproduce", "--epochs", "20", "--out", str(tmp_path)]) == 0
    assert seen == [signal.getsignal(signal.SIGTERM)]


def test_a_busy_machine_adds_no_warning_to_the_figure(tmp_path, monkeypatch):
    # matplotlib warns when placing a legend "best" takes over a second, which it did under a
    # load of 16 (a stray line on stderr; an error under the suite's filterwarnings). Staged
    # here with a clock that jumps two seconds at each reading.
    import matplotlib.legend

    readings = iter(range(0, 10**6, 2))
    monkeypatch.setattr(matplotlib.legend.time, "perf_counter", lambda: float(next(readings)))
    path = real_plot_loss_curve(np.geomspace(10.0, 1.0, 50), tmp_path / "loss_curve.png")
    assert path.stat().st_size > 0


def test_joblibs_warning_under_a_file_size_limit_is_not_shown(tmp_path, monkeypatch, capsys, no_figure):
    # Under `ulimit -f 0` joblib cannot make its semaphores and warns while scikit-learn loads:
    # a second line beside the one that says stdout cannot be written.
    real = importlib.import_module

    def warning_joblib(name, *args, **kwargs):
        if name == "sklearn":
            message = "[Errno 27] File too large.  joblib will operate in serial mode"
            warnings.warn(message, UserWarning, stacklevel=2)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(linreg.cli.importlib, "import_module", warning_joblib)
    assert main(["reproduce", "--epochs", "20", "--out", str(tmp_path)]) == 0  # an error if it escaped
    assert capsys.readouterr().err == ""
