"""Check an analytic gradient against central finite differences.

Works on any scalar function of one float64 array, in the spirit of
``torch.autograd.gradcheck`` and ``jax.test_util.check_grads``:

>>> import numpy as np
>>> f = lambda x: float(np.sum(x ** 3))
>>> gradcheck(f, lambda x: 3 * x ** 2, np.array([1.0, -2.0])).passed
True

A wrong gradient raises, naming the worst coordinate:

>>> gradcheck(f, lambda x: 2 * x ** 2, np.array([1.0, -2.0]))
Traceback (most recent call last):
...
linreg.gradcheck.GradcheckError: gradient check failed at index (1,): analytic 8, numeric 12, ...

Defaults and why
----------------
* Everything is float64: with float32 the rounding error of a difference
  quotient (about 1e-7 / eps) swamps any useful tolerance.
* Central differences, (f(x + h) - f(x - h)) / 2h, have truncation error
  O(h^2) times the third derivative, against O(h) for one-sided ones.
* ``eps=1e-6``: the step is ``h = eps * max(1, |x_i|)``. Rounding contributes
  about machine-epsilon * |f| / h and truncation about h^2 * |f'''|; 1e-6 keeps
  both near 1e-10 for functions of moderate size. A quadratic (such as the
  article's loss) has no truncation error at all.
* ``atol=1e-5``, ``rtol=1e-3`` (torch's defaults): a coordinate passes when
  ``|analytic - numeric| <= atol + rtol * |numeric|``. A sign error or a
  missing 1/n fails this by orders of magnitude, while rounding stays well
  inside it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from linreg._validation import as_real_array

__all__ = ["GradcheckError", "GradcheckResult", "gradcheck", "numerical_gradient"]


class GradcheckError(AssertionError):
    """The analytic gradient disagrees with finite differences."""

    def __init__(self, message: str, result: GradcheckResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class GradcheckResult:
    """Outcome of :func:`gradcheck`.

    Attributes
    ----------
    passed : bool
        Every coordinate is within ``atol + rtol * |numeric|``.
    analytic, numeric : ndarray of the shape of ``x``
        The gradient under test and its finite-difference estimate.
    abs_error : ndarray of the shape of ``x``
        ``|analytic - numeric|``.
    rel_error : ndarray of the shape of ``x``
        ``abs_error / max(|numeric|, tiny)``.
    worst_index : tuple of int
        The coordinate whose error exceeds its allowance by the most.
    """

    passed: bool
    analytic: np.ndarray
    numeric: np.ndarray
    abs_error: np.ndarray
    rel_error: np.ndarray
    worst_index: tuple[int, ...]
    atol: float
    rtol: float

    def describe(self) -> str:
        """One line naming the worst coordinate and its errors."""
        i = self.worst_index
        return (
            f"index {i}: analytic {self.analytic[i]:.6g}, numeric {self.numeric[i]:.6g}, "
            f"abs error {self.abs_error[i]:.3g}, rel error {self.rel_error[i]:.3g} "
            f"(allowed {self.atol:g} + {self.rtol:g} * |numeric|)"
        )


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        Takes an array of the shape of ``x``, returns a real scalar. It is given a
        fresh float64 copy each call and may not keep it.
    x : array_like of any shape
    eps : float, default 1e-6
        Relative step: coordinate i moves by ``eps * max(1, |x_i|)``.

    Returns
    -------
    ndarray of the shape of ``x``
    """
    x = as_real_array(x, "x").copy()
    if not (np.isfinite(eps) and eps > 0):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        h = eps * max(1.0, abs(float(x[i])))
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        # Divide by the step actually taken, which rounding may have changed.
        grad[i] = (_scalar(f(up)) - _scalar(f(down))) / (up[i] - down[i])
    return grad


def _scalar(value: object) -> float:
    array = np.asarray(value, dtype=np.float64)
    if array.size != 1:
        raise ValueError(f"f must return a scalar, got shape {array.shape}")
    return float(array.reshape(()))


def gradcheck(
    f: Callable[[np.ndarray], float],
    grad: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> GradcheckResult:
    """Compare ``grad(x)`` with the central-difference gradient of ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        Scalar function of one array.
    grad : callable
        Its claimed gradient: takes ``x``, returns an array of ``x``'s shape
        (or anything that reshapes to it, such as a column for a flat ``x``).
    x : array_like of any shape
        Where to check. Not modified.
    eps : float, default 1e-6
        Relative finite-difference step (see the module docstring).
    atol, rtol : float, default 1e-5 and 1e-3
        Per-coordinate allowance ``atol + rtol * |numeric|``.
    raise_exception : bool, default True
        Raise :class:`GradcheckError` on failure; otherwise return the result.

    Returns
    -------
    GradcheckResult
    """
    x = as_real_array(x, "x").copy()
    for name, value in (("atol", atol), ("rtol", rtol)):
        if not (np.isfinite(value) and value >= 0):
            raise ValueError(f"{name} must be a non-negative finite number, got {value!r}")
    analytic = np.asarray(grad(x.copy()), dtype=np.float64)
    if analytic.size != x.size:
        raise ValueError(f"grad returned {analytic.size} values for an x of shape {x.shape}")
    analytic = analytic.reshape(x.shape)
    numeric = numerical_gradient(f, x, eps)
    abs_error = np.abs(analytic - numeric)
    allowed = atol + rtol * np.abs(numeric)
    rel_error = abs_error / np.maximum(np.abs(numeric), np.finfo(float).tiny)
    excess = np.where(np.isfinite(abs_error), abs_error - allowed, np.inf)
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(excess)), x.shape))
    result = GradcheckResult(
        passed=bool(np.all(excess <= 0)),
        analytic=analytic,
        numeric=numeric,
        abs_error=abs_error,
        rel_error=rel_error,
        worst_index=worst,
        atol=float(atol),
        rtol=float(rtol),
    )
    if raise_exception and not result.passed:
        raise GradcheckError(f"gradient check failed at {result.describe()}", result)
    return result
