"""`linreg reproduce`: the article's experiment from the command line."""

from __future__ import annotations

import io
import sys

import pytest

from linreg.cli import _progress_callback, main
from linreg.experiment import run_article

EPOCHS = 20_000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def table_rows(stdout: str) -> dict[str, list[str]]:
    """The printed table's body as {quantity: [article, linreg, scikit-learn]}."""
    lines = [line for line in stdout.splitlines() if line.startswith("|")]
    body = lines[2:]  # header and its rule
    cells = [[cell.strip() for cell in line.strip("|").split("|")] for line in body]
    return {row[0]: row[1:] for row in cells}


@pytest.fixture(scope="module")
def reproduced(tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    capture = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("sys.stdout", capture)
        status = main(["reproduce", "--epochs", f"{EPOCHS}", "--out", str(out)])
    return status, capture.getvalue(), out


@pytest.fixture(scope="module")
def measured():
    return run_article(epochs=EPOCHS)


def test_reproduce_exits_zero(reproduced):
    assert reproduced[0] == 0


def test_table_has_the_six_rows_in_order(reproduced):
    assert list(table_rows(reproduced[1])) == [
        "Loss at epoch 1",
        "Loss at epoch 10,000",
        f"Final loss (epoch {EPOCHS:,})",
        "Test R^2",
        "Test MSE",
        "Least-squares optimum's training loss",
    ]


def test_table_values_are_what_run_article_measures(reproduced, measured):
    rows = table_rows(reproduced[1])
    # The printed cells are rounded: compare at the printed precision.
    assert rows["Loss at epoch 1"][1:] == [f"{measured.loss_at(1):.2f}", "—"]
    assert rows["Loss at epoch 10,000"][1:] == [f"{measured.loss_at(10_000):.2f}", "—"]
    assert rows[f"Final loss (epoch {EPOCHS:,})"][1:] == [f"{measured.loss_at(EPOCHS):.2f}", "—"]
    assert rows["Test R^2"][1:] == [
        f"{measured.gradient_descent.test_r2:.4f}",
        f"{measured.sklearn.test_r2:.4f}",
    ]
    assert rows["Test MSE"][1:] == [
        f"{measured.gradient_descent.test_mse:.2f}",
        f"{measured.sklearn.test_mse:.2f}",
    ]
    assert rows["Least-squares optimum's training loss"][1:] == [
        f"{measured.optimum.train_loss:.2f}",
        f"{measured.sklearn.train_loss:.2f}",
    ]


def test_article_column_shows_what_the_article_reports(reproduced):
    rows = table_rows(reproduced[1])
    # The article's section 3 and 5 figures, as it prints them.
    assert rows["Loss at epoch 1"][0] == "~1930"
    assert rows["Loss at epoch 10,000"][0] == "—"
    assert rows["Test R^2"][0] == "0.4045 / 0.40"


def test_loss_curve_is_a_png_at_the_printed_path(reproduced):
    _, stdout, out = reproduced
    path = out / "loss_curve.png"
    assert f"Loss curve written to {path}" in stdout
    data = path.read_bytes()
    assert len(data) > len(PNG_SIGNATURE) and data.startswith(PNG_SIGNATURE)


def test_short_runs_show_a_dash_at_epoch_10000(tmp_path, capsys):
    assert main(["reproduce", "--epochs", "500", "--out", str(tmp_path)]) == 0
    assert table_rows(capsys.readouterr().out)["Loss at epoch 10,000"][1] == "—"


def test_progress_advances_in_chunks_to_the_total():
    from tqdm import tqdm

    bar = tqdm(total=1000, file=io.StringIO(), disable=False)
    callback = _progress_callback(bar, 1000)
    for epoch in range(1, 1001):
        callback(epoch, 0.0, None, 0.0)
    assert bar.n == 1000
    bar.close()


def test_help_explains_every_option(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["reproduce", "--help"])
    assert exit_.value.code == 0
    help_text = capsys.readouterr().out
    for option in ("--epochs", "--learning-rate", "--out"):
        assert option in help_text


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
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "stable bound" in err


@pytest.mark.parametrize("missing", ["sklearn", "matplotlib", "tqdm"])
def test_a_missing_extra_is_a_one_line_error_naming_it(missing, tmp_path, capsys, monkeypatch):
    # None in sys.modules makes `import missing` fail as on a numpy-only install.
    monkeypatch.setitem(sys.modules, missing, None)
    with pytest.raises(SystemExit) as exit_:
        main(["reproduce", "--out", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 1
    assert "\n" not in err and missing in err and "linreg[reproduce]" in err, err
