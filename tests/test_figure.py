"""The loss curve in the docs is the one `linreg reproduce` draws for today's run."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from linreg.plotting import describe_run, plot_loss_curve

DOCS_FIGURE = Path(__file__).resolve().parents[1] / "docs" / "figures" / "loss_curve.png"


def _description(png: Path) -> str:
    with Image.open(png) as image:
        return image.text["Description"]


def test_a_drawn_curve_records_the_run_it_shows(article_run, tmp_path):
    path = plot_loss_curve(
        article_run.loss_history, tmp_path / "curve.png", optimum_loss=article_run.optimum.train_loss
    )
    assert _description(path) == describe_run(article_run.loss_history, article_run.optimum.train_loss)


def test_the_docs_figure_shows_the_current_run(article_run):
    # Compared through the figures it was drawn from, not pixels: rendering
    # changes with matplotlib releases, the run does not. Stale? Run `make figure`.
    assert _description(DOCS_FIGURE) == describe_run(article_run.loss_history, article_run.optimum.train_loss)
