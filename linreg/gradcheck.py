"""Check an analytic gradient, Jacobian or Hessian against finite differences.

In the spirit of ``torch.autograd.gradcheck`` and ``jax.test_util.check_grads``,
for functions written by hand in NumPy. ``x`` may be an array, a float, or a
dict, tuple or list nesting them (the article's ``{'w': w, 'b': b}``), and the
gradient comes back in the same structure:

>>> import numpy as np
>>> f = lambda x: float(np.sum(x ** 3))
>>> gradcheck(f, lambda x: 3 * x ** 2, np.array([1.0, -2.0])).passed
True

A wrong gradient raises, naming each coordinate that is off:

>>> gradcheck(f, lambda x: 2 * x ** 2, np.array([1.0, -2.0]))
Traceback (most recent call last):
...
linreg.gradcheck.GradcheckError: gradient check failed: 2 of 2 values disagree with finite differences
  where  analytic  numeric  abs error ...
  x[1]   8         12       4 ...

How the numbers are made
------------------------
* **Central differences with Richardson extrapolation** (Ridders' method): the
  difference quotient ``(f(x + h) - f(x - h)) / 2h`` is taken at steps halving
  from ``4 * eps**(1/5) * max(1, |x_i|)`` (``eps`` is machine epsilon of the
  coarsest float type among ``x`` and ``f(x)``, so float32 gets steps fit for
  float32), and combined to cancel its ``h**2``, ``h**4`` and ``h**6`` error
  terms. The spread between successive extrapolations estimates the error of
  the result, ``fd_error``, and so does a model of the rounding of ``f``; the
  larger is kept. Steps halve until that error uses at most half of the
  tolerance, or until rounding would grow faster than it helps.
* **The pass rule**: coordinate ``i`` passes when
  ``|analytic_i - numeric_i| <= atol + rtol * |numeric_i| + 4 * fd_error_i``.
  ``4 * fd_error`` is the finite differences' own uncertainty: over the 7,200
  correct gradients of the benchmark corpus at 300 points per function (see
  docs/gradcheck.md), the true error of a numeric value was at most 2.6 times
  its estimate; 4 leaves half as much again.
* **rtol defaults to sqrt(eps)**, half the digits of the working precision
  (1.5e-8 in float64, 3.5e-4 in float32): the analytic gradient carries
  rounding of its own that no finite difference measures, and half the digits is
  the usual allowance for it. ``atol`` defaults to 0, so a tiny gradient is held
  to the same relative standard as a large one.
* ``eps=<float>`` switches to one central difference at the fixed step
  ``eps * max(1, |x_i|)`` (the former behaviour, two evaluations per value), its
  error estimated from a second difference at twice the step.
* ``complex_step=True`` takes ``Im f(x + ih) / h`` instead: no subtraction, so no
  cancellation, for functions that accept complex input.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any

import numpy as np

from linreg._validation import as_real_array
from linreg.gradcheck_trees import Tree, format_index, format_value

__all__ = [
    "GradcheckError",
    "GradcheckResult",
    "InputModifiedError",
    "gradcheck",
    "hessian_check",
    "hvp_check",
    "numerical_gradient",
]

# The finite differences' uncertainty is SAFETY times their error estimate: see the
# module docstring, and docs/gradcheck.md for the measured ratios behind 3.
SAFETY = 4.0
# f(x) is taken to be correct to within this many ulps of its largest value, for the
# rounding model of a difference quotient: a sum in NumPy (pairwise) is usually within 2.
_ROUNDING_ULPS = 2.0
# f's noise is measured (see _Differencer.noise) as a standard deviation; a value's rounding
# is taken as within this many of them (Gaussian tails: 3 is exceeded 0.3 % of the time).
_NOISE_SIGMAS = 3.0
_NOISE_POINTS = 9  # f at x + i d v, i = -4..4; its differences of order 4 to 6 are noise alone
_NOISE_ORDERS = (4, 5, 6)
_RATIO = 2.0  # each step is half the one before
_MAX_ORDER = 3  # Richardson cancels the h^2, h^4 and h^6 terms, no further (noise grows with order)
_MIN_STEPS = 4  # see _ridders: the fourth difference shows whether the third step was settled
_MAX_STEPS = 30  # down to 2**-29 of the first step, for functions varying on scales far below |x|
_ROWS_SHOWN = 5


class GradcheckError(AssertionError):
    """The analytic derivative disagrees with finite differences.

    An ``AssertionError``, so pytest reports a failed check as a failed test.

    Attributes
    ----------
    result : GradcheckResult
        Every value compared.
    """

    def __init__(self, message: str, result: GradcheckResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class GradcheckResult:
    """Outcome of :func:`gradcheck`, :func:`hessian_check` or :func:`hvp_check`.

    The arrays are laid out like what the checked function returned: the shape
    of ``x`` for a gradient (or ``x``'s structure, with a float for each
    number), ``f``'s output shape followed by ``x``'s for a Jacobian.

    Attributes
    ----------
    passed : bool
        Every value is within ``atol + rtol * |numeric| + 4 * fd_error``.
    analytic, numeric : ndarray or tree
        The derivative under test and its finite-difference estimate.
    abs_error : ndarray or tree
        ``|analytic - numeric|``.
    rel_error : ndarray or tree
        ``abs_error / max(|analytic|, |numeric|)`` (0 where both are 0).
    fd_error : ndarray or tree
        Estimated error of ``numeric``.
    allowed : ndarray or tree
        The largest ``abs_error`` that passes.
    step : ndarray or tree
        The finite-difference step behind each numeric value.
    worst_index : tuple
        The value whose error is the largest multiple of its allowance: an index
        into ``analytic`` for an array ``x``; for a structure, the keys from the
        root then the array index, such as ``('w', 2, 0)``.
    atol, rtol : float
        The tolerances used.
    n_failed, n_checked : int
        How many values failed, of how many.
    evaluations : int
        Calls of the differenced function (``f``, or ``grad`` for a Hessian).
    method : str
        How the numeric values were made.
    what : str
        What was checked: ``"gradient"``, ``"Jacobian"``, ``"Hessian"``,
        ``"Hessian-vector product"`` or ``"directional derivative"``.
    labels : tuple of str
        Each value's name, such as ``"x['w'][2, 0]"``, in the order of ``flat``.
    note : str
        What else to know (a fast check's first verdict), or ``""``.
    """

    passed: bool
    analytic: Any
    numeric: Any
    abs_error: Any
    rel_error: Any
    worst_index: tuple[Any, ...]
    atol: float
    rtol: float
    fd_error: Any = None
    allowed: Any = None
    step: Any = None
    n_failed: int = 0
    n_checked: int = 0
    evaluations: int = 0
    method: str = ""
    what: str = "gradient"
    labels: tuple[str, ...] = field(default=(), repr=False)
    flat: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    note: str = ""

    @property
    def error_ratio(self) -> float:
        """The largest ``abs_error / allowed``: above 1 means failure (a target for Hypothesis)."""
        ratio = _ratio(self.flat["abs_error"], self.flat["allowed"])
        return float(ratio.max()) if ratio.size else 0.0

    @property
    def max_rel_error(self) -> float:
        """The largest ``rel_error``."""
        return float(self.flat["rel_error"].max()) if self.flat["rel_error"].size else 0.0

    @property
    def failed(self) -> tuple[str, ...]:
        """Labels of the values that failed, worst first."""
        order = self._order()
        bad = self.flat["abs_error"][order] > self.flat["allowed"][order]
        return tuple(self.labels[i] for i in order[bad])

    def _order(self) -> np.ndarray:
        return np.argsort(-_ratio(self.flat["abs_error"], self.flat["allowed"]), kind="stable")

    def describe(self) -> str:
        """One line on the worst value: both numbers, its errors and what was allowed."""
        i = int(self._order()[0])
        f = self.flat
        verdict = "fails" if f["abs_error"][i] > f["allowed"][i] else "passes"
        return (
            f"{self.labels[i]}: analytic {format_value(f['analytic'][i])}, "
            f"numeric {format_value(f['numeric'][i])}, abs error {f['abs_error'][i]:.2g}, "
            f"rel error {f['rel_error'][i]:.2g}, allowed {f['allowed'][i]:.2g} "
            f"(fd error {f['fd_error'][i]:.2g}, step {f['step'][i]:.2g}); {verdict}; "
            f"{self.n_failed} of {self.n_checked} values failed"
        )

    def report(self, rows: int = _ROWS_SHOWN) -> str:
        """A summary line, then a table of the worst ``rows`` values (failed ones first).

        Parameters
        ----------
        rows : int, default 5
        """
        n = self.n_checked
        if self.passed:
            head = f"{self.what} check passed: {n} of {n} values agree with {self.method}"
        else:
            verb = "disagrees" if self.n_failed == 1 else "disagree"
            head = f"{self.what} check failed: {self.n_failed} of {n} values {verb} with finite differences"
        order = self._order()[: max(rows, 1)]
        f = self.flat
        table = [["where", "analytic", "numeric", "abs error", "rel error", "allowed", "fd error", "step"]]
        for i in order:
            table.append(
                [
                    self.labels[i],
                    format_value(f["analytic"][i]),
                    format_value(f["numeric"][i]),
                    f"{f['abs_error'][i]:.2g}",
                    f"{f['rel_error'][i]:.2g}",
                    f"{f['allowed'][i]:.2g}",
                    f"{f['fd_error'][i]:.2g}",
                    f"{f['step'][i]:.2g}",
                ]
            )
        widths = [max(len(r[c]) for r in table) for c in range(len(table[0]))]
        lines = [head]
        lines += [
            "  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in table
        ]
        if n > len(order):
            lines.append(f"  ... {n - len(order)} more value(s), all in .flat and the arrays of this result")
        lines.append(
            f"rule: |analytic - numeric| <= atol + rtol * |numeric| + {SAFETY:g} * fd error, "
            f"with atol {self.atol:.3g} and rtol {self.rtol:.3g}; numeric values by {self.method}, "
            f"{self.evaluations} evaluations"
        )
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)


def _ratio(abs_error: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = abs_error / allowed
    ratio[abs_error == 0] = 0.0
    ratio[~np.isfinite(abs_error)] = np.inf
    return ratio


# ---------------------------------------------------------------------------- the old helper
def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of ``f`` at ``x``, one fixed step per coordinate.

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

    Examples
    --------
    >>> numerical_gradient(lambda v: float(v @ v), np.array([1.0, -2.0])).round(6).tolist()
    [2.0, -4.0]
    """
    x = as_real_array(x, "x").copy()
    eps = _positive(eps, "eps")
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


# ---------------------------------------------------------------------------- argument checks
def _real(value: object, name: str) -> float:
    __tracebackhide__ = True
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    return float(value)


def _positive(value: object, name: str) -> float:
    __tracebackhide__ = True
    number = _real(value, name)
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return number


def _tolerance(value: object, name: str) -> float | None:
    __tracebackhide__ = True
    if value is None:
        return None
    number = _real(value, name)
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"{name} must be a non-negative finite number, got {value!r}")
    return number


