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

from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral

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


class NotAffineError(ValueError):
    """A gradient that should be affine in its argument is not (see :class:`AffineGradient`)."""


@dataclass(frozen=True)
class AffineGradient:
    """A gradient that is an affine map of the parameters, ``g(theta) = H theta + g0``.

    The article's loss is a quadratic in theta = (w_1, ..., w_d, b), so its gradient
    is affine and gradient descent is an affine map iterated:
    ``theta <- theta - alpha g(theta) = (I - alpha H) theta - alpha g0``. An affine map
    can be applied ``k`` times exactly with about ``log2(k)`` matrix products, so any
    number of epochs costs microseconds.

    :meth:`read_off` recovers ``H`` and ``g0`` from any function that computes the
    gradient (the spec reads them off an implementation's own ``linear_loss``), and
    refuses a gradient that is not affine.

    Attributes
    ----------
    hessian : ndarray of shape (p, p)
        ``H``, the Jacobian of the gradient; for the article's loss ``[X 1]^T [X 1] / n``.
    offset : ndarray of shape (p,)
        ``g0``, the gradient at ``theta = 0``.
    """

    hessian: np.ndarray
    offset: np.ndarray

    @classmethod
    def read_off(
        cls,
        gradient: Callable[[np.ndarray], np.ndarray],
        size: int,
        *,
        checks: int = 3,
        seed: int = 0,
        rtol: float = 1e-9,
    ) -> AffineGradient:
        """Recover ``H`` and ``g0`` from ``size + 2`` calls of ``gradient``, then check affinity.

        Parameters
        ----------
        gradient : callable
            Maps theta, an ndarray of shape (size,), to the gradient there, shape (size,).
        size : int
            The number of parameters p.
        checks : int, default 3
            Fresh random points at which ``gradient`` must equal ``H theta + g0``.
        seed : int, default 0
            Seed of those points (standard normal, scaled like the probes).
        rtol : float, default 1e-9
            Allowed disagreement at a check point, relative to the size of the terms
            ``|g0| + |H| |theta|``. The gradient of a sum of ``n`` squares is computed
            with a rounding error of at most about ``n`` machine epsilons of those terms
            (1e-13 for the article's 353 rows), so 1e-9 leaves four orders of margin;
            a gradient with any non-linear term misses it by many orders.

        Returns
        -------
        AffineGradient

        Raises
        ------
        NotAffineError
            If ``gradient`` disagrees with the affine map at a check point, naming the
            point, the coordinate and both values.

        Examples
        --------
        >>> g = AffineGradient.read_off(lambda t: np.array([2 * t[0] + t[1] - 1, t[0] + 3 * t[1]]), 2)
        >>> g.hessian.round(12).tolist(), g.offset.round(12).tolist()
        ([[2.0, 1.0], [1.0, 3.0]], [-1.0, 0.0])
        """
        size = as_count(size, "size")
        checks = as_count(checks, "checks")
        origin = np.zeros(size)
        offset = _gradient_at(gradient, origin, size)
        # Central differences cancel g0 exactly in exact arithmetic. The probe length is
        # chosen so that H s e_i is not drowned by g0: a first pass at s = 1 sizes H.
        hessian = _columns(gradient, offset, size, np.ones(size))
        columns = np.abs(hessian).max(axis=0)
        steps = np.maximum(1.0, np.abs(offset).max() / np.where(columns > 0, columns, 1.0))
        hessian = _columns(gradient, offset, size, steps)
        rng = np.random.default_rng(seed)
        for k in range(checks):
            theta = rng.standard_normal(size) * steps
            expected = hessian @ theta + offset
            got = _gradient_at(gradient, theta, size)
            terms = np.abs(offset) + np.abs(hessian) @ np.abs(theta)
            excess = np.abs(got - expected) - rtol * np.maximum(terms, np.finfo(float).tiny)
            if np.any(excess > 0) or not np.all(np.isfinite(got)):
                i = int(np.argmax(np.where(np.isfinite(excess), excess, np.inf)))
                raise NotAffineError(
                    f"the gradient is not affine in the parameters: at check point {k + 1} of {checks}, "
                    f"coordinate {i} is {got[i]:.10g} where the affine map read off from "
                    f"{size + 2} calls gives {expected[i]:.10g} (allowed {rtol:g} of {terms[i]:.3g})"
                )
        return cls(hessian=hessian, offset=offset)

    def __call__(self, theta: np.ndarray) -> np.ndarray:
        """The gradient at ``theta`` (shape (p,)), ``H theta + g0``."""
        return self.hessian @ theta + self.offset

    def descend(self, learning_rate: float, epochs: int, start: np.ndarray | None = None) -> np.ndarray:
        """Theta after ``epochs`` gradient-descent updates from ``start`` (zeros by default), exactly.

        The update is the affine map ``theta -> M theta + c`` with ``M = I - alpha H`` and
        ``c = -alpha g0``. Written as one (p + 1) x (p + 1) matrix ``T = [[M, c], [0, 1]]``,
        ``epochs`` updates are ``T ** epochs``, computed by repeated squaring
        (``numpy.linalg.matrix_power``): about ``2 log2(epochs)`` products, whatever
        ``H`` is (symmetric or not, stable or not).

        Parameters
        ----------
        learning_rate : float
        epochs : int
            A count of updates; 0 returns ``start``.
        start : ndarray of shape (p,), optional

        Returns
        -------
        theta : ndarray of shape (p,)
        """
        alpha = as_learning_rate(learning_rate)
        if isinstance(epochs, bool) or not isinstance(epochs, Integral) or epochs < 0:
            raise ValueError(f"epochs must be a whole number of at least 0, got {epochs!r}")
        p = self.offset.size
        theta_0 = np.zeros(p) if start is None else as_real_array(start, "start").reshape(-1)
        if theta_0.size != p:
            raise ValueError(f"start must hold {p} parameters, got {theta_0.size}")
        T = np.eye(p + 1)
        T[:p, :p] -= alpha * self.hessian
        T[:p, p] = -alpha * self.offset
        with np.errstate(over="ignore", invalid="ignore"):
            power = np.linalg.matrix_power(T, int(epochs))
            theta = power[:p, :p] @ theta_0 + power[:p, p]
        if not np.all(np.isfinite(theta)):
            raise FloatingPointError(
                f"gradient descent at learning_rate={alpha:g} leaves float64 within {epochs:,} epochs"
            )
        return theta

    def path(self, learning_rate: float, epochs: int, start: np.ndarray | None = None) -> np.ndarray:
        """Theta at the start of every epoch and after the last: shape (epochs + 1, p).

        Row ``k`` is theta after ``k`` updates, computed by applying the update ``k``
        times in turn (``epochs`` matrix-vector products), for paths short enough to hold.
        """
        alpha = as_learning_rate(learning_rate)
        epochs = as_count(epochs, "epochs")
        p = self.offset.size
        out = np.empty((epochs + 1, p))
        out[0] = np.zeros(p) if start is None else as_real_array(start, "start").reshape(-1)
        M = np.eye(p) - alpha * self.hessian
        c = -alpha * self.offset
        for k in range(epochs):
            out[k + 1] = M @ out[k] + c
        return out


def _gradient_at(gradient: Callable[[np.ndarray], np.ndarray], theta: np.ndarray, size: int) -> np.ndarray:
    value = np.asarray(gradient(theta.copy()), dtype=np.float64).reshape(-1)
    if value.size != size:
        raise ValueError(f"gradient returned {value.size} values for {size} parameters")
    return value


def _columns(
    gradient: Callable[[np.ndarray], np.ndarray], offset: np.ndarray, size: int, steps: np.ndarray
) -> np.ndarray:
    hessian = np.empty((size, size))
    for i in range(size):
        probe = np.zeros(size)
        probe[i] = steps[i]
        hessian[:, i] = (_gradient_at(gradient, probe, size) - _gradient_at(gradient, -probe, size)) / (
            2 * steps[i]
        )
    return hessian
