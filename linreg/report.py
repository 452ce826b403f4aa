"""The reproduction table: the article's figures beside linreg's and scikit-learn's.

The article's figures are display-only reference values, kept here and nowhere else
in :mod:`linreg`; the spec (``features/``) holds them as expectations.
"""

from __future__ import annotations

from collections.abc import Sequence

from linreg.experiment import ArticleRun

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

#: Printed under the table: how to read a cell with two article figures.
NOTE = "Article: its own implementation's figure / scikit-learn's, where it reports both."


def _fixed(value: float | None, decimals: int) -> str:
    """``value`` to ``decimals`` places, or the dash when there is none.

    >>> _fixed(1392.5374992, 2), _fixed(None, 2)
    ('1392.54', '—')
    """
    return DASH if value is None else f"{value:.{decimals}f}"


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
