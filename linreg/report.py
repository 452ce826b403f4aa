"""The reproduction table: the article's figures beside linreg's and scikit-learn's.

The article's figures are display-only reference values, kept here and nowhere else
in :mod:`linreg`; the spec (``features/``) holds them as expectations.
"""

from __future__ import annotations

from collections.abc import Sequence

from linreg.experiment import EPOCHS, LEARNING_RATE, ArticleRun

#: Shown where a column has no value for a row.
DASH = "—"

#: What the article reports, as it prints it (strings: they are shown, never computed with).
ARTICLE_FIGURES: dict[str, str] = {
    # Section 3, "Training Results": its "initial loss" and "final loss".
    "initial_loss": "~1930",
    "final_loss": "~1392",
    # Section 4, "Performance Metrics", repeated in section 5's comparison table.
    "test_r2": "0.4045",
    "test_mse": "3315.50",
    # Section 5's comparison table, scikit-learn's column (its R^2 printed with "%.2f").
    "sklearn_test_r2": "0.40",
    "sklearn_test_mse": "3368.04",
}

HEADER = ("Quantity", "Article", "linreg", "scikit-learn")
#: The table of a run that is not the article's: nothing to set beside the article's figures.
OWN_HEADER = ("Quantity", "linreg", "scikit-learn")

#: Printed under the table: how to read a cell with two article figures.
NOTE = "Article: its own implementation's figure / scikit-learn's, where it reports both."

#: Printed under a run computed in closed form.
EXACT_NOTE = (
    "Computed in closed form (linreg.gradient_descent_history), not epoch by epoch: every loss "
    "equals the training loop's to 1e-10 relative (see linreg reproduce --help)."
)

#: Values this large are shown in scientific notation: a diverging run's loss can reach 1e38.
_SCIENTIFIC = 1e9


def _fixed(value: float | None, decimals: int) -> str:
    """``value`` to ``decimals`` places, or the dash when there is none.

    >>> _fixed(1392.5374992, 2), _fixed(None, 2), _fixed(-1.5e7, 4), _fixed(4.03e10, 2)
    ('1392.54', '—', '-15000000.0000', '4.03e+10')
    """
    if value is None:
        return DASH
    return f"{value:.{decimals}f}" if abs(value) < _SCIENTIFIC else f"{value:.{decimals}e}"


def _pair(ours: str, theirs: str) -> str:
    return f"{ours} / {theirs}"


def reproduction_rows(run: ArticleRun) -> list[tuple[str, str, str, str]]:
    """The rows of the reproduction table, every cell already formatted.

    Parameters
    ----------
    run : ArticleRun
        From :func:`linreg.experiment.run_article`.

    Returns
    -------
    list of (quantity, article, linreg, scikit-learn)
        Six rows: losses at epoch 1, at epoch 10,000 (a dash if training was
        shorter) and at the last epoch; test R^2 to four decimals; test MSE to two;
        the least-squares optimum's training loss.
    """
    article = ARTICLE_FIGURES
    sklearn = run.sklearn
    loss_10k = run.loss_at(10_000) if run.epochs >= 10_000 else None
    return [
        ("Loss at epoch 1", article["initial_loss"], _fixed(run.loss_at(1), 2), DASH),
        ("Loss at epoch 10,000", DASH, _fixed(loss_10k, 2), DASH),
        (
            f"Final loss (epoch {run.epochs:,})",
            article["final_loss"],
            _fixed(run.loss_at(run.epochs), 2),
            DASH,
        ),
        (
            "Test R^2",
            _pair(article["test_r2"], article["sklearn_test_r2"]),
            _fixed(run.gradient_descent.test_r2, 4),
            _fixed(None if sklearn is None else sklearn.test_r2, 4),
        ),
        (
            "Test MSE",
            _pair(article["test_mse"], article["sklearn_test_mse"]),
            _fixed(run.gradient_descent.test_mse, 2),
            _fixed(None if sklearn is None else sklearn.test_mse, 2),
        ),
        (
            "Least-squares optimum's training loss",
            DASH,
            _fixed(run.optimum.train_loss, 2),
            _fixed(None if sklearn is None else sklearn.train_loss, 2),
        ),
    ]


def own_rows(run: ArticleRun) -> list[tuple[str, str, str]]:
    """The rows of a run that is not the article's: linreg's and scikit-learn's figures only.

    Parameters
    ----------
    run : ArticleRun

    Returns
    -------
    list of (quantity, linreg, scikit-learn)
        The rows of :func:`reproduction_rows` without the article's column, plus a row
        counting the epochs whose loss rose, when any did.
    """
    return [(quantity, ours, theirs) for quantity, _, ours, theirs in reproduction_rows(run)] + [
        (quantity, ours, theirs) for quantity, _, ours, theirs in _rise_rows(run)
    ]


def _rise_rows(run: ArticleRun) -> list[tuple[str, str, str, str]]:
    # A run that did not descend monotonically says so in its table: below the stable
    # bound no epoch's loss rises, so any rise means the learning rate is too large.
    rises = run.rises
    if rises.size == 0:
        return []
    where = f"{rises.size:,} of {run.epochs - 1:,} steps (first at epoch {int(rises[0]):,})"
    return [("Epochs whose loss rose (not a descent)", DASH, where, DASH)]


def format_report(run: ArticleRun) -> str:
    """What ``linreg reproduce`` prints: the table and the lines that say how to read it.

    The article's column appears only for a run with the article's settings (200,000
    epochs at learning rate 0.01); any other run is said to be another run instead.

    Parameters
    ----------
    run : ArticleRun

    Returns
    -------
    str
        Lines without a trailing newline.
    """
    if run.is_the_articles:
        lines = [format_table(reproduction_rows(run) + _rise_rows(run)), NOTE]
    else:
        lines = [
            format_table(own_rows(run), header=OWN_HEADER),
            f"Not the article's run: the article trains {EPOCHS:,} epochs at learning rate "
            f"{LEARNING_RATE:g}, this run {run.epochs:,} at {run.learning_rate:g}, so the article's "
            "figures are not set beside these.",
        ]
    if run.exact:
        lines.append(EXACT_NOTE)
    return "\n".join(lines)


def format_table(rows: Sequence[Sequence[str]], header: Sequence[str] = HEADER) -> str:
    """A pipe table (Markdown syntax), the first column left- and the others right-aligned.

    Parameters
    ----------
    rows : sequence of sequences of str
        Each as long as ``header``.
    header : sequence of str

    Returns
    -------
    str
        One line per row plus the header and its rule, no trailing newline.

    Examples
    --------
    >>> print(format_table([("Test MSE", "3315.50", "3315.50")], header=("Quantity", "Article", "linreg")))
    | Quantity | Article |  linreg |
    |:---------|--------:|--------:|
    | Test MSE | 3315.50 | 3315.50 |
    """
    table = [tuple(header), *(tuple(row) for row in rows)]
    if any(len(row) != len(header) for row in table):
        raise ValueError(f"rows: every row must have {len(header)} cells, like the header")
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        first, *rest = cells
        aligned = [first.ljust(widths[0]), *(c.rjust(w) for c, w in zip(rest, widths[1:], strict=True))]
        return "| " + " | ".join(aligned) + " |"

    rule = "|:" + "-" * (widths[0] + 1) + "|" + "|".join("-" * (w + 1) + ":" for w in widths[1:]) + "|"
    return "\n".join([line(table[0]), rule, *(line(row) for row in table[1:])])