def _flag(value: object, name: str) -> bool:
    __tracebackhide__ = True
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def _count(value: object, name: str) -> int:
    __tracebackhide__ = True
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be a positive integer, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _callable(value: object, name: str) -> None:
    __tracebackhide__ = True
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__} {value!r}")


def _extra_arguments(args: object, kwargs: object) -> tuple[tuple[Any, ...], dict[str, Any]]:
    __tracebackhide__ = True
    if not isinstance(args, (tuple, list)):
        raise TypeError(f"args must be a tuple of extra positional arguments, got {type(args).__name__}")
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, Mapping):
        raise TypeError(f"kwargs must be a dict of extra keyword arguments, got {type(kwargs).__name__}")
    return tuple(args), dict(kwargs)


# ---------------------------------------------------------------------------- calling user code
class InputModifiedError(ValueError):
    """``f``, ``grad``, ``hess`` or ``hvp`` wrote into the copy of ``x`` it was given.

    A function that modifies its input hands its caller changed values (the
    article's loop would step from a corrupted ``w``), and makes every finite
    difference after it wrong, so the check stops at once.
    """


class _Calls:
    """A user's function, called on fresh copies of the tree, counting calls and refusing writes."""

    def __init__(
        self, fn: Callable[..., Any], role: str, tree: Tree, args: tuple[Any, ...], kwargs: dict
    ) -> None:
        self.fn, self.role, self.tree, self.args, self.kwargs = fn, role, tree, args, kwargs
        self.count = 0

    def __call__(self, flat: np.ndarray, *trees: tuple[Tree, np.ndarray]) -> Any:
        __tracebackhide__ = True
        value, made = self.tree.build(flat)
        extra = [t.build(v) for t, v in trees]
        # A step may leave f's domain (log of a negative number): NaN is handled by the
        # caller, which names the step; NumPy's warnings would only obscure that.
        with np.errstate(all="ignore"):
            out = self.fn(value, *(e[0] for e in extra), *self.args, **self.kwargs)
        self.count += 1
        change = self.tree.changed(value, made, flat)
        if change is None:
            for (tree, v), (built, leaves) in zip(trees, extra, strict=True):
                change = tree.changed(built, leaves, v)
                if change is not None:
                    break
        if change is not None:
            raise InputModifiedError(
                f"{self.role} modified its argument: it {change}; it must leave its input alone "
                "(copy it first, or use x = x - ... instead of x -= ...)"
            )
        return out


