"""The loss curve of section 4, drawn with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

import math
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from linreg._validation import as_real_array

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_loss_curve(
    loss_history: np.ndarray | list[float],
    path: str | PathLike[str],
    *,
    optimum_loss: float | None = None,
) -> Path:
    """Draw the training loss per epoch on a log-scale axis and save it as a PNG.

    Parameters
    ----------
    loss_history : array-like of shape (epochs,)
        ``loss_history[k - 1]`` is the loss at epoch ``k`` (as :func:`linreg.linear_train`
        returns it); every value must be positive, the axis being logarithmic.
    path : str or path-like
        Where to write the PNG; its folder must exist.
    optimum_loss : float, optional
        The least-squares optimum's loss, drawn as a dashed horizontal line so the
        gap left by training is visible. When given, a second panel shows the loss
        minus the optimum's on a log axis, beside the straight line a single
        exponential decay would follow (section 4 calls the curve one).

    Returns
    -------
    Path
        ``path``.
    """
    losses = as_real_array(loss_history, "loss_history")
    if losses.ndim != 1:
        raise ValueError(f"loss_history must be 1-D of shape (epochs,), got shape {losses.shape}")
    if np.any(losses <= 0):
        raise ValueError("loss_history must be positive everywhere: the loss axis is logarithmic")
    if optimum_loss is not None and not (math.isfinite(optimum_loss) and optimum_loss > 0):
        raise ValueError(f"optimum_loss must be a positive finite number, got {optimum_loss!r}")
    # Figure + FigureCanvasAgg, not pyplot: no global state and no GUI backend.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5) if optimum_loss is None else (12, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1 if optimum_loss is None else 2, 1)
    epochs = np.arange(1, losses.size + 1)
    ax.plot(epochs, losses, label="gradient descent")
    if optimum_loss is not None:
        ax.axhline(
            optimum_loss, linestyle="--", color="black", label=f"least-squares optimum ({optimum_loss:.2f})"
        )
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training loss (log scale)")
    ax.set_title(f"Training loss over {losses.size:,} epochs")
    ax.legend()
    if optimum_loss is not None:
        _plot_excess(fig.add_subplot(1, 2, 2), epochs, losses - optimum_loss)
    path = Path(path)
    fig.savefig(path, format="png", dpi=100, metadata={"Description": describe_run(losses, optimum_loss)})
    return path


def describe_run(loss_history: np.ndarray, optimum_loss: float | None) -> str:
    """The figures a loss-curve PNG was drawn from, stored in its ``Description`` text chunk.

    Lets a test tell whether a committed figure still shows today's run without
    comparing pixels, which change with every matplotlib release.

    Parameters
    ----------
    loss_history : ndarray of shape (epochs,)
    optimum_loss : float or None

    Returns
    -------
    str
        The number of epochs, the first and last loss and the optimum's loss, to
        eight significant figures.
    """
    # Eight significant figures: enough to notice a changed run, few enough that
    # last-bit differences between BLAS builds do not make the figure look stale.
    losses = np.asarray(loss_history, dtype=np.float64)
    optimum = "none" if optimum_loss is None else f"{optimum_loss:.8g}"
    return (
        f"linreg loss curve: {losses.size} epochs, first loss {losses[0]:.8g}, "
        f"last loss {losses[-1]:.8g}, least-squares optimum {optimum}"
    )


def _plot_excess(ax: Axes, epochs: np.ndarray, excess: np.ndarray) -> None:
    # On a log axis one exponential is a straight line. Drawing the excess over the
    # optimum beside the line that keeps the decay rate of the first 10,000 epochs
    # after epoch 10,000 shows whether the article's "exponential decay" is one.
    shown = np.where(excess > 0, excess, np.nan)  # rounding can make the last few <= 0
    ax.plot(epochs, shown, label="loss minus the optimum's")
    start, span = 10_000, 10_000
    if excess.size >= start + span and excess[start - 1] > 0 and excess[start + span - 1] > 0:
        rate = (excess[start + span - 1] / excess[start - 1]) ** (1 / span)
        later = epochs[start - 1 :]
        ax.plot(
            later,
            excess[start - 1] * rate ** (later - start),
            linestyle=":",
            color="black",
            label="one exponential at the rate of epochs 10,000-20,000",
        )
        ax.set_ylim(bottom=np.nanmin(shown) / 10)
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("excess training loss (log scale)")
    ax.set_title("Distance to the optimum's loss")
    ax.legend()
