"""What a Then step asserts, failing in the step's own words (a :class:`tooling.failures.Mismatch`).

The article prints its figures rounded, so most steps compare the measured value rounded
the same way: an exact, fair comparison when the measurement is reproducible far inside
half a unit of the last printed digit (each step says why it is).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator

import numpy as np
from tooling.failures import Mismatch
from tooling.implementation import Implementation, Training, theta_of
from tooling.rounding import EPS, flat, gradient_rounding, loss_rounding, sizes


def to_decimals(value: float, decimals: int) -> str:
    """``value`` written as the article writes figures: fixed-point, rounded.

    >>> to_decimals(1392.5374, 2)
    '1392.54'
    """
    return f"{value:.{decimals}f}"


def significant(value: float, figures: int) -> str:
    """``value`` to ``figures`` significant figures, as text.

    >>> significant(52105.13, 2)
    '5.2e+04'
    """
    return f"{value:.{figures}g}"


def that(condition: bool, *, expected: str, measured: str) -> None:
    """Fail with ``expected ..., measured ...`` unless ``condition``."""
    __tracebackhide__ = True
    if not condition:
        raise Mismatch(expected, measured)


def loss_history(training: Training) -> np.ndarray:
    """The losses a training run recorded, or a failure saying what it raised instead."""
    __tracebackhide__ = True
    that(training.error is None, expected="a loss history", measured=f"training raised {training.error!r}")
    assert training.loss_history is not None
    return training.loss_history


def grows(training: Training, factor: float) -> np.ndarray:
    """Hold that a run's recorded losses grow to more than ``factor`` times the first; return them.

    Divergence is a claim about the losses, so only losses seen to grow show it. A run that
    stopped with an error shows them through the losses the error carries (linreg's
    ``TrainingDiverged.loss_history``, the judge's ``Training.loss_history``); a run that raised
    without them, or refused to run, shows nothing and fails. A non-finite loss recorded after the
    finite ones rose counts as beyond any factor (the loss overflowed).
    """
    __tracebackhide__ = True
    expected = f"losses growing to more than {factor:g} times the first"
    history = training.loss_history
    if history is None or history.size == 0:
        said = f"training raised {training.error!r}" if training.error is not None else "training returned"
        raise Mismatch(expected, f"{said} and recorded no losses")
    finite = np.isfinite(history)
    that(bool(finite[0]), expected=expected, measured=f"a first loss of {history[0]!r}")
    rising = history[: int(np.argmin(finite)) if not finite.all() else history.size]
    overflowed = not finite.all() and rising.size > 1 and rising[-1] > rising[0]
    ended = f"ended by {training.error!r}" if training.error is not None else "returned"
    that(
        overflowed or float(rising.max()) > factor * float(history[0]),
        expected=expected,
        measured=f"at most {float(rising.max()) / float(history[0]):.3g} times in {history.size} "
        f"recorded losses (training {ended})",
    )
    return history


@contextlib.contextmanager
def noting(value: object) -> Iterator[None]:
    """Add the lines of ``value``'s ``provenance`` (a long run's: what it is) to any failure inside.

    The plugin prints an error's notes under its headline, so a figure of the implementation's
    update applied a billion times never reads as one of its training loop.
    """
    try:
        yield
    except AssertionError as error:
        lines = list(getattr(value, "provenance", ()))
        if lines:
            error.__notes__ = [*getattr(error, "__notes__", []), *lines]
        raise


def start_of(training: Training, impl: Implementation, dims: int) -> np.ndarray:
    """Where a training run started, flat: what its ``initialize_params`` returned during the run.

    A ``linear_train`` that does not call ``initialize_params`` leaves nothing recorded; its start
    is then taken to be what ``initialize_params(dims)`` returns now.
    """
    if training.start is not None:
        return flat(training.start)
    return theta_of(*impl.initialize_params(dims))


def rounds_to(value: float, stated: str, decimals: int, unit: str = "") -> None:
    """``value`` rounded to ``decimals`` decimals reads ``stated``.

    A value that rounds to zero reads ``0.00``, whichever side of zero it lies: a figure printed
    as "-0.00" is a rounding of zero, and another correct arithmetic order may land on either side.

    >>> rounds_to(-0.001, "0.00", 2)
    """
    __tracebackhide__ = True
    measured = to_decimals(value, decimals)
    if float(measured) == 0:
        measured = measured.removeprefix("-")
    that(
        measured == stated, expected=f"{stated}{unit}", measured=f"{measured}{unit} (unrounded {value:.10g})"
    )


def same_figures(value: float, stated: float, figures: int, unit: str = "") -> None:
    """``value`` and ``stated`` agree to ``figures`` significant figures."""
    __tracebackhide__ = True
    that(
        significant(value, figures) == significant(stated, figures),
        expected=f"{significant(stated, figures)}{unit}",
        measured=f"{significant(value, figures)}{unit} (unrounded {value:.10g})",
    )


def equals(measured: object, expected: object, what: str = "") -> None:
    """``measured == expected``, both shown as they read."""
    __tracebackhide__ = True
    prefix = f"{what} " if what else ""
    that(measured == expected, expected=f"{prefix}{expected}", measured=f"{prefix}{measured}")


def central_differences(
    loss: Callable[[np.ndarray], float], theta: np.ndarray, steps: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(L(theta + h_i e_i) - L(theta - h_i e_i)) / (2 h_i) for every coordinate, and the steps taken.

    Dividing by the difference of the two points actually evaluated (which rounding may have
    moved off theta +- h_i) keeps the quotient exact for a quadratic up to the losses' rounding.
    """
    numeric, taken = np.empty(theta.size), np.empty(theta.size)
    for i in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[i] += steps[i]
        down[i] -= steps[i]
        taken[i] = up[i] - down[i]
        numeric[i] = (float(loss(up)) - float(loss(down))) / taken[i]
    return numeric, taken