def _read_output(value: object, role: str, allow_complex: bool) -> np.ndarray:
    __tracebackhide__ = True
    if isinstance(value, (str, bytes)) or value is None or isinstance(value, Mapping):
        raise TypeError(f"{role} must return a number or an array of numbers, got {type(value).__name__}")
    try:
        array = np.asarray(value)
    except ValueError:
        raise ValueError(f"{role} returned a ragged sequence") from None
    kinds = "fiuc" if allow_complex else "fiu"
    if array.dtype.kind not in kinds:
        if array.dtype.kind == "c":
            raise TypeError(f"{role} returned complex values (dtype {array.dtype}); it must be real")
        raise TypeError(f"{role} must return real numbers, got {type(value).__name__} of dtype {array.dtype}")
    return array


def _output_eps(array: np.ndarray) -> float:
    # A float32 result is only known to float32 precision, whatever x's type.
    if array.dtype.kind in "fc":
        return float(np.finfo(array.dtype).eps)
    return float(np.finfo(np.float64).eps)


# ---------------------------------------------------------------------------- finite differences
@dataclass
class _Estimate:
    """Derivatives of every output along one direction, with their errors and steps (each (M,))."""

    value: np.ndarray
    error: np.ndarray
    step: np.ndarray


# One difference quotient at step h: (D of shape (M,), the step actually taken, rounding error of D),
# or None where f was not finite.
_Quotient = Callable[[float], "tuple[np.ndarray, float, np.ndarray] | None"]


def _ridders(
    quotient: _Quotient, h0: float, target: Callable[[np.ndarray], np.ndarray], where: Callable[[], str]
) -> _Estimate:
    """Richardson extrapolation of central differences at halving steps (Ridders' method).

    ``target(value)`` is the error at which to stop refining: half of the tolerance
    the value will be held to, divided by SAFETY.
    """
    __tracebackhide__ = True
    prev: list[np.ndarray] | None = None
    prev_noise: list[np.ndarray] | None = None
    best = best_err = best_step = None
    settled = None  # best_err, or the newest entry's disagreement with the best value if larger
    h, smallest = h0, h0
    for k in range(_MAX_STEPS):
        got = quotient(h)
        smallest = h
        h /= _RATIO
        if got is None:
            prev = prev_noise = None  # restart the tableau below the step that left f's domain
            continue
        quotient_value, actual, noise = got
        row, row_noise = [quotient_value], [noise]
        if best is None:
            best = np.full_like(quotient_value, np.nan)
            best_err = np.full_like(quotient_value, np.inf)
            best_step = np.full_like(quotient_value, np.nan)
        assert best_err is not None and best_step is not None
        if prev is not None and prev_noise is not None:
            for j in range(1, min(len(prev), _MAX_ORDER) + 1):
                factor = _RATIO ** (2 * j)
                value = row[j - 1] + (row[j - 1] - prev[j - 1]) / (factor - 1)
                # Error of this entry: its distance to the two it was made from (an estimate of
                # their error, so of its own with room to spare), or its rounding, if larger.
                rounding = (row_noise[j - 1] * factor + prev_noise[j - 1]) / (factor - 1)
                error = np.maximum(
                    np.maximum(np.abs(value - row[j - 1]), np.abs(value - prev[j - 1])), rounding
                )
                row.append(value)
                row_noise.append(rounding)
                better = error < best_err
                best[better], best_err[better], best_step[better] = value[better], error[better], actual
        prev, prev_noise = row, row_noise
        # Outside the range where the error terms fall as powers of h (a first step too large
        # for f's curvature), two orders can agree by chance and make an error estimate too
        # small; the newest, highest-order entry then disagrees with the best value by more
        # than its own rounding. The error stated is at least that disagreement.
        disagreement = np.maximum(np.abs(best - row[-1]) - row_noise[-1], 0.0)
        disagreement[~np.isfinite(disagreement)] = np.inf
        settled = np.maximum(best_err, disagreement)
        if k + 1 >= _MIN_STEPS and np.all(np.isfinite(settled)):
            # Done where the error is small enough, or where the next (halved) step's rounding
            # alone would already exceed the best error found: smaller steps only get worse.
            done = (settled <= target(best)) | (noise * _RATIO > best_err)
            if np.all(done):
                break
    if best is None or settled is None or best_step is None or not np.all(np.isfinite(settled)):
        raise ValueError(
            f"f is not finite on both sides of {where()} for any step from {h0:.3g} down to {smallest:.3g}; "
            "gradcheck needs f to be finite near x"
        )
    return _Estimate(best, settled, best_step)


def _fixed(quotient: _Quotient, h: float, where: Callable[[], str]) -> _Estimate:
    """One central difference at step h; its error estimated from a second one at 2h."""
    __tracebackhide__ = True
    near, far = quotient(h), quotient(2 * h)
    if near is None or far is None:
        raise ValueError(f"f is not finite at {where()} plus or minus the step {h:.3g} (or twice it)")
    value, actual, noise = near
    # Truncation falls as h^2: D(h) - D(2h) is 3 times D(h)'s truncation error.
    error = np.maximum(np.abs(value - far[0]) / 3, noise)
    return _Estimate(value, error, np.full_like(value, actual))


