"""The loss curve in the docs is the one `linreg reproduce` draws for today's run.

That a drawn PNG records the run it shows is checked on the one test_cli.py has
`linreg reproduce` write.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from linreg.plotting import describe_run

DOCS_FIGURE = Path(__file__).resolve().parents[1] / "docs" / "figures" / "loss_curve.png"


def test_the_docs_figure_shows_the_current_run(article_run):
    # Compared through the figures it was drawn from, not pixels: rendering
    # changes with matplotlib releases, the run does not. Stale? Run `make figure`.
    with Image.open(DOCS_FIGURE) as image:
        description = image.text["Description"]
    assert description == describe_run(article_run.loss_history, article_run.optimum.train_loss)
