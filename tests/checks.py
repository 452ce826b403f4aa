"""What a Then step asserts, failing in the step's own words (a :class:`tooling.failures.Mismatch`).

The article prints its figures rounded, so most steps compare the measured value rounded
the same way: an exact, fair comparison when the measurement is reproducible far inside
half a unit of the last printed digit (each step says why it is).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
from tooling.failures import Mismatch
from tooling.implementation import Training

import linreg


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


def rounds_to(value: float, stated: str, decimals: int, unit: str = "") -> None:
    """``value`` rounded to ``decimals`` decimals reads ``stated``."""
    __tracebackhide__ = True
    measured = to_decimals(value, decimals)
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


#: Relative finite-difference step for the loss's derivatives. The loss is a quadratic, so a
#: central difference has no truncation error at any step, only the rounding of the two loss
#: values divided by the step: a large step keeps that small.
STEP = 1e-2
EPS = float(np.finfo(np.float64).eps)


def rounding_of_differences(loss_value: float, n: int) -> float:
    """Largest rounding error of a central difference of a sum of ``n`` squares of about ``loss_value``.

    Each loss value carries a relative error of at most about (n + 3) machine epsilons; the
    step h_i = STEP * max(1, |theta_i|) is at least STEP; the two values at theta +- h can
    exceed |L| by the quadratic's own growth over the step, allowed for by a factor 2. So the
    difference quotient is off by at most 2 * 2 * (n + 3) * eps * max(|L|, 1) / (2 STEP).
    """
    return 2 * (n + 3) * EPS * max(abs(loss_value), 1.0) / STEP


def derivatives_match(
    loss: Callable[[np.ndarray], float], analytic: np.ndarray, theta: np.ndarray, n: int, *, source: str
) -> None:
    """``analytic`` is the gradient of ``loss`` at ``theta``, coordinate by coordinate.

    The numeric gradient is :func:`linreg.numerical_gradient` (central differences); each
    coordinate may differ by the rounding bound above plus 1e-8 of itself (the analytic
    gradient's own rounding, a sum over n rows, is far below that). A gradient 0.1 % off
    misses by five orders of magnitude wherever it exceeds the bound's ~1e-10.
    """
    __tracebackhide__ = True
    numeric = linreg.numerical_gradient(loss, theta, eps=STEP)
    allowed = rounding_of_differences(loss(theta), n) + 1e-8 * np.abs(numeric)
    excess = np.abs(np.asarray(analytic, dtype=float) - numeric) - allowed
    if np.any(excess > 0) or not np.all(np.isfinite(analytic)):
        i = int(np.argmax(np.where(np.isfinite(excess), excess, np.inf)))
        name = "b" if i == theta.size - 1 else f"w_{i + 1}"
        raise Mismatch(
            f"dL/d{name} = {numeric[i]:.10g} by central differences (within {allowed[i]:.1g})",
            f"{analytic[i]:.10g} {source}",
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
