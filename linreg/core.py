"""The article's model, loss, gradients, training loop and metrics (sections 1, 2 and 4).

Every function keeps the article's name, argument order and return structure, so
its snippets run unchanged against ``linreg``. What we add: inputs are checked
(see :mod:`linreg._validation`), the caller's arrays are never written to, and
the progress print is opt-in.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from linreg._errors import TrainingDiverged
from linreg._scaling import exponent, mean_square_difference
from linreg._types import Grads, Params
from linreg._validation import (
    FLOAT64_MAX,
    allocate,
    as_bias,
    as_column,
    as_count,
    as_learning_rate,
    as_matrix,
    as_params,
    as_weights,
)
from linreg.analysis import stable_learning_rate

Callback = Callable[[int, float, np.ndarray, float], None]


def initialize_params(dims: int) -> tuple[np.ndarray, float]:
    """Starting point of gradient descent: all zeros (article, section 2, step 1).

    Parameters
    ----------
    dims : int
        Number of features.

    Returns
    -------
    w : ndarray of shape (dims, 1)
        Zeros.
    b : float
        ``0.0``.

    Examples
    --------
    >>> w, b = initialize_params(3)
    >>> w.shape, float(abs(w).sum()), b
    ((3, 1), 0.0, 0.0)
    """
    w = allocate(as_count(dims, "dims"), "dims")
    w[:] = 0.0
    return w.reshape(-1, 1), 0.0


def _loss_and_gradients(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float
) -> tuple[np.ndarray, float, np.ndarray, float]:
    # Unchecked kernel shared by linear_loss and the training loop.
    n = X.shape[0]
    y_hat = X @ w + b
    residual = y_hat - y
    loss = float(np.sum(residual**2)) / (2 * n)
    dw = X.T @ residual / n
    db = float(residual.sum()) / n
    return y_hat, loss, dw, db


def _not_finite(**values: object) -> list[str]:
    """The names of the values that hold an infinity or a NaN."""
    return [name for name, value in values.items() if not np.all(np.isfinite(value))]  # type: ignore[call-overload]


def linear_loss(
    X: np.ndarray, y: np.ndarray, w: np.ndarray, b: float
) -> tuple[np.ndarray, float, np.ndarray, float]:
    """Prediction, loss and gradients of the linear model (article, section 2, step 2).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, 1)
        A 1-D array of length n_samples is taken as that column.
    w : ndarray of shape (n_features, 1)
        A 1-D array of length n_features is taken as that column.
    b : float

    Returns
    -------
    y_hat : ndarray of shape (n_samples, 1)
        ``X @ w + b``.
    loss : float
        ``sum((y_hat - y) ** 2) / (2 * n_samples)``.
    dw : ndarray of shape (n_features, 1)
        ``X.T @ (y_hat - y) / n_samples``, the gradient of ``loss`` in ``w``.
    db : float
        ``sum(y_hat - y) / n_samples``, the gradient of ``loss`` in ``b``.

    Raises
    ------
    ValueError
        If any of ``y_hat``, ``loss``, ``dw`` and ``db`` is beyond float64's range for
        finite arguments (the message names which and the arguments' sizes). A loss whose
        squares overflow but whose mean does not is computed in scaled units and returned.

    Examples
    --------
    One sample, one feature: y_hat = 2 * 3 + 1 = 7, residual 7 - 5 = 2.

    >>> y_hat, loss, dw, db = linear_loss([[2.0]], [[5.0]], [[3.0]], 1.0)
    >>> float(y_hat[0, 0]), loss, float(dw[0, 0]), db
    (7.0, 2.0, 4.0, 2.0)
    """
    X = as_matrix(X)
    y = as_column(y, X.shape[0])
    w = as_weights(w, X.shape[1])
    b = as_bias(b)
    with np.errstate(over="ignore", invalid="ignore"):
        y_hat, loss, dw, db = _loss_and_gradients(X, y, w, b)
        if not math.isfinite(loss) and np.all(np.isfinite(y_hat)):
            # The squares can overflow where their mean does not: recompute in scaled units.
            try:
                loss = mean_square_difference(y_hat, y, times_two_to=-1)
            except OverflowError:
                pass
    overflowed = _not_finite(y_hat=y_hat, loss=loss, dw=dw, db=db)
    if overflowed:
        raise ValueError(
            f"{' and '.join(overflowed)} would overflow float64: X, y, w and b are finite but too large "
            f"(largest |X| {np.abs(X).max():.3g}, |y| {np.abs(y).max():.3g}, |w| {np.abs(w).max():.3g}, "
            f"|b| {abs(b):.3g}); rescale them"
        )
    return y_hat, loss, dw, db


def linear_train(
    X: np.ndarray,
    y: np.ndarray,
    learning_rate: float = 0.01,
    epochs: int = 10000,
    *,
    verbose: bool = False,
    callback: Callback | None = None,
) -> tuple[np.ndarray, Params, Grads]:
    """Gradient descent from zero (article, section 2, step 3).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, 1)
        A 1-D array of length n_samples is taken as that column.
    learning_rate : float, default 0.01
        Step size alpha; must be positive. Below :func:`linreg.stable_learning_rate`
        of ``X`` the loss never rises.
    epochs : int, default 10000
        Number of full-batch updates.
    verbose : bool, default False
        Print ``epoch <i> loss <loss>`` every 10,000 epochs, as the article's loop does.
    callback : callable, optional
        Called every epoch as ``callback(epoch, loss, w, b)`` with the 1-based epoch,
        and the read-only parameters at which ``loss`` was measured (before that
        epoch's update). Copy ``w`` to keep it.

    Returns
    -------
    loss_his : ndarray of shape (epochs,), float64
        ``loss_his[i]`` is the loss at the start of epoch ``i + 1``, so
        ``loss_his[0]`` is the loss of the all-zero model. An array rather than the
        article's list: 8 bytes an epoch, not a Python float object each. Indexing,
        ``len`` and plotting work as on the list; an entry is a ``numpy.float64``
        (``float(loss_his[i])`` for a plain float).
    params : dict
        ``{'w': ndarray of shape (n_features, 1), 'b': float}`` after the last update.
    grads : dict
        ``{'dw': ndarray of shape (n_features, 1), 'db': float}``, the gradients
        of the last epoch (measured before its update).

    Raises
    ------
    TrainingDiverged
        If the loss, the parameters or the gradients become infinite or NaN; the
        message gives the stable bound.
    MemoryError
        If the history of ``epochs`` losses (8 bytes each) cannot be allocated.

    Examples
    --------
    >>> loss_his, params, grads = linear_train([[0.0], [1.0]], [[1.0], [3.0]], 0.5, 2000)
    >>> len(loss_his), round(float(params['w'][0, 0]), 6), round(params['b'], 6)
    (2000, 2.0, 1.0)
    >>> loss_his.shape, loss_his.dtype
    ((2000,), dtype('float64'))
    """
    X = as_matrix(X)
    y = as_column(y, X.shape[0])
    learning_rate = as_learning_rate(learning_rate)
    epochs = as_count(epochs, "epochs")
    w, b = initialize_params(X.shape[1])
    # Preallocated: memory is the history's 8 bytes an epoch and nothing per epoch beyond.
    loss_his = allocate(epochs, "epochs")
    # Overflow is detected below through the loss, with a message that says why.
    with np.errstate(over="ignore", invalid="ignore"):
        for epoch in range(1, epochs + 1):
            _, loss, dw, db = _loss_and_gradients(X, y, w, b)
            if not math.isfinite(loss):
                what = f"the loss is {loss} at epoch {epoch}"
                raise TrainingDiverged(_divergence_message(X, learning_rate, what), loss_his[: epoch - 1])
            if callback is not None:
                view = w.view()
                view.flags.writeable = False
                callback(epoch, loss, view, b)
            w = w - learning_rate * dw
            b = b - learning_rate * db
            loss_his[epoch - 1] = loss
            if verbose and epoch % 10000 == 0:
                print(f"epoch {epoch} loss {loss:f}")
    # The loss is checked every epoch; the last update and its gradients only here.
    overflowed = _not_finite(w=w, b=b, dw=dw, db=db)
    if overflowed:
        what = f"{' and '.join(overflowed)} overflowed float64 in epoch {epochs}"
        raise TrainingDiverged(_divergence_message(X, learning_rate, what), loss_his)
    return loss_his, {"w": w, "b": b}, {"dw": dw, "db": db}


def _divergence_message(X: np.ndarray, learning_rate: float, what: str) -> str:
    try:
        bound = stable_learning_rate(X)
    except ValueError as too_large:
        return f"training diverged: {what}; {too_large}"
    return (
        f"training diverged: {what}. "
        f"learning_rate={learning_rate:g} is above the stable bound 2/lambda_max = {bound:.6g} "
        f"for this X; use a learning rate below it"
        if learning_rate >= bound
        else f"training diverged: {what} although "
        f"learning_rate={learning_rate:g} is below the stable bound {bound:.6g}; "
        f"the data's scale overflows float64"
    )


def predict(X: np.ndarray, params: Params) -> np.ndarray:
    """Predictions of a trained model (article, section 4).

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    params : dict
        ``{'w': ndarray of shape (n_features, 1), 'b': float}``, as returned by
        :func:`linear_train`.

    Returns
    -------
    y_pred : ndarray of shape (n_samples, 1)

    Examples
    --------
    >>> predict([[1.0], [2.0]], {'w': [[2.0]], 'b': 1.0}).ravel().tolist()
    [3.0, 5.0]
    """
    X = as_matrix(X)
    w, b = as_params(params, X.shape[1])
    with np.errstate(over="ignore", invalid="ignore"):
        y_pred = X @ w + b
    if not np.all(np.isfinite(y_pred)):
        raise ValueError("the predictions overflow float64: X and params are finite but too large")
    return y_pred


def _paired(y_true: object, y_pred: object, true_name: str) -> tuple[np.ndarray, np.ndarray]:
    y_true = as_column(y_true, None, name=true_name)
    y_pred = as_column(y_pred, y_true.shape[0], name="y_pred", rows_of=true_name)
    return y_true, y_pred


def r2_score(y_test: np.ndarray, y_pred: np.ndarray) -> float:
    """Coefficient of determination (article, section 4).

    Parameters
    ----------
    y_test : ndarray of shape (n_samples, 1) or (n_samples,)
        True targets; must not be all equal (R^2 is undefined then).
    y_pred : ndarray of shape (n_samples, 1) or (n_samples,)
        Predictions. A flat and a column array are paired row by row, never
        broadcast against each other.

    Returns
    -------
    float
        ``1 - sum((y_test - y_pred)**2) / sum((y_test - mean(y_test))**2)``: 1 for a
        perfect fit, 0 for predicting the mean, negative for anything worse.

    Raises
    ------
    ValueError
        If every value of ``y_test`` is the same, or if R^2 is below float64's most
        negative number. Targets that differ at all are accepted, however close: the
        variance is computed about one of the targets, so that it is accurate to a few
        ulps even for values such as nanosecond timestamps or ``1e15 + [0, 2, 4, 6]``.

    Examples
    --------
    >>> r2_score([1.0, 2.0, 3.0], [[1.0], [2.0], [3.0]])
    1.0
    >>> r2_score([1.0, 2.0, 3.0], [2.0, 2.0, 2.0])
    0.0
    """
    y_true, y_pred = _paired(y_test, y_pred, "y_test")
    t = y_true[:, 0]
    # The variance about a middle target c (a median: |mean - c| <= the standard deviation),
    # sum (t - c)^2 - (sum (t - c))^2 / n. Each t - c is one correctly rounded subtraction,
    # and the correction is at most half the first sum, so ss_tot is accurate to about n eps
    # relative: nothing cancels, however large the targets are beside their spread. An
    # exactly rounded mean would not do: its error of half an ulp of the targets' size can
    # exceed their spread.
    c = float(np.partition(t, (t.size - 1) // 2)[(t.size - 1) // 2])
    with np.errstate(over="ignore"):
        deviation = t - c
    if not np.any(deviation):
        raise ValueError(
            f"y_test is constant (every value is {c!r}), so its variance, R^2's denominator, is "
            "zero and R^2 is undefined"
        )
    # In units of a power of two (exact), so that neither sum overflows nor underflows unless
    # R^2 does: t - c can overflow for targets near float64's limit, so it is formed scaled.
    e_tot = exponent(y_true)
    deviation = np.ldexp(t, -e_tot) - math.ldexp(c, -e_tot)
    e_dev = exponent(deviation)
    d = np.ldexp(deviation, -e_dev)
    ss_tot = float(np.sum(d * d)) - float(np.sum(d)) ** 2 / d.size
    e_res = exponent(y_true, y_pred)
    residual = np.ldexp(y_true, -e_res) - np.ldexp(y_pred, -e_res)
    e_r = exponent(residual)
    r = np.ldexp(residual, -e_r)
    try:
        unexplained = math.ldexp(float(np.sum(r * r)) / ss_tot, 2 * (e_res + e_r - e_tot - e_dev))
    except OverflowError:
        raise ValueError(
            f"R^2 is below -{FLOAT64_MAX:.4g}: y_pred is too far from y_test for float64"
        ) from None
    return 1.0 - unexplained


def mean_squared_error(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean of squared errors, without the loss's 1/2 (article, sections 4 and 5).

    Parameters
    ----------
    y_true : ndarray of shape (n_samples, 1) or (n_samples,)
    y_pred : ndarray of shape (n_samples, 1) or (n_samples,)

    Returns
    -------
    float
        ``mean((y_true - y_pred) ** 2)``, which is twice :func:`linear_loss`'s loss
        at the same predictions. Computed in units of a power of two, so it overflows
        (a ValueError) only when the mean itself exceeds float64's range.

    Examples
    --------
    >>> mean_squared_error([1.0, 2.0], [2.0, 4.0])
    2.5
    """
    y_true, y_pred = _paired(y_true, y_pred, "y_true")
    try:
        return mean_square_difference(y_true, y_pred)
    except OverflowError:
        raise ValueError(
            f"the mean squared error is beyond float64's range (at most {FLOAT64_MAX:.4g}): "
            "y_pred is too far from y_true"
        ) from None
