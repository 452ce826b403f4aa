"""How much rounding right code may show: worst-case bounds for the article's loss and gradients.

Right code may compute the article's sums in any order (a loop over samples or features,
einsum, BLAS, the Gram matrix X^T X / n), so no check compares bit patterns. Each bound below is
a worst case of that arithmetic, from the standard model fl(a op b) = (a op b)(1 + d), |d| <= u =
eps / 2, under which a sum of k terms in any order is off by at most gamma_k = k u / (1 - k u)
times the sum of their magnitudes (Higham, *Accuracy and Stability of Numerical Algorithms*,
ch. 3). The steps (tests/checks.py) and the long-run machinery (tooling.update) share them.
"""

from __future__ import annotations

import numpy as np

EPS = float(np.finfo(np.float64).eps)


def flat(value: object) -> np.ndarray:
    """Any number or array as a flat float vector: how a step reads an output whose shape is not its claim.

    >>> flat([[1], [2]]).tolist(), flat(np.float64(3.0)).tolist()
    ([1.0, 2.0], [3.0])
    """
    return np.ravel(np.asarray(value, dtype=float))


# Per sample i, write
#
#     S_i = sum_j |x_ij w_j| + |b|     (the size of the terms of y_hat_i)
#     a_i = |r_i| + S_i + |y_i|         (the size of everything a residual r_i is made of)
#
# y_hat_i is then off by at most gamma_{d+1} S_i and r_i by at most u |r_i| + (d + 1.01) u S_i.
def sizes(X: np.ndarray, y: object, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``S`` and ``a`` above for every sample, at the flat ``theta = (w_1, ..., w_d, b)``."""
    X, theta = np.asarray(X, dtype=float), flat(theta)
    w, b = theta[:-1], theta[-1]
    S = np.abs(X) @ np.abs(w) + abs(b)
    return S, np.abs(X @ w + b - flat(y)) + S + np.abs(flat(y))


def loss_rounding(X: np.ndarray, y: object, theta: np.ndarray, scale: float = 1.0) -> float:
    """How far a right computation of the article's loss (times ``scale``) can be from its exact value.

    The residuals' errors change the sum of squares by at most sum 2 |r_i| (u |r_i| + (d + 1.01)
    u S_i), and summing n squares and dividing adds gamma_{n+1} of the loss, so the loss is off by
    at most (n + d + 5) u T with T = sum_i a_i^2 / 2n, which is at least the loss and at least
    sum_i |r_i| S_i / n. The Gram matrix's quadratic form (w^T G w + 2 b m^T w + b^2 - 2 c^T w ...)
    has the same bound: each of its terms is at most T. We allow twice that, (n + d + 5) eps T.
    """
    _, a = sizes(X, y, theta)
    n, d = np.shape(X)
    return (n + d + 5) * EPS * scale * float(np.sum(a**2)) / (2 * n)


def gradient_rounding(X: np.ndarray, y: object, theta: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """How far a right computation of (dw, db) (times ``scale``), flat, can be from its exact value.

    dw_j = sum_i x_ij r_i / n sums n products of residuals that are each off as above, so it is off
    by at most (n + d + 3) u sum_i |x_ij| a_i / n; db likewise with x_ij = 1. The Gram matrix's
    G w + b m - c is off by at most gamma_{n+d+2} sum_i |x_ij| (S_i + |y_i|) / n, inside the same
    bound. We allow twice that: (n + d + 3) eps sum_i |x_ij| a_i / n.
    """
    _, a = sizes(X, y, theta)
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    return (n + d + 3) * EPS * scale * np.append(np.abs(X).T @ a, a.sum()) / n


def descent_loss_rounding(X: np.ndarray, y: object, start: np.ndarray) -> float:
    """A bound on :func:`loss_rounding` anywhere on a gradient-descent path from ``start`` at a stable rate.

    Below the stable rate every step brings the parameters closer to the minimiser theta*
    (``||I - alpha H|| <= 1``), so each coordinate stays within |theta*_i| + ||start - theta*||;
    with t that bound, every a_i <= 2 (|[x_i 1]| t + |y_i|), and T <= (2 / n) sum_i (|[x_i 1]| t +
    |y_i|)^2. theta* is numpy's least squares (an oracle), off by far less than that margin.
    """
    X = np.asarray(X, dtype=float)
    n, d = X.shape
    A = np.hstack([X, np.ones((n, 1))])
    optimum = np.linalg.lstsq(A, flat(y), rcond=None)[0]
    t = np.abs(optimum) + float(np.linalg.norm(flat(start) - optimum))
    T = (2 / n) * float(np.sum((np.abs(A) @ t + np.abs(flat(y))) ** 2))
    return (n + d + 5) * EPS * T
