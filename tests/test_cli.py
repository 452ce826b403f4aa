"""`linreg reproduce`: the article's experiment from the command line."""

from __future__ import annotations

import io
import sys
from importlib.metadata import version
from pathlib import Path
from typing import NamedTuple

import pytest
from PIL import Image
from tqdm import tqdm

import linreg.cli
from linreg.cli import _PROGRESS_STEPS, main
from linreg.experiment import ArticleRun
from linreg.plotting import describe_run
from linreg.report import ARTICLE_FIGURES, DASH, EXACT_NOTE, format_report

EPOCHS = 20_000  # not the article's 200,000: its table has no article column
SHORT = 1_001  # below 10,000, and not a multiple of the progress bar's chunk
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class Reproduced(NamedTuple):
    status: int
    stdout: str
    out: Path
    run: ArticleRun  # what the command measured, kept by wrapping its run_article


def table_rows(stdout: str) -> dict[str, list[str]]:
    """The printed table's body as {quantity: [the other cells of its row]}."""
    lines = [line for line in stdout.splitlines() if line.startswith("|")]
    body = lines[2:]  # header and its rule
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in body]
    return {row[0]: row[1:] for row in cells}


class RecordingBar(tqdm):
    """A progress bar that is always on (tests have no terminal) and records each advance."""

    monitor_interval = 0  # no monitor thread left behind by the test

    def __init__(self, *args, **kwargs) -> None:
        kwargs.update(disable=False, file=io.StringIO())
        self.steps: list[int] = []
        super().__init__(*args, **kwargs)

    def update(self, n: float | None = 1) -> bool | None:
        self.steps.append(n)
        return super().update(n)


def reproduce(args: list[str], out: Path, *, draw: bool = True) -> Reproduced:
    """Run ``linreg reproduce`` in-process, keeping its run; ``draw=False`` skips the PNG
    (a third of a second) where a test is about the table or the progress bar."""
    runs: list[ArticleRun] = []

    def keep(*a, **kw) -> ArticleRun:
        runs.append(original(*a, **kw))
        return runs[-1]

    original = linreg.cli.run_article
    capture = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdout", capture)
        mp.setattr(linreg.cli, "run_article", keep)
        if not draw:
            mp.setattr("linreg.plotting.plot_loss_curve", lambda history, path, **_: path)
        status = main(["reproduce", *args, "--out", str(out)])
    (run,) = runs
    return Reproduced(status, capture.getvalue(), out, run)


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory) -> Reproduced:
    return reproduce(["--epochs", f"{EPOCHS}"], tmp_path_factory.mktemp("out"))


@pytest.fixture(scope="module")
def exact(tmp_path_factory) -> Reproduced:
    return reproduce(["--epochs", f"{EPOCHS}", "--exact"], tmp_path_factory.mktemp("exact"), draw=False)


@pytest.fixture(scope="module")
def short(tmp_path_factory) -> tuple[Reproduced, list[RecordingBar]]:
    bars: list[RecordingBar] = []

    def bar(*args, **kwargs) -> RecordingBar:
        bars.append(RecordingBar(*args, **kwargs))
        return bars[-1]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("tqdm.tqdm", bar)  # cli imports it from tqdm when the command runs
        result = reproduce(["--epochs", f"{SHORT}"], tmp_path_factory.mktemp("short"), draw=False)
    return result, bars


def test_reproduce_exits_zero(reproduced: Reproduced) -> None:
    assert reproduced.status == 0


def test_table_has_the_six_rows_in_order(reproduced: Reproduced) -> None:
    assert list(table_rows(reproduced.stdout)) == [
        "Loss at epoch 1",
        "Loss at epoch 10,000",
        f"Final loss (epoch {EPOCHS:,})",
        "Test R^2",
        "Test MSE",
        "Least-squares optimum's training loss",
    ]


def test_table_values_are_what_the_run_measured(reproduced: Reproduced) -> None:
    rows, run = table_rows(reproduced.stdout), reproduced.run
    assert run.epochs == EPOCHS
    # The printed cells are rounded: compare at the printed precision.
    assert rows["Loss at epoch 1"] == [f"{run.loss_at(1):.2f}", DASH]
    assert rows["Loss at epoch 10,000"] == [f"{run.loss_at(10_000):.2f}", DASH]
    assert rows[f"Final loss (epoch {EPOCHS:,})"] == [f"{run.loss_at(EPOCHS):.2f}", DASH]
    assert rows["Test R^2"] == [f"{run.gradient_descent.test_r2:.4f}", f"{run.sklearn.test_r2:.4f}"]
    assert rows["Test MSE"] == [f"{run.gradient_descent.test_mse:.2f}", f"{run.sklearn.test_mse:.2f}"]
    assert rows["Least-squares optimum's training loss"] == [
        f"{run.optimum.train_loss:.2f}",
        f"{run.sklearn.train_loss:.2f}",
    ]


def test_another_runs_figures_are_not_set_beside_the_articles(reproduced: Reproduced) -> None:
    # 20,000 epochs are not the article's 200,000: no article column, and a line that says why.
    header = reproduced.stdout.splitlines()[0]
    assert [cell.strip() for cell in header.strip("|").split("|")] == ["Quantity", "linreg", "scikit-learn"]
    assert (
        "Not the article's run: the article trains 200,000 epochs at learning rate 0.01, "
        f"this run {EPOCHS:,} at 0.01" in reproduced.stdout
    )


