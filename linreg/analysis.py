"""What gradient descent on the article's loss should do, computed without running it.

The loss of section 1 is a quadratic in theta = (w, b). With the augmented matrix
A = [X 1] of shape (n, d + 1) its Hessian is the constant H = A^T A / n, so

* one step maps theta - theta* to (I - alpha H)(theta - theta*), which shrinks
  every eigen-direction exactly when 0 < alpha < 2 / lambda_max(H)
  (:func:`stable_learning_rate`);
* after k steps from zero, theta_k = theta* + (I - alpha H)^k (0 - theta*)
  (:func:`gradient_descent_closed_form`), which lets the spec look at epoch
  10,000,000 without running ten million epochs;
* theta* is the least-squares solution (:func:`least_squares`), the oracle that
  scikit-learn's ``LinearRegression`` also computes.

Every function returns finite values or raises a ValueError naming the argument whose
size puts the answer beyond float64.
"""

from __future__ import annotations

import math

import numpy as np

from linreg._scaling import exponent
from linreg._types import Params
from linreg._validation import (
    as_column,
    as_count,
    as_learning_rate,
    as_matrix,
    as_params,
)


def _augmented(X: np.ndarray) -> np.ndarray:
    return np.hstack([X, np.ones((X.shape[0], 1))])


def flatten_params(params: Params) -> np.ndarray:
    """The parameters as one vector theta = (w_1, ..., w_d, b).

    Parameters
    ----------
    params : dict
        ``{'w': ndarray of shape (n_features, 1) or (n_features,), 'b': float}``,
        checked as :func:`linreg.predict` checks its ``params``.

    Returns
    -------
    theta : ndarray of shape (n_features + 1,)
        The order of the rows and columns of :func:`hessian`.

    Examples
    --------
    >>> flatten_params({'w': [[2.0], [3.0]], 'b': 1.0}).tolist()
    [2.0, 3.0, 1.0]
    """
    w, b = as_params(params, None)
    return np.append(w.ravel(), b)


def hessian(X: np.ndarray) -> np.ndarray:
    """Hessian of the loss with respect to (w, b).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    H : ndarray of shape (n_features + 1, n_features + 1)
        ``[X 1]^T [X 1] / n_samples``; the last row and column belong to ``b``.
        It does not depend on ``y``, ``w`` or ``b``.

    Raises
    ------
    ValueError
        If an entry of ``H`` is beyond float64's range (``X`` of the order of 1e154 or more).

    Examples
    --------
    >>> hessian([[1.0], [3.0]]).tolist()
    [[5.0, 2.0], [2.0, 1.0]]
    """
    X = as_matrix(X)
    A = _augmented(X)
    n = X.shape[0]
    with np.errstate(over="ignore", invalid="ignore"):
        H = A.T @ A / n
        if not np.all(np.isfinite(H)):
            # The products or their sum overflowed. Scale each column by its own power of
            # two (one scale for all would flush the column of ones to zero): H = D G D.
            e = np.frexp(np.max(np.abs(A), axis=0))[1]
            scaled = np.ldexp(A, -e)
            H = np.ldexp(np.ldexp(scaled.T @ scaled / n, e[:, None]), e[None, :])
    if not np.all(np.isfinite(H)):
        raise ValueError(
            f"X is too large: the Hessian [X 1]^T [X 1] / n has entries beyond float64's range "
            f"(largest |X| {float(np.max(np.abs(X))):.3g}); rescale X"
        )
    return H


def _curvatures(singular_values: np.ndarray, n: int) -> np.ndarray:
    """The eigenvalues sigma^2 / n of H from the singular values of [X 1], checked."""
    with np.errstate(over="ignore"):
        eigenvalues = singular_values**2 / n
        if not np.all(np.isfinite(eigenvalues)):  # sigma^2 overflowed; sigma^2 / n may not
            eigenvalues = (singular_values / math.sqrt(n)) ** 2
    if not np.all(np.isfinite(eigenvalues)):
        raise ValueError(
            "X is too large: the loss's curvature lambda_max is beyond float64's range, so no "
            "learning rate is stable; rescale X"
        )
    return eigenvalues


def _svd(A: np.ndarray, compute_uv: bool) -> tuple[np.ndarray, ...]:
    try:
        if compute_uv:
            return tuple(np.linalg.svd(A, full_matrices=False))
        return (np.linalg.svd(A, compute_uv=False),)
    except np.linalg.LinAlgError as error:
        raise ValueError(f"X: the singular value decomposition of [X 1] failed ({error})") from None


