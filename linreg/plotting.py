"""The loss curve of section 4, drawn with matplotlib's Agg backend (no display needed)."""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import secrets
import warnings
from collections.abc import Iterator
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import numpy as np

from linreg._validation import as_real_array

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Stretches of epochs each curve is reduced to: over three per pixel column of a panel
#: (a 12-inch figure at 100 dpi has two panels of under 600 columns each).
STRETCHES = 2048


def plot_loss_curve(
    loss_history: np.ndarray | list[float],
    path: str | PathLike[str],
    *,
    optimum_loss: float | None = None,
) -> Path:
    """Draw the training loss per epoch on a log-scale axis and save it as a PNG.

    A history longer than ``4 * STRETCHES`` epochs is drawn from a faithful reduction
    (:func:`envelope`): the first, last, lowest and highest loss of each of ``STRETCHES``
    equal stretches of epochs, so no rise or dip is lost and drawing costs the same
    for 200,000 epochs as for 45 million.

    Parameters
    ----------
    loss_history : array-like of shape (epochs,)
        ``loss_history[k - 1]`` is the loss at epoch ``k`` (as :func:`linreg.linear_train`
        returns it); every value must be positive, the axis being logarithmic.
    path : str or path-like
        Where to write the PNG; its folder must exist. Written to a file of this call's
        own beside it first and renamed over ``path`` (atomic), so a failed or interrupted
        write leaves no partial PNG, and runs writing one ``path`` at once never mix:
        ``path`` is always one run's whole figure.
    optimum_loss : float, optional
        The least-squares optimum's loss, drawn as a dashed horizontal line so the
        gap left by training is visible. When given, a second panel shows the loss
        minus the optimum's on a log axis, beside the straight line a single
        exponential decay would follow (section 4 calls the curve one).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OSError
        If the PNG cannot be written (the folder is missing or read-only, ``path`` is a
        folder, the disk is full); nothing is left at ``path`` then.
    """
    losses = np.asarray(loss_history)
    if not (isinstance(losses, np.ndarray) and losses.dtype == np.float64):
        losses = as_real_array(loss_history, "loss_history")
    if losses.ndim != 1 or losses.size == 0:
        raise ValueError(f"loss_history must be 1-D of shape (epochs,), got shape {losses.shape}")
    # min and max allocate nothing, unlike a mask the size of the history; NaN propagates.
    lowest, highest = float(losses.min()), float(losses.max())
    if not (math.isfinite(lowest) and math.isfinite(highest)):
        raise ValueError("loss_history contains NaN or infinite values; every value must be finite")
    if lowest <= 0:
        raise ValueError("loss_history must be positive everywhere: the loss axis is logarithmic")
    if optimum_loss is not None and not (math.isfinite(optimum_loss) and optimum_loss > 0):
        raise ValueError(f"optimum_loss must be a positive finite number, got {optimum_loss!r}")
    # Figure + FigureCanvasAgg, not pyplot: no global state and no GUI backend.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7, 4.5) if optimum_loss is None else (12, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1 if optimum_loss is None else 2, 1)
    epochs, shown = envelope(losses, STRETCHES)
    ax.plot(epochs, shown, label="gradient descent")
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
        _plot_excess(fig.add_subplot(1, 2, 2), losses, epochs, shown - optimum_loss, optimum_loss)
    path = Path(path)
    metadata = {"Description": describe_run(losses, optimum_loss)}
    with _partial_file(path) as (partial, stream), warnings.catch_warnings():
        # The legends' "best" places are found when the figure is drawn; matplotlib warns when
        # that takes over a second, which on a busy machine it does. Timing, not a fault.
        warnings.filterwarnings("ignore", message='Creating legend with loc="best" can be slow')
        fig.savefig(stream, format="png", dpi=100, metadata=metadata)
        stream.close()
        os.replace(partial, path)
    return path


@contextlib.contextmanager
def _partial_file(path: Path) -> Iterator[tuple[Path, BinaryIO]]:
    """A new file beside ``path`` under a name of this call's own, removed unless renamed.

    Beside the target, so that the rename stays on one file system and is atomic; under a
    name no other process uses, so that runs writing the same ``path`` at once never write
    into each other's file: the last rename wins, and ``path`` is always one whole PNG.
    ``O_EXCL`` with mode 0o666 gives the file the permissions the umask allows, as
    ``open`` would, where ``tempfile.mkstemp`` would make it private to its owner.
    """
    # The process id and 64 random bits: O_EXCL would refuse a name in use rather than share it.
    partial = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(8)}.partial")
    try:
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb") as stream:
            yield partial, stream
    finally:
        # Also on an exception raised by a signal handler (the CLI turns SIGTERM into one).
        partial.unlink(missing_ok=True)


def envelope(values: np.ndarray, stretches: int) -> tuple[np.ndarray, np.ndarray]:
    """A reduction of a long curve that a line plot draws the same: M4 decimation.

    Splits ``values`` into ``stretches`` runs of consecutive epochs and keeps, of each,
    the first, last, lowest and highest point, in epoch order. Every extreme survives,
    so a line through the kept points rises and falls wherever the full one does.

    Parameters
    ----------
    values : ndarray of shape (epochs,)
    stretches : int

    Returns
    -------
    epochs : ndarray of shape (m,)
        1-based epochs of the kept points, increasing; ``m <= 4 * stretches``, or every
        epoch when there are no more than that.
    kept : ndarray of shape (m,)
        ``values[epochs - 1]``.

    Examples
    --------
    >>> epochs, kept = envelope(np.array([5.0, 1.0, 9.0, 4.0, 3.0, 8.0, 2.0, 7.0, 6.0]), 1)
    >>> epochs.tolist(), kept.tolist()
    ([1, 2, 3, 9], [5.0, 1.0, 9.0, 6.0])
    """
    n = values.size
    if n <= 4 * stretches:
        return np.arange(1, n + 1), values
    edges = np.linspace(0, n, stretches + 1).astype(np.int64)
    keep = np.empty((stretches, 4), dtype=np.int64)
    for i, (lo, hi) in enumerate(itertools.pairwise(edges)):
        part = values[lo:hi]  # a view: nothing the size of the history is allocated
        keep[i] = lo, lo + part.argmin(), lo + part.argmax(), hi - 1
    index = np.unique(keep)
    return index + 1, values[index]


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


def _plot_excess(
    ax: Axes, losses: np.ndarray, epochs: np.ndarray, excess: np.ndarray, optimum_loss: float
) -> None:
    # On a log axis one exponential is a straight line. Drawing the excess over the
    # optimum beside the line that keeps the decay rate of the first 10,000 epochs
    # after epoch 10,000 shows whether the article's "exponential decay" is one.
    # ``epochs`` and ``excess`` are the reduced curve; ``losses`` the whole history.
    shown = np.where(excess > 0, excess, np.nan)  # rounding can make the last few <= 0
    ax.plot(epochs, shown, label="loss minus the optimum's")
    start, span = 10_000, 10_000
    if losses.size < start + span:
        first = last = 0.0
    else:
        first, last = (float(losses[k - 1]) - optimum_loss for k in (start, start + span))
    if first > 0 and last > 0:
        rate = (last / first) ** (1 / span)
        later = epochs[epochs >= start]
        ax.plot(
            later,
            first * rate ** (later - start),
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