class _Differencer:
    """Finite-difference derivatives of a function of the flat vector, one output array each."""

    def __init__(
        self,
        calls: _Calls,
        tree: Tree,
        read: Callable[[Any], np.ndarray],
        read_complex: Callable[[Any], np.ndarray],
        center: np.ndarray,
        eps_work: np.ndarray,
        *,
        fixed_eps: float | None,
        complex_step: bool,
    ) -> None:
        self.calls, self.tree, self.read, self.read_complex = calls, tree, read, read_complex
        self.x0 = tree.values
        self.center = center  # f(x), flat float64 (M,)
        self.eps_work = eps_work  # (N,) machine epsilon each coordinate is computed to
        self.scale = np.maximum(np.abs(self.x0), 1.0)
        self.fixed_eps = fixed_eps
        self.complex_step = complex_step
        self.dtypes = [tree.leaf_of(j).dtype for j in range(tree.size)]
        self._noise: np.ndarray | None = None

    @property
    def noise(self) -> np.ndarray:
        """Rounding noise of each output of f near x, measured: a standard deviation, (M,).

        f's rounding is not always machine epsilon times |f|: a small value computed
        from large terms carries the large terms' rounding (it may even be quantised in
        steps of their ulp). So it is measured, after Moré and Wild's ECnoise (2011): f
        at nine points along one random direction, ``sqrt(eps) * max(1, |x_i|)`` apart:
        far enough apart for f to cross many rounding steps, close enough that f's
        smooth part is a polynomial of low degree, so its differences of order 4 to 6
        are noise alone. For noise of standard deviation s a k-th difference has
        standard deviation ``s * sqrt(C(2k, k))``; the largest of the three estimates is kept.
        """
        __tracebackhide__ = True
        if self._noise is None:
            self._noise = self._measure_noise()
        return self._noise

    def _measure_noise(self) -> np.ndarray:
        __tracebackhide__ = True
        rng = np.random.default_rng(20110101)
        v = rng.standard_normal(self.x0.size) * self.scale
        d = math.sqrt(float(self.eps_work.max()))
        half = _NOISE_POINTS // 2
        values = []
        for i in range(-half, half + 1):
            if i == 0:
                values.append(self.center)
                continue
            out = self._evaluate(self._rounded(self.x0 + i * d * v), lambda: "x (measuring f's noise)")
            if out is None:
                return np.zeros_like(self.center)  # f not finite this close to x: measure nothing
            values.append(out)
        table = np.stack(values)  # (points, M)
        sigma = np.zeros_like(self.center)
        for k in range(1, _NOISE_POINTS):
            table = np.diff(table, axis=0)
            if k in _NOISE_ORDERS:
                rms = np.sqrt(np.mean(table**2, axis=0))
                sigma = np.maximum(sigma, rms / math.sqrt(math.comb(2 * k, k)))
        return sigma

    def _evaluate(self, flat: np.ndarray, context: Callable[[], str]) -> np.ndarray | None:
        __tracebackhide__ = True
        out = self.read(self.calls(flat))
        if out.shape != self.center.shape:
            raise ValueError(
                f"{self.calls.role} returned {out.size} values at {context()} but {self.center.size} at x; "
                "its output must keep one shape"
            )
        return out if np.all(np.isfinite(out)) else None

    def _rounding(self, eps: float, f_up: np.ndarray, f_down: np.ndarray) -> np.ndarray:
        """How far each of f(x + h), f(x - h) may be from exact: the larger of a few ulps and 3 sigma."""
        ulps = _ROUNDING_ULPS * eps * np.maximum(np.abs(f_up), np.abs(f_down))
        return np.maximum(ulps, _NOISE_SIGMAS * self.noise)

    def _rounded(self, flat: np.ndarray) -> np.ndarray:
        # Values as f will see them: a float32 leaf cannot hold x + h exactly.
        out = flat.copy()
        for leaf in self.tree.leaves:
            if leaf.dtype != np.float64:
                part = out[leaf.start : leaf.start + leaf.size]
                out[leaf.start : leaf.start + leaf.size] = part.astype(leaf.dtype).astype(np.float64)
        return out

    def coordinate(self, j: int, tolerance: Callable[[np.ndarray], np.ndarray]) -> _Estimate:
        """Derivatives of every output in coordinate j."""
        __tracebackhide__ = True
        eps, scale = float(self.eps_work[j]), float(self.scale[j])

        def where() -> str:
            return self.tree.label(j)

        if self.complex_step:
            return self._complex(lambda t: _unit(self.x0.size, j, t), eps, scale, where)

        dtype = self.dtypes[j]

        def quotient(h: float) -> tuple[np.ndarray, float, np.ndarray] | None:
            __tracebackhide__ = True
            up, down = self.x0.copy(), self.x0.copy()
            up[j] = float(np.asarray(self.x0[j] + h, dtype=dtype))
            down[j] = float(np.asarray(self.x0[j] - h, dtype=dtype))
            actual = (up[j] - down[j]) / 2
            if actual == 0:
                return None
            f_up = self._evaluate(up, lambda: f"{where()} + {h:.3g}")
            f_down = self._evaluate(down, lambda: f"{where()} - {h:.3g}")
            if f_up is None or f_down is None:
                return None
            noise = self._rounding(eps, f_up, f_down) / actual
            return (f_up - f_down) / (2 * actual), actual, noise

        if self.fixed_eps is not None:
            return _fixed(quotient, self.fixed_eps * scale, where)
        return _ridders(quotient, _first_step(eps) * scale, tolerance, where)

    def direction(
        self, v: np.ndarray, tolerance: Callable[[np.ndarray], np.ndarray], correct: np.ndarray | None
    ) -> _Estimate:
        """Derivatives of every output along v (a flat vector in x's units).

        ``correct`` (M, N), the analytic derivative if known, removes the part of
        each difference due to x + t v not being representable exactly (float32).
        """
        __tracebackhide__ = True
        eps = float(self.eps_work.max())

        def where() -> str:
            return "x along a random direction"

        if self.complex_step:
            return self._complex(lambda t: t * v, eps, 1.0, where)

        def quotient(t: float) -> tuple[np.ndarray, float, np.ndarray] | None:
            __tracebackhide__ = True
            up, down = self._rounded(self.x0 + t * v), self._rounded(self.x0 - t * v)
            f_up = self._evaluate(up, where)
            f_down = self._evaluate(down, where)
            if f_up is None or f_down is None:
                return None
            value = (f_up - f_down) / (2 * t)
            noise = self._rounding(eps, f_up, f_down) / t
            offset = (up - down) / (2 * t) - v  # zero in float64 up to rounding of x + t v
            if correct is not None:
                value = value - correct @ offset
            else:
                noise = noise + np.abs(value) * float(np.max(np.abs(offset) / np.maximum(np.abs(v), 1e-300)))
            return value, t, noise

        if self.fixed_eps is not None:
            return _fixed(quotient, self.fixed_eps, where)
        return _ridders(quotient, _first_step(eps), tolerance, where)

    def _complex(
        self, displacement: Callable[[float], np.ndarray], eps: float, scale: float, where: Callable[[], str]
    ) -> _Estimate:
        __tracebackhide__ = True
        # Im f(x + i h) / h has no subtraction, so h can be tiny: its truncation error,
        # h^2 |f'''| / 6, is then far below rounding.
        h = (self.fixed_eps if self.fixed_eps is not None else eps) * scale
        point = self.x0 + 1j * displacement(h)
        try:
            # Dropping the imaginary part only warns in NumPy; make it the error it is here.
            with warnings.catch_warnings():
                warnings.simplefilter("error", _ComplexWarning)
                out = self.calls(point)
        except InputModifiedError:
            raise
        except (TypeError, ValueError, _ComplexWarning) as exc:
            raise TypeError(
                f"complex_step=True needs {self.calls.role} to accept complex input, but it raised "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        flat = self.read_complex(out)
        if flat.shape != self.center.shape:
            raise ValueError(
                f"{self.calls.role} returned {flat.size} values for a complex x but {self.center.size} at x"
            )
        if not np.all(np.isfinite(flat)):
            raise ValueError(f"{self.calls.role} is not finite at {where()} + {h:.3g}i (complex step)")
        value = flat.imag / h
        error = _ROUNDING_ULPS * eps * (np.abs(value) + np.abs(flat.real) / scale)
        return _Estimate(value, error, np.full_like(value, h))


_ComplexWarning = getattr(getattr(np, "exceptions", np), "ComplexWarning", RuntimeWarning)


def _dropped_imaginary(role: str, dtype: object) -> TypeError:
    return TypeError(
        f"complex_step=True needs {role} to carry the imaginary part through, but it returned "
        f"{dtype} for a complex x (abs, float(), .real or np.maximum drop it)"
    )


def _unit(size: int, j: int, t: float) -> np.ndarray:
    e = np.zeros(size)
    e[j] = t
    return e


def _first_step(eps: float) -> float:
    # Richardson's error after cancelling h^2 and h^4 is about h^6 (truncation) + eps / h
    # (rounding); the first step sits above the h = eps^(1/5) where order-4 estimates are
    # best, so the halvings pass through it: 3e-3 in float64, 0.16 in float32.
    return 4 * eps ** (1 / 5)


# ---------------------------------------------------------------------------- comparing
@dataclass
class _Comparison:
    """Flat (K,) arrays of analytic and numeric values, their errors and tolerances."""

    analytic: np.ndarray
    numeric: np.ndarray
    fd_error: np.ndarray
    step: np.ndarray
    scale: np.ndarray  # what rtol multiplies: |numeric|, or the size of a dot product's terms
    atol: np.ndarray


def _judge(
    c: _Comparison,
    *,
    atol: float,
    rtol: float,
    labels: Sequence[str],
    index: Callable[[int], tuple[Any, ...]],
    layout: Callable[[np.ndarray], Any],
    evaluations: int,
    method: str,
    what: str,
    raise_exception: bool,
    note: str = "",
) -> GradcheckResult:
    __tracebackhide__ = True
    abs_error = np.abs(c.analytic - c.numeric)
    abs_error[~np.isfinite(c.analytic)] = np.inf
    bigger = np.maximum(np.abs(c.analytic), np.abs(c.numeric))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_error = np.where(abs_error == 0, 0.0, abs_error / bigger)
    allowed = c.atol + rtol * c.scale + SAFETY * c.fd_error
    failed = ~(abs_error <= allowed)
    ratio = _ratio(abs_error, allowed)
    worst = int(np.argmax(ratio))
    flat = {
        "analytic": c.analytic,
        "numeric": c.numeric,
        "abs_error": abs_error,
        "rel_error": rel_error,
        "fd_error": c.fd_error,
        "allowed": allowed,
        "step": c.step,
    }
    result = GradcheckResult(
        passed=not bool(failed.any()),
        analytic=layout(c.analytic),
        numeric=layout(c.numeric),
        abs_error=layout(abs_error),
        rel_error=layout(rel_error),
        fd_error=layout(c.fd_error),
        allowed=layout(allowed),
        step=layout(c.step),
        worst_index=index(worst),
        atol=atol,
        rtol=rtol,
        n_failed=int(failed.sum()),
        n_checked=int(failed.size),
        evaluations=evaluations,
        method=method,
        what=what,
        labels=tuple(labels),
        flat=flat,
        note=note,
    )
    if raise_exception and not result.passed:
        raise GradcheckError(result.report(), result)
    return result


def _method(fixed_eps: float | None, complex_step: bool) -> str:
    if complex_step:
        return "complex step"
    if fixed_eps is not None:
        return f"central differences at the fixed step eps={fixed_eps:g}"
    return "Richardson-extrapolated central differences"


@dataclass
class _Setup:
    tree: Tree
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    fixed_eps: float | None
    atol: float
    rtol: float | None
    complex_step: bool
    raise_exception: bool


def _setup(
    x: object,
    args: object,
    kwargs: object,
    eps: object,
    atol: object,
    rtol: object,
    complex_step: object,
    raise_exception: object,
    functions: Mapping[str, object],
) -> _Setup:
    __tracebackhide__ = True
    for name, fn in functions.items():
        _callable(fn, name)
    extra_args, extra_kwargs = _extra_arguments(args, kwargs)
    fixed_eps = None if eps is None else _positive(eps, "eps")
    atol_value = _tolerance(atol, "atol")
    rtol_value = _tolerance(rtol, "rtol")
    use_complex = _flag(complex_step, "complex_step")
    raising = _flag(raise_exception, "raise_exception")
    tree = Tree(x, "x")
    return _Setup(
        tree, extra_args, extra_kwargs, fixed_eps, atol_value or 0.0, rtol_value, use_complex, raising
    )


def _working_eps(tree: Tree, output_eps: float) -> np.ndarray:
    # Each coordinate is computed to the coarser of its own type's and f's output's precision,
    # and never finer than float64 (the flat vector is float64).
    floor = max(output_eps, float(np.finfo(np.float64).eps))
    per_leaf = [max(float(np.finfo(leaf.dtype).eps), floor) for leaf in tree.leaves]
    return np.repeat(per_leaf, [leaf.size for leaf in tree.leaves])


def _tolerance_target(atol: float, rtol: float) -> Callable[[np.ndarray], np.ndarray]:
    # Refine the differences until SAFETY * their error is at most half the tolerance.
    return lambda value: (atol + rtol * np.abs(value)) / (2 * SAFETY)


# ---------------------------------------------------------------------------- gradcheck
def gradcheck(
    f: Callable[..., Any],
    grad: Callable[..., Any],
    x: Any,
    *,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    complex_step: bool = False,
    fast: bool = False,
    n_directions: int = 2,
    seed: int = 0,
    raise_exception: bool = True,
) -> GradcheckResult:
    """Compare ``grad(x)`` with finite differences of ``f`` at ``x``.

    Parameters
    ----------
    f : callable
        ``f(x, *args, **kwargs)``. Returns a number, for a gradient check, or an
        array of shape ``s``, for a Jacobian check. Each call gets a fresh copy of
        ``x``; a call that modifies it is an error.
    grad : callable
        ``grad(x, *args, **kwargs)``: the claimed derivative. For a scalar ``f``,
        of ``x``'s structure and shapes (a list of numbers is read as an array).
        For an ``f`` with output shape ``s``, the Jacobian: like ``x``, with each
        array of shape ``s + leaf.shape`` (``torch.autograd.functional.jacobian``'s
        and ``jax.jacobian``'s layout).
    x : array_like, float, or dict / tuple / list nesting them
        Where to check, such as ``{'w': ndarray of shape (d, 1), 'b': float}``.
        Never modified. Integers are evaluated in float64; float32 stays float32.
    args : tuple, default ()
        Extra positional arguments for ``f`` and ``grad`` (data, say), not differentiated.
    kwargs : dict, optional
        Extra keyword arguments for ``f`` and ``grad``.
    eps : float, optional
        A fixed relative step ``eps * max(1, |x_i|)`` for one central difference
        (the complex step, with ``complex_step``). Default: Richardson
        extrapolation over steps chosen from the float type.
    atol : float, optional
        Absolute tolerance; default 0.
    rtol : float, optional
        Relative tolerance; default ``sqrt(eps)`` of the coarsest float type among
        ``x``'s values and ``f(x)`` (1.5e-8 for float64, 3.5e-4 for float32).
    complex_step : bool, default False
        Differentiate by ``Im f(x + ih) / h``. ``f`` must accept complex input and
        be analytic in it (no ``abs``, ``float()``, ``.real``, comparisons).
    fast : bool, default False
        Check only the derivative along ``n_directions`` random directions
        (``grad(x) . v`` against the derivative of ``f(x + t v)``): a handful of
        evaluations whatever the size of ``x``. If one disagrees, the full check
        runs and its verdict, naming the coordinates, is the result.
    n_directions : int, default 2
        Random directions for ``fast``.
    seed : int, default 0
        Seed of the random directions (the check is deterministic).
    raise_exception : bool, default True
        Raise :class:`GradcheckError` on failure; otherwise return the result.

    Returns
    -------
    GradcheckResult

    Raises
    ------
    GradcheckError
        A value is outside its tolerance (with ``raise_exception``).
    ValueError
        ``grad(x)`` does not have ``x``'s structure or shapes (the message
        names both); ``f`` or ``grad`` modified its input; ``f`` is not finite
        at ``x``; a tolerance is negative.
    TypeError
        An argument of the wrong type (the message names it).

    Examples
    --------
    The article's loss with its parameters as they are, the data passed along:

    >>> from linreg import linear_loss
    >>> X, y = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.array([[1.0], [2.0], [4.0]])
    >>> loss = lambda p, X, y: linear_loss(X, y, p['w'], p['b'])[1]
    >>> def grads(p, X, y):
    ...     _, _, dw, db = linear_loss(X, y, p['w'], p['b'])
    ...     return {'w': dw, 'b': db}
    >>> params = {'w': np.array([[0.5], [-0.25]]), 'b': 1.0}
    >>> gradcheck(loss, grads, params, args=(X, y)).passed
    True
    """
    __tracebackhide__ = True
    s = _setup(x, args, kwargs, eps, atol, rtol, complex_step, raise_exception, {"f": f, "grad": grad})
    n_directions = _count(n_directions, "n_directions")
    fast = _flag(fast, "fast")
    if not isinstance(seed, Integral) or isinstance(seed, bool):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__} {seed!r}")
    tree = s.tree
    f_calls = _Calls(f, "f", tree, s.args, s.kwargs)
    grad_calls = _Calls(grad, "grad", tree, s.args, s.kwargs)

    center_raw = _read_output(f_calls(tree.values), "f", allow_complex=False)
    out_shape = center_raw.shape
    center = center_raw.astype(np.float64).ravel()
    if not np.all(np.isfinite(center)):
        raise ValueError(f"f(x) is not finite ({_first_bad(center)}); gradcheck needs f finite at x")

    analytic_raw = grad_calls(tree.values)
    lead = _jacobian_lead(tree, analytic_raw, out_shape)
    analytic = tree.flatten_like(analytic_raw, "grad(x)", lead)  # (M, N)
    if not np.all(np.isfinite(analytic)):
        raise ValueError(f"grad(x) is not finite ({_first_bad(analytic.ravel())}); it must be finite at x")

    eps_work = _working_eps(tree, _output_eps(center_raw))
    rtol_value = float(np.sqrt(eps_work.max())) if s.rtol is None else s.rtol
    what = "gradient" if center.size == 1 and lead == () else "Jacobian"

    def read(out: object) -> np.ndarray:
        __tracebackhide__ = True
        return _read_output(out, "f", allow_complex=False).astype(np.float64).ravel()

    def read_complex(out: object) -> np.ndarray:
        __tracebackhide__ = True
        array = _read_output(out, "f", allow_complex=True)
        if array.dtype.kind != "c":
            raise _dropped_imaginary("f", array.dtype)
        return array.astype(np.complex128).ravel()

    differencer = _Differencer(
        f_calls,
        tree,
        read,
        read_complex,
        center,
        eps_work,
        fixed_eps=s.fixed_eps,
        complex_step=s.complex_step,
    )
    method = _method(s.fixed_eps, s.complex_step)
    common = {"atol": s.atol, "rtol": rtol_value, "raise_exception": s.raise_exception}

    note = ""
    if fast:
        quick = _directional(
            differencer, analytic, tree, n_directions, seed, s.atol, rtol_value, method, f_calls
        )
        if quick.passed:
            return quick
        note = (
            f"A fast check came first: the derivative along random direction(s) disagreed "
            f"({quick.describe()}); the full check above names the values."
        )

    columns = [differencer.coordinate(j, _tolerance_target(s.atol, rtol_value)) for j in range(tree.size)]
    numeric = np.stack([c.value for c in columns], axis=1)  # (M, N)
    comparison = _Comparison(
        analytic=analytic.ravel(),
        numeric=numeric.ravel(),
        fd_error=np.stack([c.error for c in columns], axis=1).ravel(),
        step=np.stack([c.step for c in columns], axis=1).ravel(),
        scale=np.abs(numeric).ravel(),
        atol=np.full(numeric.size, s.atol),
    )
    rows = math.prod(lead)
    labels, index = _jacobian_names(tree, lead)
    return _judge(
        comparison,
        labels=labels,
        index=index,
        layout=lambda flat: _jacobian_layout(tree, flat.reshape(rows, tree.size), lead),
        evaluations=f_calls.count,
        method=method,
        what=what,
        note=note,
        **common,
    )


