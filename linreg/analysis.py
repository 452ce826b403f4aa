"""What gradient descent on the article's loss should do, computed without running it.

The loss of section 1 is a quadratic in theta = (w, b). With the augmented matrix
A = [X 1] of shape (n, d + 1) its Hessian is the constant H = A^T A / n, so

* one step maps theta - theta* to (I - alpha H)(theta - theta*), which shrinks
  every eigen-direction exactly when 0 < alpha < 2 / lambda_max(H)
  (:func:`stable_learning_rate`);
* after k steps from zero, theta_k = theta* + (I - alpha H)^k (0 - theta*)
  (:func:`gradient_descent_closed_form`), which lets the spec look at epoch
  10,000,000 without running ten million epochs;
* the loss recorded at epoch k is L* + 1/2 sum_j lambda_j c_j^2 (1 - alpha lambda_j)^(2(k-1))
  with c = V^T (theta_0 - theta*) (:func:`gradient_descent_history`), the whole history
  of a long run at a fraction of the loop's cost;
* theta* is the least-squares solution (:func:`least_squares`), the oracle that
  scikit-learn's ``LinearRegression`` also computes.

Every function returns finite values or raises: a ValueError naming the argument whose
size puts the answer beyond float64, or :class:`linreg.TrainingDiverged` for a learning
rate at which gradient descent does not converge.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral
from typing import NamedTuple

import numpy as np

from linreg._errors import TrainingDiverged
from linreg._scaling import exponent, mean_square_difference
from linreg._types import Params
from linreg._validation import (
    allocate,
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

    Centres ``X`` and ``y``, scales each centred column to a largest value between 0.5 and
    1, and solves the scaled problem with ``numpy.linalg.lstsq`` (an SVD, never an explicit
    inverse); the weights are scaled back and the intercept follows from the means. Every
    scaling is by a power of two, so it is exact. Scaling each column makes the answer as
    accurate as the columns' shapes allow, whatever their sizes: columns of sizes 3e7 and
    3e-8 side by side, or one near 5e307, are solved as if both were of size 1, where an
    unscaled solver takes the smaller column for numerically zero. When several minimisers
    exist (collinear columns) it returns the one with the smallest ``w``.

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
    # Each column, and y, below 1 in size, so that the means and the centring cannot overflow...
    e_x, e_y = _column_exponents(X), exponent(y)
    X_1, y_1 = np.ldexp(X, -e_x), np.ldexp(y, -e_y)
    x_mean = X_1.mean(axis=0)
    y_mean = float(y_1.mean())
    centred = X_1 - x_mean
    # ...then each centred column to a largest value in [0.5, 1): columns 2^g apart in size
    # are then one size, and the SVD's rank and accuracy depend on their shapes alone.
    f_x = _column_exponents(centred)
    X_s = np.ldexp(centred, -f_x)
    try:
        v, _, rank, _ = np.linalg.lstsq(X_s, y_1 - y_mean, rcond=None)
        # w = v 2^(e_y - e_x - f_x): one row of X_s per unit of its column.
        g = e_x + f_x
        if rank < X.shape[1]:
            v = _smallest_weights(X_s, v, rank, g)
    except np.linalg.LinAlgError as error:
        raise ValueError(f"least squares on X and y failed: LAPACK's SVD reports {error}") from None
    with np.errstate(over="ignore"):
        w = np.ldexp(v, (e_y - g)[:, None])
        # b = y_mean - x_mean @ w, in units of 2^e_y: x_mean_j w_j = x_mean_1j v_j 2^(e_y - f_j).
        b = math.ldexp(y_mean - float(np.sum(np.ldexp(x_mean * v[:, 0], -f_x))), e_y)
    if not (np.all(np.isfinite(w)) and math.isfinite(b)):
        raise ValueError(
            f"the least-squares solution is beyond float64's range: y (largest |y| "
            f"{float(np.max(np.abs(y))):.3g}) varies too much for the spread of X (largest |X| "
            f"{float(np.max(np.abs(X))):.3g}); rescale y or X"
        )
    return {"w": w, "b": b}


def _column_exponents(A: np.ndarray) -> np.ndarray:
    """Per column, the power of two e with max|column| / 2**e in [0.5, 1) (0 for a zero column)."""
    return np.frexp(np.max(np.abs(A), axis=0))[1].astype(np.int64)


def _smallest_weights(X_s: np.ndarray, v: np.ndarray, rank: int, g: np.ndarray) -> np.ndarray:
    """Of the scaled minimisers ``v + null(X_s)``, the one whose ``w = v 2^-g`` (up to a common
    power of two) is smallest: lstsq's own choice is the smallest ``v``, another point when
    collinear columns are of different sizes."""
    # The null space of X_s, from the SVD of its R factor (d x d at most, whatever n).
    _, _, Vt = np.linalg.svd(np.linalg.qr(X_s, mode="r"), full_matrices=True)
    null = Vt[rank:].T
    # In w's units: each row j times 2^-g_j, and all times 2^min(g), so that nothing overflows;
    # a null direction that underflows there has no size in w. Project w out of the null space,
    # w - Q Q^T w, with Q an orthonormal basis of its directions that have a size.
    shift = (int(g.min()) - g)[:, None]
    U, sizes, _ = np.linalg.svd(np.ldexp(null, shift), full_matrices=False)
    Q = U[:, sizes > sizes.max(initial=0.0) * max(null.shape) * np.finfo(np.float64).eps]
    w = np.ldexp(v, shift)
    return np.ldexp(w - Q @ (Q.T @ w), -shift)


class _Expansion(NamedTuple):
    """Gradient descent from theta_0 in the eigenbasis of H (see the module docstring).

    With the thin SVD [X 1] = U S V^T, H = V diag(lambda) V^T with lambda = S^2 / n:
    the SVD finds the small eigenvalues to the accuracy of [X 1]'s entries, where an
    eigendecomposition of H itself would square their relative error.
    """

    theta_star: np.ndarray  # (d + 1,): the least-squares optimum
    eigenvalues: np.ndarray  # (r,), r = min(n, d + 1): lambda_j, descending
    V: np.ndarray  # (d + 1, r): eigenvectors of H, as columns
    c: np.ndarray  # (r,): components of theta_0 - theta* along them
    rest: np.ndarray  # (d + 1,): the part of theta_0 - theta* outside them (lambda = 0; r < d + 1)
    optimum_loss: float  # L*, the loss at theta*
    log_rho: np.ndarray  # (r,): log |1 - alpha lambda_j|, finite
    flips: np.ndarray  # (r,) bool: 1 - alpha lambda_j < 0, so odd powers change sign


def _expansion(X: object, y: object, learning_rate: object, start: Params | None) -> _Expansion:
    """Check the arguments of the closed forms and expand gradient descent in H's eigenbasis.

    Raises TrainingDiverged for a learning rate at or above the stable bound: there the
    error along the top eigenvector never shrinks, so there is no convergent history.
    """
    X = as_matrix(X)
    y = as_column(y, X.shape[0])
    alpha = as_learning_rate(learning_rate)
    optimum = least_squares(X, y)
    theta_star = flatten_params(optimum)
    theta_0 = np.zeros_like(theta_star)
    if start is not None:
        theta_0 = np.append(*as_params(start, X.shape[1], name="start"))
    bound = stable_learning_rate(X)
    if alpha >= bound:
        raise TrainingDiverged(
            f"gradient descent does not converge: learning_rate={alpha:g} is at or above the stable "
            f"bound 2/lambda_max = {bound:.6g} for this X, where the error along the top eigenvector "
            "never shrinks; use a learning rate below it"
        )
    _, singular_values, Vt = _svd(_augmented(X), compute_uv=True)
    eigenvalues = _curvatures(singular_values, X.shape[0])
    V = Vt.T
    with np.errstate(over="ignore", invalid="ignore"):
        offset = theta_0 - theta_star
        c = V.T @ offset
        rest = offset - V @ c if V.shape[1] < V.shape[0] else np.zeros_like(offset)
    if not (np.all(np.isfinite(c)) and np.all(np.isfinite(rest))):
        raise ValueError("start is too far from the least-squares optimum: their distance overflows float64")
    residual = X @ optimum["w"] + optimum["b"]
    try:
        optimum_loss = mean_square_difference(residual, y, times_two_to=-1)
    except OverflowError:
        raise ValueError("y is too large: the least-squares optimum's loss overflows float64") from None
    x = alpha * eigenvalues
    with np.errstate(divide="ignore"):
        # log|1 - x| through log1p on the side where it is accurate: 1 - x is exact there.
        log_rho = np.where(x <= 1.0, np.log1p(-np.minimum(x, 1.0)), np.log1p(np.maximum(x, 1.0) - 2.0))
    # rho = 0 exactly (alpha lambda = 1) has log -inf, and 0 * -inf is NaN at k = 0. Any
    # stand-in below log(5e-324) = -744.4 gives exp(k * log_rho) = 1 at k = 0 and 0 after.
    log_rho = np.maximum(log_rho, -1e4)
    return _Expansion(theta_star, eigenvalues, V, c, rest, optimum_loss, log_rho, x > 1.0)


def _theta_at(expansion: _Expansion, k: int) -> np.ndarray:
    """theta_k = theta* + V diag(rho^k) c (+ the part that lambda = 0 leaves as it is)."""
    # Beyond 2^1000 every |rho| < 1 has rho^k = 0 and rho = 1 keeps 1: capping k changes
    # nothing, and keeps k * log_rho a float64 product (k may be any Python integer).
    decay = np.exp(float(min(k, 2**1000)) * expansion.log_rho)
    if k % 2:
        decay = np.where(expansion.flips, -decay, decay)
    return expansion.theta_star + expansion.V @ (decay * expansion.c) + expansion.rest


def _as_params(theta: np.ndarray) -> Params:
    return {"w": theta[:-1].reshape(-1, 1), "b": float(theta[-1])}


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
    with theta_0 = 0 (or ``start``) and H = V diag(lambda) V^T. It costs one SVD
    whatever ``epochs`` is, so it can answer "where would training be after ten
    million epochs?" in microseconds. It agrees with the loop up to rounding.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, 1) or (n_samples,)
    learning_rate : float
        Must be below :func:`stable_learning_rate` of ``X``.
    epochs : int
        Number of updates (``linear_train``'s ``epochs``).
    start : dict, optional
        ``{'w': ndarray of shape (n_features, 1), 'b': float}`` to start from instead
        of the article's zeros (to study initialisation, article's conclusion).

    Returns
    -------
    params : dict
        ``{'w': ndarray of shape (n_features, 1), 'b': float}``.

    Raises
    ------
    TrainingDiverged
        If ``learning_rate`` is at or above the stable bound, as :func:`linreg.linear_train`
        raises when its loss overflows; the message gives the bound.

    Examples
    --------
    Points on y = 2x + 1; after 2,000 steps at half the bound, gradient descent is there:

    >>> p = gradient_descent_closed_form([[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0], 0.5, 2000)
    >>> round(float(p['w'][0, 0]), 9), round(p['b'], 9)
    (2.0, 1.0)
    """
    expansion = _expansion(X, y, learning_rate, start)
    return _as_params(_theta_at(expansion, as_count(epochs, "epochs")))