def test_the_articles_run_is_set_beside_the_articles_figures(article_run: ArticleRun) -> None:
    # What `linreg reproduce` prints for its default run (format_report), on the session's run.
    article = {quantity: cells[0] for quantity, cells in table_rows(format_report(article_run)).items()}
    assert article == {
        "Loss at epoch 1": ARTICLE_FIGURES["initial_loss"],
        "Loss at epoch 10,000": DASH,
        "Final loss (epoch 200,000)": ARTICLE_FIGURES["final_loss"],
        "Test R^2": f"{ARTICLE_FIGURES['test_r2']} / {ARTICLE_FIGURES['sklearn_test_r2']}",
        "Test MSE": f"{ARTICLE_FIGURES['test_mse']} / {ARTICLE_FIGURES['sklearn_test_mse']}",
        "Least-squares optimum's training loss": DASH,
    }
    assert "Not the article's run" not in format_report(article_run)


def test_exact_prints_the_loops_figures_and_says_how_it_computed_them(
    exact: Reproduced, reproduced: Reproduced
) -> None:
    # The closed form agrees with the loop to ~1e-13 relative here: every printed cell, rounded
    # to two or four decimals, is the same string.
    assert exact.status == 0 and exact.run.exact
    assert table_rows(exact.stdout) == table_rows(reproduced.stdout)
    assert EXACT_NOTE in exact.stdout and EXACT_NOTE not in reproduced.stdout


def test_loss_curve_is_a_png_at_the_printed_path(reproduced: Reproduced) -> None:
    path = reproduced.out / "loss_curve.png"
    assert f"Loss curve written to {path}" in reproduced.stdout
    assert path.read_bytes().startswith(PNG_SIGNATURE)


def test_the_loss_curve_records_the_run_it_shows(reproduced: Reproduced) -> None:
    with Image.open(reproduced.out / "loss_curve.png") as image:
        description = image.text["Description"]
    run = reproduced.run
    assert description == describe_run(run.loss_history, run.optimum.train_loss)


def test_short_runs_show_a_dash_at_epoch_10000(short) -> None:
    result, _ = short
    assert table_rows(result.stdout)["Loss at epoch 10,000"][1] == DASH


def test_progress_advances_in_chunks_and_ends_at_the_total(short) -> None:
    # 1,001 epochs: 200 chunks of 1,001 // _PROGRESS_STEPS = 5 epochs, then the one left over.
    _, (bar,) = short
    chunk = SHORT // _PROGRESS_STEPS
    assert bar.steps == [chunk] * (SHORT // chunk) + [SHORT % chunk]
    assert bar.n == bar.total == SHORT


def test_help_explains_every_option(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["reproduce", "--help"])
    assert exit_.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    for option in ("--epochs", "--learning-rate", "--out", "--exact"):
        assert option in help_text
    # --exact says that it is exact, and how exact; the exit statuses are listed.
    assert "exact (each loss equals the loop's to 1e-10 relative" in help_text
    assert "130 interrupted; 141 stdout closed early" in help_text


def test_version_is_the_installed_packages(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    # The distribution is linreg-audit (tests/test_packaging.py says why); the command is linreg.
    assert capsys.readouterr().out == f"linreg {version('linreg-audit')}\n"


@pytest.mark.parametrize(
    ("option", "value"),
    [("--epochs", "0"), ("--epochs", "ten"), ("--learning-rate", "-0.01"), ("--learning-rate", "abc")],
)
def test_a_bad_option_value_is_a_one_line_error_naming_it(option, value, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["reproduce", option, value])
    assert exit_.value.code != 0
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and option in err, err


def test_a_divergent_learning_rate_is_a_one_line_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["reproduce", "--epochs", "2000", "--learning-rate", "5", "--out", str(tmp_path)])
    assert exit_.value.code == 1
    # The warning that the rate is above the bound comes before training; the failure is one line.
    warning, error = capsys.readouterr().err.strip().split("\n")
    assert warning.startswith("linreg reproduce: warning: --learning-rate 5 is at or above the stable bound")
    assert error.startswith("linreg reproduce: error: training diverged") and "stable bound" in error


@pytest.mark.parametrize(
    ("missing", "distribution"), [("sklearn", "scikit-learn"), ("matplotlib", "matplotlib"), ("tqdm", "tqdm")]
)
def test_a_missing_extra_is_a_one_line_error_naming_it(missing, distribution, tmp_path, capsys, monkeypatch):
    # None in sys.modules makes `import missing` fail as on a numpy-only install.
    monkeypatch.setitem(sys.modules, missing, None)
    with pytest.raises(SystemExit) as exit_:
        main(["reproduce", "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 1
    assert "\n" not in err and err.startswith(f"linreg reproduce: error: {distribution} is not installed;")
    # How to install the extra, from a checkout: never `pip install 'linreg[...]'`, which
    # the package index would answer with another project of that name.
    assert "'reproduce' extra" in err and "pip install '/path/to/linreg[reproduce]'" in err