def stable_learning_rate(X: np.ndarray) -> float:
    """The learning rate above which gradient descent on this data diverges.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)

    Returns
    -------
    float
        ``2 / lambda_max`` of :func:`hessian`. Any learning rate strictly below it
        makes every epoch's loss no larger than the one before; above it the
        component of the error along the top eigenvector grows geometrically.

    Raises
    ------
    ValueError
        If ``lambda_max`` itself is beyond float64's range (``X`` of the order of 1e154
        or more), when no positive float64 learning rate is meaningfully below the bound.

    Examples
    --------
    One feature equal to the constant 1 doubles the intercept direction:
    H = [[1, 1], [1, 1]] has lambda_max = 2, so the bound is 1.

    >>> stable_learning_rate([[1.0], [1.0]])
    1.0
    """
    X = as_matrix(X)
    # The squared top singular value of [X 1] equals n * lambda_max, and the SVD
    # avoids forming A^T A, which squares the condition number.
    (singular_values,) = _svd(_augmented(X), compute_uv=False)
    return float(2.0 / _curvatures(singular_values[:1], X.shape[0])[0])


def least_squares(X: np.ndarray, y: np.ndarray) -> Params:
    """Exact minimiser of the article's loss, with intercept.

    Centres ``X`` and ``y`` and solves the centred problem with ``numpy.linalg.lstsq``
    (an SVD, never an explicit inverse); the intercept follows from the means.
    When several minimisers exist it returns the one with the smallest ``w``.
    ``X`` and ``y`` are each divided by a power of two first (exact, and the same for
    every column, so the smallest ``w`` stays the smallest), so that centring and the
    SVD never overflow.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, 1) or (n_samples,)

    Returns
    -------
    params : dict
        ``{'w': ndarray of shape (n_features, 1), 'b': float}``, the same layout as
        the ``params`` of :func:`linreg.linear_train`.

    Raises
    ------
    ValueError
        If the solution is beyond float64's range (``y`` varies far more than ``X``
        can explain with weights below 1.8e308), or if LAPACK's SVD fails.

    Examples
    --------
    Points on the line y = 2x + 1 are fitted exactly:

    >>> p = least_squares([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    >>> round(float(p['w'][0, 0]), 12), round(p['b'], 12)
    (2.0, 1.0)
    """
    X = as_matrix(X)
    y = as_column(y, X.shape[0])
    e_x, e_y = exponent(X), exponent(y)
    X_s, y_s = np.ldexp(X, -e_x), np.ldexp(y, -e_y)  # every value below 1 in size
    x_mean = X_s.mean(axis=0, keepdims=True)
    y_mean = float(y_s.mean())
    try:
        w_s, *_ = np.linalg.lstsq(X_s - x_mean, y_s - y_mean, rcond=None)
    except np.linalg.LinAlgError as error:
        raise ValueError(f"least squares on X and y failed: LAPACK's SVD reports {error}") from None
    # w = w_s 2^(e_y - e_x); b = y_mean - x_mean @ w, in units of 2^e_y.
    with np.errstate(over="ignore"):
        w = np.ldexp(w_s, e_y - e_x)
        b = float(np.ldexp(y_mean - float((x_mean @ w_s).item()), e_y))
    if not (np.all(np.isfinite(w)) and math.isfinite(b)):
        raise ValueError(
            f"the least-squares solution is beyond float64's range: y (largest |y| "
            f"{float(np.max(np.abs(y))):.3g}) varies too much for the spread of X (largest |X| "
            f"{float(np.max(np.abs(X))):.3g}); rescale y or X"
        )
    return {"w": w, "b": b}


def gradient_descent_closed_form(
    X: np.ndarray,
    y: np.ndarray,
    learning_rate: float,
    epochs: int,
    *,
    start: Params | None = None,
) -> Params:
    """Parameters after ``epochs`` updates of :func:`linreg.linear_train`, in closed form.

    Uses theta_k = theta* + V diag((1 - alpha lambda)^k) V^T (theta_0 - theta*)
    with theta_0 = 0 (or ``start``) and H = V diag(lambda) V^T. It costs one eigendecomposition
    whatever ``epochs`` is, so it can answer "where would training be after ten
    million epochs?" in microseconds. It agrees with the loop up to rounding.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, 1) or (n_samples,)
    learning_rate : float
    epochs : int
        Number of updates (``linear_train``'s ``epochs``).
    start : dict, optional
        ``{'w': ndarray of shape (n_features, 1), 'b': float}`` to start from instead
        of the article's zeros (to study initialisation, article's conclusion).

    Returns
    -------
    params : dict
        ``{'w': ndarray of shape (n_features, 1), 'b': float}``.
    """
    X = as_matrix(X)
    y = as_column(y, X.shape[0])
    alpha = as_learning_rate(learning_rate)
    k = as_count(epochs, "epochs")
    optimum = least_squares(X, y)
    theta_star = np.vstack([optimum["w"], [[optimum["b"]]]])
    theta_0 = np.zeros_like(theta_star)
    if start is not None:
        w0, b0 = as_params(start, X.shape[1], name="start")
        theta_0 = np.vstack([w0, [[b0]]])
    eigenvalues, V = np.linalg.eigh(hessian(X))
    # Each eigen-component of theta_0 - theta* is scaled by (1 - alpha*lambda)^k.
    decay = (1.0 - alpha * eigenvalues) ** k
    theta = theta_star + V @ (decay[:, None] * (V.T @ (theta_0 - theta_star)))
    return {"w": theta[:-1], "b": float(theta[-1, 0])}