def _first_bad(values: np.ndarray) -> str:
    if values.size == 1:
        return f"it is {values[0]}"
    bad = np.flatnonzero(~np.isfinite(values))
    return f"{bad.size} value(s) NaN or infinite, the first at flat position {int(bad[0])}"


def _jacobian_lead(tree: Tree, analytic: object, out_shape: tuple[int, ...]) -> tuple[int, ...]:
    """The leading axes grad(x)'s arrays carry: none for a gradient, f's output shape for a Jacobian."""
    __tracebackhide__ = True
    if out_shape == ():
        return ()
    if math.prod(out_shape) == 1:
        # f returned a 1-element array: a scalar, if grad(x) has x's shapes.
        try:
            tree.flatten_like(analytic, "grad(x)", ())
        except ValueError:
            return out_shape
        return ()
    return out_shape


def _jacobian_names(tree: Tree, lead: tuple[int, ...]) -> tuple[list[str], Callable[[int], tuple[Any, ...]]]:
    rows = math.prod(lead)
    if lead == ():
        labels = [tree.label(j) for j in range(tree.size)]
        return labels, lambda k: tree.index(k)
    outs = [tuple(int(i) for i in np.unravel_index(r, lead)) for r in range(rows)]
    labels = [f"f(x){format_index(o)} wrt {tree.label(j)}" for o in outs for j in range(tree.size)]

    def index(k: int) -> tuple[Any, ...]:
        r, j = divmod(k, tree.size)
        leaf = tree.leaf_of(j)
        return leaf.path + outs[r] + tree.array_index(j)

    return labels, index


