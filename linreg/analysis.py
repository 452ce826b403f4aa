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
"""

from __future__ import annotations

import numpy as np

from linreg._types import Params
from linreg._validation import (
    as_bias,
    as_column,
    as_count,
    as_learning_rate,
    as_matrix,
    as_params,
    as_real_array,
)


def _augmented(X: np.ndarray) -> np.ndarray:
    return np.hstack([X, np.ones((X.shape[0], 1))])


def flatten_params(params: Params) -> np.ndarray:
    """The parameters as one vector theta = (w_1, ..., w_d, b).

    Parameters
    ----------
    params : dict
        ``{'w': array of n_features values, 'b': float}``.

    Returns
    -------
    theta : ndarray of shape (n_features + 1,)
        The order of the rows and columns of :func:`hessian`.

    Examples
    --------
    >>> flatten_params({'w': [[2.0], [3.0]], 'b': 1.0}).tolist()
    [2.0, 3.0, 1.0]
    """
    w = as_real_array(params["w"], "params['w']").ravel()
    return np.append(w, as_bias(params["b"], name="params['b']"))


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
    """
    X = as_matrix(X)
    A = _augmented(X)
    return A.T @ A / X.shape[0]


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
    top = np.linalg.norm(_augmented(X), ord=2) ** 2 / X.shape[0]
    return float(2.0 / top)


def least_squares(X: np.ndarray, y: np.ndarray) -> Params:
    """Exact minimiser of the article's loss, with intercept.

    Centres ``X`` and ``y`` and solves the centred problem with ``numpy.linalg.lstsq``
    (an SVD, never an explicit inverse); the intercept follows from the means.
    When several minimisers exist it returns the one with the smallest ``w``.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, 1) or (n_samples,)

    Returns
    -------
    params : dict
        ``{'w': ndarray of shape (n_features, 1), 'b': float}``, the same layout as
        the ``params`` of :func:`linreg.linear_train`.

    Examples
    --------
    Points on the line y = 2x + 1 are fitted exactly:

    >>> p = least_squares([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0])
    >>> round(float(p['w'][0, 0]), 12), round(p['b'], 12)
    (2.0, 1.0)
    """
    X = as_matrix(X)
    y = as_column(y, X.shape[0])
    x_mean = X.mean(axis=0, keepdims=True)
    y_mean = float(y.mean())
    w, *_ = np.linalg.lstsq(X - x_mean, y - y_mean, rcond=None)
    b = y_mean - float((x_mean @ w).item())
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
