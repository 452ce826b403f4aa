"""Arithmetic in units of a power of two, so that no intermediate step overflows float64.

Dividing by 2**e is exact (short of the subnormal range), so a result computed in those
units and scaled back equals the plain computation wherever that one does not overflow,
and is finite wherever the true value is.
"""

from __future__ import annotations

import math

import numpy as np


def exponent(*arrays: np.ndarray) -> int:
    """The power of two e with max|arrays| / 2**e in [0.5, 1) (0 when every value is zero)."""
    top = max(float(np.max(np.abs(a))) for a in arrays)
    return math.frexp(top)[1]


def mean_square_difference(a: np.ndarray, b: np.ndarray, times_two_to: int = 0) -> float:
    """``mean((a - b) ** 2) * 2**times_two_to`` for arrays of one shape.

    OverflowError only if the result exceeds float64 (``times_two_to=-1`` halves before
    that test: the article's loss can be finite where the mean squared error is not).
    """
    e = exponent(a, b)
    r = np.ldexp(a, -e) - np.ldexp(b, -e)  # |r| <= 2: nothing below can overflow
    return math.ldexp(float(np.mean(r * r)), 2 * e + times_two_to)
