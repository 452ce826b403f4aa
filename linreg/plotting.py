"""The loss curve of section 4, drawn with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

import math
from os import PathLike
from pathlib import Path

import numpy as np

from linreg._validation import as_real_array


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
        gap left by training is visible.

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

    fig = Figure(figsize=(7, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
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
    path = Path(path)
    fig.savefig(path, format="png", dpi=100)
    return path