def derivatives_match(
    loss: Callable[[np.ndarray], float],
    analytic: object,
    X: np.ndarray,
    y: object,
    theta: np.ndarray,
    *,
    source: str,
    scale: float = 1.0,
) -> None:
    """``analytic`` is the gradient of ``loss`` at ``theta``, coordinate by coordinate, up to rounding.

    ``loss`` is the article's loss on (X, y) times ``scale`` (the implementation's own, or the
    oracle's without the one half, scale 2), as a function of the flat theta; ``analytic`` the
    gradient to check, in any shape.

    The loss is a quadratic in theta, so a central difference has no truncation error at any step
    h_i: the numeric derivative is off only by the rounding of the two losses (bounded by
    :func:`loss_rounding` at each point), divided by 2 h_i. That error is smallest for a large step:
    we take h_i = sqrt(2 T / H_ii), where H_ii = mean(x_i^2) (1 for b) is the loss's curvature along
    coordinate i and T its size above, so that the losses at theta +- h_i e_i stay within a few T;
    the numeric derivative is then off by about 4 (n + d + 5) eps sqrt(T H_ii / 2). The analytic
    gradient may be off by :func:`gradient_rounding`. The sum of the two is allowed, plus one
    rounding of the quotient (eps of it). On the article's final parameters that is about 1e-10
    for db, whose value is 5e-6; a gradient wrong by a part in a million fails there.
    """
    __tracebackhide__ = True
    theta = flat(theta)
    X = np.asarray(X, dtype=float)
    got = flat(analytic)
    if got.shape != theta.shape:
        raise Mismatch(f"{theta.size} derivatives (dw then db)", f"{got.size} values {source}")
    _, a = sizes(X, y, theta)
    size = scale * float(np.sum(a**2)) / (2 * X.shape[0])
    curvature = scale * np.append(np.mean(X**2, axis=0), 1.0)
    steps = np.where(
        (curvature > 0) & (size > 0), np.sqrt(2 * size / np.where(curvature > 0, curvature, 1.0)), 1.0
    )
    numeric, taken = central_differences(loss, theta, steps)
    moved = [
        loss_rounding(X, y, theta + s * step * np.eye(theta.size)[i], scale)
        for i, step in enumerate(steps)
        for s in (1, -1)
    ]
    allowed = (
        (np.array(moved[0::2]) + np.array(moved[1::2])) / np.abs(taken)
        + gradient_rounding(X, y, theta, scale)
        + EPS * np.abs(numeric)
    )
    excess = np.abs(got - numeric) - allowed
    if np.any(excess > 0) or not np.all(np.isfinite(got)):
        i = int(np.argmax(np.where(np.isfinite(excess), excess, np.inf)))
        name = "b" if i == theta.size - 1 else f"w_{i + 1}"
        raise Mismatch(
            f"dL/d{name} = {numeric[i]:.10g} by central differences (within {allowed[i]:.1g})",
            f"{got[i]:.10g} {source}",
        )


_REPORT = re.compile(r"(?<![\d.])(\d+)(?![\d.]).*?(-?\d+\.\d+(?:e[-+]?\d+)?|inf|nan)\s*$", re.I)


def progress_report(line: str) -> tuple[int, str] | None:
    """The epoch and the loss (as printed) of a progress line, in any wording.

    The article prints ``epoch 10000 loss 1930.520204``; a reader's version may word or round
    it differently. The epoch is the first whole number, the loss the last decimal one.

    >>> progress_report("epoch 10000 loss 1930.520204"), progress_report("Epoch 10000: loss=1930.52")
    ((10000, '1930.520204'), (10000, '1930.52'))
    """
    found = _REPORT.search(line)
    return (int(found.group(1)), found.group(2)) if found else None


def same_as_printed(printed: str, value: float) -> bool:
    """Whether ``value`` prints as ``printed``, to the decimals ``printed`` shows."""
    decimals = len(printed.partition(".")[2])
    return abs(float(printed) - value) <= 0.5 * 10.0**-decimals * (1 + 1e-9)