def _jacobian_layout(tree: Tree, flat: np.ndarray, lead: tuple[int, ...]) -> Any:
    return tree.unflatten(flat, lead)


def _directional(
    differencer: _Differencer,
    analytic: np.ndarray,
    tree: Tree,
    n_directions: int,
    seed: int,
    atol: float,
    rtol: float,
    method: str,
    f_calls: _Calls,
) -> GradcheckResult:
    """grad(x) . v against the derivative of f along v, for random directions v."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    # Each coordinate moves in proportion to its own scale, as in the full check.
    directions = rng.standard_normal((n_directions, tree.size)) * differencer.scale
    values, errors, steps, predicted, scales, atols = [], [], [], [], [], []
    for v in directions:
        terms = analytic * v  # (M, N)
        dot_scale = np.abs(terms).sum(axis=1)
        target = _directional_target(atol * float(np.abs(v).sum()), rtol, dot_scale)
        estimate = differencer.direction(v, target, correct=analytic)
        values.append(estimate.value)
        errors.append(estimate.error)
        steps.append(estimate.step)
        predicted.append(terms.sum(axis=1))
        scales.append(dot_scale)
        atols.append(np.full_like(dot_scale, atol * float(np.abs(v).sum())))
    comparison = _Comparison(
        analytic=np.concatenate(predicted),
        numeric=np.concatenate(values),
        fd_error=np.concatenate(errors),
        step=np.concatenate(steps),
        scale=np.concatenate(scales),
        atol=np.concatenate(atols),
    )
    m = analytic.shape[0]
    labels = [
        f"grad(x) . v{k}" if m == 1 else f"(J v{k})[{r}]" for k in range(n_directions) for r in range(m)
    ]
    return _judge(
        comparison,
        atol=atol,
        rtol=rtol,
        labels=labels,
        index=lambda k: (k,),
        layout=lambda flat: flat.copy(),
        evaluations=f_calls.count,
        method=f"{method} along {n_directions} random direction(s)",
        what="directional derivative",
        raise_exception=False,
    )


def _directional_target(atol: float, rtol: float, scale: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    return lambda value: (atol + rtol * scale) / (2 * SAFETY)


# ---------------------------------------------------------------------------- second order
def hessian_check(
    grad: Callable[..., Any],
    hess: Callable[..., Any],
    x: Any,
    *,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    complex_step: bool = False,
    raise_exception: bool = True,
) -> GradcheckResult:
    """Compare ``hess(x)`` with finite differences of ``grad`` at ``x``.

    Column ``j`` of the Hessian is the derivative of the gradient in ``x_j``,
    estimated exactly as :func:`gradcheck` estimates a Jacobian.

    Parameters
    ----------
    grad : callable
        ``grad(x, *args, **kwargs)``, of ``x``'s structure (trusted, or checked
        first with :func:`gradcheck`).
    hess : callable
        ``hess(x, *args, **kwargs)``: an array of shape ``(n, n)``, where ``n`` is
        the number of values in ``x``, rows and columns in ``x``'s order (for
        ``{'w': (d, 1), 'b': float}``: ``w`` then ``b``, as :func:`linreg.hessian`).
        For an array ``x``, shape ``x.shape + x.shape`` too.
    x, args, kwargs, eps, atol, rtol, complex_step, raise_exception
        As for :func:`gradcheck`.

    Returns
    -------
    GradcheckResult
        Its arrays have ``hess(x)``'s shape.

    Examples
    --------
    >>> grad = lambda x: np.array([2 * x[0] * x[1], x[0] ** 2])
    >>> hess = lambda x: np.array([[2 * x[1], 2 * x[0]], [2 * x[0], 0.0]])
    >>> hessian_check(grad, hess, np.array([1.0, 3.0])).passed
    True
    """
    __tracebackhide__ = True
    s = _setup(x, args, kwargs, eps, atol, rtol, complex_step, raise_exception, {"grad": grad, "hess": hess})
    tree, n = s.tree, s.tree.size
    grad_calls = _Calls(grad, "grad", tree, s.args, s.kwargs)
    hess_calls = _Calls(hess, "hess", tree, s.args, s.kwargs)

    def read(out: object) -> np.ndarray:
        __tracebackhide__ = True
        return tree.flatten_like(out, "grad(x)").ravel()

    def read_complex(out: object) -> np.ndarray:
        __tracebackhide__ = True
        for leaf in _leaves_of(out):
            if np.asarray(leaf).dtype.kind != "c":
                raise _dropped_imaginary("grad", np.asarray(leaf).dtype)
        return tree.flatten_like(out, "grad(x)", complex_ok=True).ravel()

    g0_raw = grad_calls(tree.values)
    center = tree.flatten_like(g0_raw, "grad(x)").ravel()
    if not np.all(np.isfinite(center)):
        raise ValueError(f"grad(x) is not finite ({_first_bad(center)}); it must be finite at x")
    H = _read_output(hess_calls(tree.values), "hess", allow_complex=False)
    shapes = [(n, n)] + ([tree.leaves[0].shape * 2] if tree.is_array else [])
    if H.shape not in shapes:
        raise ValueError(
            f"hess(x) has shape {H.shape}, expected {' or '.join(map(str, dict.fromkeys(shapes)))}: "
            f"x has {n} values, and the Hessian has a row and a column for each"
        )
    analytic = H.astype(np.float64).reshape(n, n)
    if not np.all(np.isfinite(analytic)):
        raise ValueError(f"hess(x) is not finite ({_first_bad(analytic.ravel())}); it must be finite at x")

    eps_work = _working_eps(tree, _output_eps(_leaf_dtype_probe(g0_raw)))
    rtol_value = float(np.sqrt(eps_work.max())) if s.rtol is None else s.rtol
    differencer = _Differencer(
        grad_calls,
        tree,
        read,
        read_complex,
        center,
        eps_work,
        fixed_eps=s.fixed_eps,
        complex_step=s.complex_step,
    )
    columns = [differencer.coordinate(j, _tolerance_target(s.atol, rtol_value)) for j in range(n)]
    numeric = np.stack([c.value for c in columns], axis=1)  # numeric[i, j] = d grad_i / d x_j
    comparison = _Comparison(
        analytic=analytic.ravel(),
        numeric=numeric.ravel(),
        fd_error=np.stack([c.error for c in columns], axis=1).ravel(),
        step=np.stack([c.step for c in columns], axis=1).ravel(),
        scale=np.abs(numeric).ravel(),
        atol=np.full(numeric.size, s.atol),
    )
    if tree.is_array:
        shape = tree.leaves[0].shape * 2
        labels = [
            f"hess(x){format_index(tuple(int(i) for i in np.unravel_index(k, shape)))}" for k in range(n * n)
        ]

        def index(k: int) -> tuple[Any, ...]:
            return tuple(int(i) for i in np.unravel_index(k, shape))

        def layout(flat: np.ndarray) -> Any:
            return flat.reshape(shape)

    else:
        labels = [
            f"hess(x)[{i}, {j}] (grad{tree.label(i, '')} wrt {tree.label(j)})"
            for i in range(n)
            for j in range(n)
        ]

        def index(k: int) -> tuple[Any, ...]:
            return divmod(k, n)

        def layout(flat: np.ndarray) -> Any:
            return flat.reshape(n, n)

    return _judge(
        comparison,
        atol=s.atol,
        rtol=rtol_value,
        labels=labels,
        index=index,
        layout=layout,
        evaluations=grad_calls.count,
        method=_method(s.fixed_eps, s.complex_step) + " of grad",
        what="Hessian",
        raise_exception=s.raise_exception,
    )


def _leaf_dtype_probe(g: object) -> np.ndarray:
    # The coarsest float type among grad(x)'s arrays sets the precision its differences have.
    arrays = [np.asarray(v) for v in _leaves_of(g)]
    floats = [a.dtype for a in arrays if a.dtype.kind == "f"]
    coarsest = max(floats, key=lambda d: np.finfo(d).eps) if floats else np.dtype(np.float64)
    return np.zeros(1, dtype=coarsest)


def _leaves_of(value: object) -> list[object]:
    if isinstance(value, Mapping):
        return [leaf for v in value.values() for leaf in _leaves_of(v)]
    if isinstance(value, (tuple, list)) and not all(isinstance(v, Real) for v in value):
        return [leaf for v in value for leaf in _leaves_of(v)]
    return [value]


def hvp_check(
    grad: Callable[..., Any],
    hvp: Callable[..., Any],
    x: Any,
    *,
    v: Any = None,
    n_directions: int = 2,
    seed: int = 0,
    args: Sequence[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    raise_exception: bool = True,
) -> GradcheckResult:
    """Compare a Hessian-vector product ``hvp(x, v)`` with differences of ``grad`` along ``v``.

    ``H v`` is the derivative of the gradient along ``v``: one directional
    difference per ``v``, whatever the size of ``x``, and no Hessian is formed.

    Parameters
    ----------
    grad : callable
        ``grad(x, *args, **kwargs)``, of ``x``'s structure.
    hvp : callable
        ``hvp(x, v, *args, **kwargs)``, of ``x``'s structure.
    x : array_like, float, or dict / tuple / list nesting them
    v : like ``x``, optional
        The direction. Default: ``n_directions`` random ones, each coordinate
        scaled by ``max(1, |x_i|)``.
    n_directions, seed : int
        How many random directions, and their seed.
    args, kwargs, eps, atol, rtol, raise_exception
        As for :func:`gradcheck`.

    Returns
    -------
    GradcheckResult
        Its arrays are laid out like ``x`` with a leading axis, one row per direction.

    Examples
    --------
    >>> grad = lambda x: x ** 3 / 3
    >>> hvp_check(grad, lambda x, v: x ** 2 * v, np.array([1.0, -2.0])).passed
    True
    """
    __tracebackhide__ = True
    s = _setup(x, args, kwargs, eps, atol, rtol, False, raise_exception, {"grad": grad, "hvp": hvp})
    n_directions = _count(n_directions, "n_directions")
    tree = s.tree
    grad_calls = _Calls(grad, "grad", tree, s.args, s.kwargs)
    hvp_calls = _Calls(hvp, "hvp", tree, s.args, s.kwargs)
    if v is None:
        rng = np.random.default_rng(seed)
        directions = rng.standard_normal((n_directions, tree.size)) * np.maximum(np.abs(tree.values), 1.0)
    else:
        Tree(v, "v")  # finite real values, or a TypeError / ValueError naming v
        directions = tree.flatten_like(v, "v")  # x's structure, or a ValueError naming both

    g0_raw = grad_calls(tree.values)
    center = tree.flatten_like(g0_raw, "grad(x)").ravel()
    if not np.all(np.isfinite(center)):
        raise ValueError(f"grad(x) is not finite ({_first_bad(center)}); it must be finite at x")
    eps_work = _working_eps(tree, _output_eps(_leaf_dtype_probe(g0_raw)))
    rtol_value = float(np.sqrt(eps_work.max())) if s.rtol is None else s.rtol

    def read(out: object) -> np.ndarray:
        __tracebackhide__ = True
        return tree.flatten_like(out, "grad(x)").ravel()

    differencer = _Differencer(
        grad_calls, tree, read, read, center, eps_work, fixed_eps=s.fixed_eps, complex_step=False
    )
    analytic, numeric, errors, steps = [], [], [], []
    for d in directions:
        product = tree.flatten_like(hvp_calls(tree.values, (tree, d)), "hvp(x, v)").ravel()
        if not np.all(np.isfinite(product)):
            raise ValueError(f"hvp(x, v) is not finite ({_first_bad(product)}); it must be finite at x")
        estimate = differencer.direction(d, _tolerance_target(s.atol, rtol_value), correct=None)
        analytic.append(product)
        numeric.append(estimate.value)
        errors.append(estimate.error)
        steps.append(estimate.step)
    k = len(directions)
    numeric_flat = np.concatenate(numeric)
    comparison = _Comparison(
        analytic=np.concatenate(analytic),
        numeric=numeric_flat,
        fd_error=np.concatenate(errors),
        step=np.concatenate(steps),
        scale=np.abs(numeric_flat),
        atol=np.full(numeric_flat.size, s.atol),
    )
    labels = [tree.label(j, f"(H v{r})") for r in range(k) for j in range(tree.size)]

    def index(flat_k: int) -> tuple[Any, ...]:
        r, j = divmod(flat_k, tree.size)
        return (*tree.leaf_of(j).path, r, *tree.array_index(j))

    return _judge(
        comparison,
        atol=s.atol,
        rtol=rtol_value,
        labels=labels,
        index=index,
        layout=lambda flat: tree.unflatten(flat.reshape(k, tree.size), (k,)),
        evaluations=grad_calls.count,
        method=_method(s.fixed_eps, False) + f" of grad along {k} direction(s)",
        what="Hessian-vector product",
        raise_exception=s.raise_exception,
    )
