"""`linreg reproduce` under adverse conditions: one clear line and a conventional status, never a traceback.

linreg's own promises (no article claim), staged in-process where that is faithful: a folder
that refuses files, a full disk, an interrupt, a rate above the stable bound. What only the
operating system can stage (a reader that has gone, an ASCII terminal, a closed stderr, a
file-size limit) is in tests/test_streams_and_signals.py, in real interpreters.
"""

from __future__ import annotations

import errno
import os
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

import linreg.cli
import linreg.plotting
from linreg.cli import EXIT_INTERRUPTED, main
from linreg.report import format_report

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


def test_exact_refuses_a_rate_at_the_bound_in_one_line(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["reproduce", "--exact", "--learning-rate", "2.0", "--out", str(tmp_path)])
    assert exit_.value.code == 1
    error = one_line(capsys.readouterr().err)
    assert error.startswith("linreg reproduce: error: gradient descent does not converge")
    assert "stable bound 2/lambda_max = 1.99996" in error


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