#: Entries of the table of powers rho_j^(2i) that gradient_descent_history keeps: 1 MB, which
#: stays in cache (a table 8 times larger made the article's run 1.5 times slower here).
_TABLE_ENTRIES = 2**17


def gradient_descent_history(
    X: np.ndarray,
    y: np.ndarray,
    learning_rate: float,
    epochs: int,
    *,
    start: Params | None = None,
) -> tuple[np.ndarray, Params]:
    """The loss history and final parameters of :func:`linreg.linear_train`, in closed form.

    The loss recorded at 1-based epoch k (before that epoch's update, as in
    ``linear_train``'s history) is

        L_k = L* + 1/2 sum_j lambda_j c_j^2 (1 - alpha lambda_j)^(2(k-1)),

    with L* the least-squares optimum's loss, lambda_j and v_j the eigenvalues and
    eigenvectors of the Hessian and c_j = v_j^T (theta_0 - theta*). It is exact: on the
    article's run (diabetes data, 200,000 epochs at 0.01) every entry agrees with the
    loop's to 1e-10 relative or better, at a hundredth of its cost or less (see
    docs/benchmarks.md). Powers are computed as exp(m log|rho|) from a table of
    rho_j^(2i) for one chunk of epochs, rescaled per chunk, so memory is the history
    plus O(chunk * (n_features + 1)) and no error accumulates from chunk to chunk.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, 1) or (n_samples,)
    learning_rate : float
        Must be below :func:`stable_learning_rate` of ``X``.
    epochs : int
        Number of updates, as ``linear_train``'s ``epochs``.
    start : dict, optional
        ``{'w': ndarray of shape (n_features, 1), 'b': float}`` to start from instead
        of zeros.

    Returns
    -------
    loss_history : ndarray of shape (epochs,), float64
        ``loss_history[k - 1]`` is the loss at the start of epoch ``k``.
    params : dict
        ``{'w': ndarray of shape (n_features, 1), 'b': float}`` after the last update,
        as :func:`gradient_descent_closed_form` gives them.

    Raises
    ------
    TrainingDiverged
        If ``learning_rate`` is at or above the stable bound; the message gives the bound.
    MemoryError
        If the history (8 bytes an epoch) cannot be allocated.

    Examples
    --------
    >>> from linreg import linear_train
    >>> X, y = [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]
    >>> history, params = gradient_descent_history(X, y, 0.3, 50)
    >>> loop_history, loop_params, _ = linear_train(X, y, 0.3, 50)
    >>> history.shape, bool(np.allclose(history, loop_history, rtol=1e-12, atol=0))
    ((50,), True)
    """
    expansion = _expansion(X, y, learning_rate, start)
    epochs = as_count(epochs, "epochs")
    history = allocate(epochs, "epochs")
    with np.errstate(over="ignore"):
        # 1/2 lambda_j c_j^2, squared last so that it overflows only if the term itself does.
        weights = (np.sqrt(0.5 * expansion.eigenvalues) * expansion.c) ** 2
        # Every power is at most 1 below the bound, so the first entry is the largest.
        first = expansion.optimum_loss + float(np.sum(weights))
    if not math.isfinite(first):
        raise ValueError("the loss at the start of training overflows float64: y or start is too large")
    chunk = max(1, min(epochs, _TABLE_ENTRIES // weights.size))
    # table[i, j] = rho_j^(2i); the chunk starting at k - 1 = k0 multiplies it by rho_j^(2 k0).
    table = np.multiply.outer(np.arange(chunk, dtype=np.float64), 2.0 * expansion.log_rho)
    np.exp(table, out=table)  # in place: the table is the only chunk-sized array
    for k0 in range(0, epochs, chunk):
        rows = min(chunk, epochs - k0)
        scale = np.exp(2.0 * k0 * expansion.log_rho)
        segment = history[k0 : k0 + rows]
        np.matmul(table[:rows], weights * scale, out=segment)
        segment += expansion.optimum_loss
    return history, _as_params(_theta_at(expansion, epochs))


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
