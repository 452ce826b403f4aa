"""Finite differences and their error estimates: the numbers a check compares with.

Everything here works on the flat float64 vector of ``x``'s values (see
:mod:`linreg.gradcheck.trees`) and on ``f``'s flat output, ``M`` values.

* **Scales.** Coordinate ``j`` has its own size ``s_j = |x_j|`` (raised where
  f is too flat at that size to be read through rounding, see
  :func:`coordinate_scales`), and every step, noise probe and floor for it is
  taken in units of ``s_j``: a coordinate of size 1e-6 is checked as if it were
  of size 1.
* **Noise.** ``f`` is evaluated at six points ``x + k u`` (``k = ±1, ±2, ±3``)
  along one random direction ``u`` whose coordinate ``j`` is ``sqrt(eps) s_j``
  times a standard normal; high-order differences of those values are noise alone
  (Moré and Wild's ECnoise, bounded by a median estimate that a kink between the
  points cannot inflate, :func:`noise_of`). The analytic derivative's own noise
  is read at the same points. The same six values give the derivative along
  ``u``, good to about ``sqrt(eps)``: the reference against which a complex step
  is trusted (with two more points much closer to x if a kink lies between them).
* **Complex step.** ``Im f(x + i h e_j) / h`` at ``h = eps s_j``: no subtraction,
  so exact to rounding, one call per coordinate, for an ``f`` that is analytic.
* **Real differences.** A first pass of two central differences per coordinate,
  at ``h0 = 4 eps^(1/4) s_j`` and ``h0 / 2``, Richardson-extrapolated. The value
  passes there if it agrees with the analytic one within the tolerance and four
  times an error estimate that is honest about rounding but *optimistic* about
  truncation (a fourth-order term guessed from the second-order one). Every value
  the first pass does not pass is refined: steps keep halving until three
  successive changes of the difference quotient shrink as ``h^2`` (or within
  rounding) predicts, and the *bend* (forward minus backward difference, ``h f''``
  for a smooth f) shrinks with them; then the verdict is made on a third-order
  extrapolation with a conservative error. A bend that stays is a kink within the
  step: the steps leap eight-fold past it. Differences that never settle mean a
  kink closer than any usable step: the value is *undecided*, never a failure.
* **Ridders' tableau** along a direction, for ``fast=True`` and Hessian-vector
  products (:func:`ridders`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from linreg.gradcheck.calls import Calls
from linreg.gradcheck.results import SAFETY, InputModifiedError
from linreg.gradcheck.trees import Tree

__all__ = ["SAFETY", "Differencer", "Estimate", "NoComplexStep"]

# f(x) is taken to be correct to within this many ulps of its largest value, for the
# rounding model of a difference quotient: a sum in NumPy (pairwise) is usually within 2.
_ROUNDING_ULPS = 2.0
# f's noise is measured as a standard deviation; a value's rounding is taken as within this
# many of them (Gaussian tails: 3 is exceeded 0.3 % of the time).
_NOISE_SIGMAS = 3.0
_NOISE_HALF = 3  # f at x + k u, k = -3..3; its differences of order 3 to 5 are noise alone
_NOISE_ORDERS = (3, 4, 5)
# The floor: the analytic derivative may be off by FLOOR_F times f's noise over the
# coordinate's size, plus FLOOR_G times its own measured noise, without being wrong.
FLOOR_F = 4.0
FLOOR_G = 8.0
_RATIO = 2.0  # each step is half the one before
_MAX_ORDER = 3  # Ridders: cancel the h^2, h^4 and h^6 terms, no further (noise grows with order)
_MIN_STEPS = 4
_MAX_STEPS = 30
_MAX_HALVINGS = 48  # refinement: down to 2**-48 of the first step at most
_SEED = 20110101
# No coordinate is taken to be smaller than this: steps in units of it stay far above underflow.
_TINY_SCALE = math.sqrt(float(np.finfo(np.float64).tiny))


def tiny(eps: float) -> float:
    """The smallest normal number of the float type whose machine epsilon is eps: f's absolute resolution."""
    return float(np.finfo(np.float32 if eps >= np.finfo(np.float32).eps else np.float64).tiny)


@dataclass
class Estimate:
    """Derivatives of every output along one coordinate or direction (each of shape (M,))."""

    value: np.ndarray
    error: np.ndarray
    step: np.ndarray
    settled: np.ndarray  # False where the steps kept disagreeing (not smooth enough to judge)


class NoComplexStep(Exception):
    """``f`` cannot be differentiated by a complex step: why, in words."""


_ComplexWarning = getattr(getattr(np, "exceptions", np), "ComplexWarning", RuntimeWarning)


def coordinate_scales(
    tree: Tree, center: np.ndarray, analytic: np.ndarray | None, eps_work: np.ndarray
) -> np.ndarray:
    """Each coordinate's size: ``|x_j|``, unless f is too flat at that size to be read through rounding.

    The first pass reads coordinate j to a relative accuracy of about
    ``3 eps |f| / (h0 |g_j|)`` from rounding alone (``h0`` its first step, ``g_j`` the
    derivative). Where ``|x_j|`` is so small that this exceeds ``eps^(2/3)`` (a
    weight that happens to be 1e-5 in a loss of size 1), the size is raised to the
    one at which it does not, but never beyond ``max(1, |x_j|)``. A 0 has size 1
    unless f's scale says less.
    """
    x = np.abs(tree.values).astype(np.float64)
    ceiling = np.maximum(x, 1.0)
    if analytic is None:
        readable = ceiling
    else:
        size_f = float(np.max(np.abs(center))) if center.size else 0.0
        slope = np.max(np.abs(analytic), axis=0) if analytic.size else np.zeros_like(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            readable = 3 * eps_work * size_f / (slope * first_step_all(eps_work) * eps_work ** (2 / 3))
        readable[~np.isfinite(readable)] = np.inf
    scales = np.maximum(x, np.minimum(readable, ceiling))
    return np.maximum(scales, _TINY_SCALE)


def first_step_all(eps: np.ndarray) -> np.ndarray:
    return 4 * eps ** (1 / 4)


def noise_of(table: np.ndarray, robust_order: int) -> np.ndarray:
    """Noise standard deviation of values at equally spaced points (axis 0).

    ECnoise (the largest of the estimates from differences of order 3 to 5), unless a
    kink or a jump between the points inflates it: differences of order
    ``robust_order`` (2 for f, whose kinks are corners; 1 for a derivative, whose
    kinks are jumps) are then spread about their median by noise alone, save the one
    or two next to the kink, so their median absolute deviation bounds the noise.
    The estimate is the smaller of ECnoise and three times that.
    """
    sigma = np.zeros(table.shape[1:])
    diffs = table
    for k in range(1, table.shape[0]):
        diffs = np.diff(diffs, axis=0)
        if k in _NOISE_ORDERS:
            rms = np.sqrt(np.mean(diffs**2, axis=0))
            sigma = np.maximum(sigma, rms / math.sqrt(math.comb(2 * k, k)))
    low = np.diff(table, n=robust_order, axis=0)
    spread = np.median(np.abs(low - np.median(low, axis=0)), axis=0) / 0.6745
    robust = spread / math.sqrt(math.comb(2 * robust_order, robust_order))
    return np.minimum(sigma, 3 * robust)


# Least-squares weights for the slope c1 of (f(x + k u) - f(x - k u)) / 2 = c1 k + c3 k^3, k = 1..3.
_SLOPE_WEIGHTS = np.linalg.pinv(np.array([[k, k**3] for k in range(1, _NOISE_HALF + 1)], dtype=float))[0]


class Differencer:
    """Finite-difference derivatives of a function of the flat vector, one output array each."""

    def __init__(
        self,
        calls: Calls,
        tree: Tree,
        read: Callable[[Any, Callable[[], str]], np.ndarray],
        read_complex: Callable[[Any], np.ndarray],
        center: np.ndarray,
        eps_work: np.ndarray,
        *,
        fixed_eps: float | None,
        analytic: np.ndarray | None = None,
    ) -> None:
        self.calls, self.tree, self.read, self.read_complex = calls, tree, read, read_complex
        self.x0 = tree.values
        self.center = center  # f(x), flat float64 (M,)
        self.eps_work = eps_work  # (N,) machine epsilon each coordinate is computed to
        self.scale = coordinate_scales(tree, center, analytic, eps_work)
        self.fixed_eps = fixed_eps
        self.dtypes = [tree.leaf_of(j).dtype for j in range(tree.size)]
        rng = np.random.default_rng(_SEED)
        # The noise probe's direction: coordinate j moves by sqrt(eps_j) s_j times a normal, far
        # enough for every intermediate value of f to change its rounding between the points.
        self.u = rng.standard_normal(self.x0.size) * np.sqrt(eps_work) * self.scale
        self.points = [self._rounded(self.x0 + k * self.u) for k in range(-_NOISE_HALF, _NOISE_HALF + 1)]
        self._sigma: np.ndarray | None = None
        self.slope = np.zeros((1 + _NOISE_HALF, center.size))
        self.slope_error = np.full((1 + _NOISE_HALF, center.size), np.inf)

    # ------------------------------------------------------------------ noise
    @property
    def noise(self) -> np.ndarray:
        """Noise of each output of f near x, measured: a standard deviation, (M,)."""
        __tracebackhide__ = True
        if self._sigma is None:
            self.measure_noise(None)
        assert self._sigma is not None
        return self._sigma

    def measure_noise(self, analytic: np.ndarray | None) -> None:
        """f at x + k u, k = ±1..±3: its noise, and its derivative along u (with its error).

        ``analytic`` (M, N), if given, removes from the slope the part due to x + k u
        not being representable exactly in a float32 leaf.
        """
        __tracebackhide__ = True
        values = []
        for k, point in zip(range(-_NOISE_HALF, _NOISE_HALF + 1), self.points, strict=True):
            if k == 0:
                values.append(self.center)
                continue
            out = self._evaluate(point, lambda: "x (measuring f's noise)")
            if out is None:  # f not finite this close to x: measure nothing
                self._sigma = np.zeros_like(self.center)
                return
            values.append(out)
        table = np.stack(values)  # (7, M)
        self._sigma = noise_of(table, 2)
        odd = np.stack([(table[_NOISE_HALF + k] - table[_NOISE_HALF - k]) / 2 for k in range(1, 4)])
        if analytic is not None:
            # Where x + k u was rounded (float32), take out analytic . (actual - intended) offset.
            for k in range(1, _NOISE_HALF + 1):
                offset = (self.points[_NOISE_HALF + k] - self.points[_NOISE_HALF - k]) / 2 - k * self.u
                odd[k - 1] -= analytic @ offset
        eps = float(self.eps_work.max())
        sigma = np.maximum(self._sigma, _ROUNDING_ULPS * (eps * np.abs(self.center) + tiny(eps)))
        # Four estimates of the derivative along u: the fit over all six points (each odd part
        # carries noise sigma / sqrt(2), which the fit's weights spread), and each symmetric
        # difference alone, so that a kink between the outer points spoils one estimate, not all.
        ks = np.arange(1, _NOISE_HALF + 1)[:, None]
        self.slope = np.concatenate([(_SLOPE_WEIGHTS @ odd)[None], odd / ks])
        self.slope_error = np.concatenate(
            [(sigma / math.sqrt(2) * float(np.linalg.norm(_SLOPE_WEIGHTS)))[None], sigma / math.sqrt(2) / ks]
        )

    def close_slope(self, analytic: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The derivative along u from f at x +- eps^(1/6) u, 200 times closer to x than the noise
        probe's points (two more calls): a kink between those points is rarely between these."""
        __tracebackhide__ = True
        eps = float(self.eps_work.max())
        w = self.u * eps ** (1 / 6)
        up, down = self._rounded(self.x0 + w), self._rounded(self.x0 - w)
        f_up = self._evaluate(up, lambda: "x (measuring f's derivative along a random direction)")
        f_down = self._evaluate(down, lambda: "x (measuring f's derivative along a random direction)")
        if f_up is None or f_down is None:
            return np.zeros_like(self.center), np.full_like(self.center, np.inf)
        scale = eps ** (1 / 6)
        offset = (up - down) / 2 - w  # nonzero where a float32 leaf rounded x +- w
        slope = ((f_up - f_down) / 2 - analytic @ offset) / scale
        sigma = np.maximum(self.noise, _ROUNDING_ULPS * (eps * np.abs(self.center) + tiny(eps)))
        return slope, sigma / math.sqrt(2) / scale

    def analytic_noise(
        self, analytic_at: Callable[[np.ndarray], np.ndarray], center: np.ndarray
    ) -> np.ndarray:
        """Noise of the analytic derivative, measured at the noise probe's points: (M, N)."""
        __tracebackhide__ = True
        values = []
        for k, point in zip(range(-_NOISE_HALF, _NOISE_HALF + 1), self.points, strict=True):
            if k == 0:
                values.append(center)
                continue
            out = analytic_at(point)
            if out.shape != center.shape or not np.all(np.isfinite(out)):
                return np.zeros_like(center)
            values.append(out)
        self._analytic_sigma = noise_of(np.stack(values), 1)
        return self._analytic_sigma

    def floor(self, analytic_sigma: np.ndarray) -> np.ndarray:
        """The absolute allowance for rounding, (M, N): f's noise over each coordinate's size,
        and the analytic derivative's own noise."""
        __tracebackhide__ = True
        sigma_f = np.maximum(self.noise, float(self.eps_work.max()) * np.abs(self.center))
        return FLOOR_F * sigma_f[:, None] / self.scale[None, :] + FLOOR_G * analytic_sigma

    # ------------------------------------------------------------------ evaluating f
    def _evaluate(self, flat: np.ndarray, context: Callable[[], str]) -> np.ndarray | None:
        __tracebackhide__ = True
        out = self.read(self.calls(flat), context)
        if out.shape != self.center.shape:
            raise ValueError(
                f"{self.calls.role} returned {out.size} values at {context()} but {self.center.size} at x; "
                "its output must keep one shape"
            )
        return out if np.all(np.isfinite(out)) else None

    def _rounding(self, eps: float, f_up: np.ndarray, f_down: np.ndarray) -> np.ndarray:
        """How far each of f(x + h), f(x - h) may be from exact: the larger of a few ulps and 3 sigma."""
        ulps = _ROUNDING_ULPS * (eps * np.maximum(np.abs(f_up), np.abs(f_down)) + tiny(eps))
        return np.maximum(ulps, _NOISE_SIGMAS * self.noise)

    def _rounded(self, flat: np.ndarray) -> np.ndarray:
        # Values as f will see them: a float32 leaf cannot hold x + h exactly.
        out = flat.copy()
        for leaf in self.tree.leaves:
            if leaf.dtype != np.float64:
                part = out[leaf.start : leaf.start + leaf.size]
                out[leaf.start : leaf.start + leaf.size] = part.astype(leaf.dtype).astype(np.float64)
        return out

    def _coordinate_quotient(self, j: int) -> _Quotient:
        eps, dtype = float(self.eps_work[j]), self.dtypes[j]

        def quotient(h: float) -> tuple[np.ndarray, float, np.ndarray, np.ndarray] | None:
            __tracebackhide__ = True
            up, down = self.x0.copy(), self.x0.copy()
            up[j] = float(np.asarray(self.x0[j] + h, dtype=dtype))
            down[j] = float(np.asarray(self.x0[j] - h, dtype=dtype))
            actual = (up[j] - down[j]) / 2
            if actual == 0:
                raise _StepVanished
            f_up = self._evaluate(up, lambda: f"{self.tree.label(j)} + {h:.3g}")
            f_down = self._evaluate(down, lambda: f"{self.tree.label(j)} - {h:.3g}")
            if f_up is None or f_down is None:
                return None
            # f's rounding is read off its values, but a value can be small because larger
            # terms cancel (x1^3 + x2^3 = 0), each rounded at its own size: f then rounds at
            # least as a term of about |x_j| times its slope does, an ulp of x_j's share of f.
            share = _ROUNDING_ULPS * eps * abs(float(self.x0[j])) * np.abs(f_up - f_down) / (2 * actual)
            noise = np.maximum(self._rounding(eps, f_up, f_down), share) / actual
            # The bend: forward minus backward difference, h f'' for a smooth f (it halves with
            # h), the jump in slope for a kink between x - h and x + h (it stays).
            bend = (f_up + f_down - 2 * self.center) / actual
            return (f_up - f_down) / (2 * actual), actual, noise, bend

        return quotient

    # ------------------------------------------------------------------ real differences, per coordinate
    def real_coordinate(
        self, j: int, analytic: np.ndarray, tolerance: Callable[[np.ndarray], np.ndarray]
    ) -> Estimate:
        """Derivatives of every output in coordinate j: a first pass, refined where it does not pass.

        ``analytic`` (M,) is the value under test; ``tolerance(value)`` what it may differ by
        besides the finite differences' own error (atol, the floor, rtol).
        """
        __tracebackhide__ = True
        quotient = self._coordinate_quotient(j)
        h0 = first_step(float(self.eps_work[j])) * float(self.scale[j])
        if self.fixed_eps is not None:
            return self._fixed(quotient, self.fixed_eps * max(1.0, abs(float(self.x0[j]))), j)
        return refine(quotient, h0, analytic, tolerance, lambda: self.tree.label(j))

    def _fixed(self, quotient: Callable[[float], Any], h: float, j: int) -> Estimate:
        """One central difference at step h; its error estimated from a second one at 2h."""
        __tracebackhide__ = True
        try:
            near, far = quotient(h), quotient(2 * h)
        except _StepVanished:
            near = far = None
        if near is None or far is None:
            raise ValueError(
                f"f is not finite at {self.tree.label(j)} plus or minus the step {h:.3g} (or twice it)"
            )
        value, actual, noise = near[:3]
        # Truncation falls as h^2: D(h) - D(2h) is 3 times D(h)'s truncation error.
        error = np.maximum(np.abs(value - far[0]) / 3, noise)
        return Estimate(value, error, np.full_like(value, actual), np.ones(value.shape, dtype=bool))

    # ------------------------------------------------------------------ complex step
    def complex_along(self, displacement: np.ndarray, h: float, where: Callable[[], str]) -> np.ndarray:
        """``Im f(x + i h d) / h`` for a displacement d (flat): the derivative along d, (M,)."""
        __tracebackhide__ = True
        # Rounded as f will see it: a float32 leaf becomes complex64.
        point = self.x0 + 1j * self._rounded(h * displacement)
        try:
            # Dropping the imaginary part only warns in NumPy; make it the error it is here.
            with warnings.catch_warnings():
                warnings.simplefilter("error", _ComplexWarning)
                out = self.calls(point)
        except InputModifiedError:
            raise
        except (TypeError, ValueError, _ComplexWarning) as exc:
            raise NoComplexStep(f"it raised {type(exc).__name__}: {exc}") from exc
        flat = self.read_complex(out)
        if flat.shape != self.center.shape:
            raise ValueError(
                f"{self.calls.role} returned {flat.size} values for a complex x but {self.center.size} at x"
            )
        if not np.all(np.isfinite(flat)):
            raise ValueError(f"{self.calls.role} is not finite at {where()} + {h:.3g}i (complex step)")
        return flat.imag / h

    def complex_coordinate(self, j: int) -> Estimate:
        __tracebackhide__ = True
        eps, scale = float(self.eps_work[j]), float(self.scale[j])
        h = (self.fixed_eps if self.fixed_eps is not None else eps) * scale
        value = self.complex_along(_unit(self.x0.size, j), h, lambda: self.tree.label(j))
        return Estimate(
            value,
            self.complex_coordinate_error(value, h, j),
            np.full_like(value, h),
            np.ones(value.shape, dtype=bool),
        )

    def complex_coordinate_error(self, value: np.ndarray, h: float, j: int) -> np.ndarray:
        """The error of a complex step in coordinate j (:func:`complex_error`), and at least three
        times the analytic derivative's measured noise there: the imaginary part sums the
        derivative's terms as the analytic derivative does, in the same precision, so where they
        cancel (c a cos(a x) + x near 0) it rounds as they do."""
        error = complex_error(value, float(self.eps_work[j]), h, np.abs(self.center) / float(self.scale[j]))
        analytic_sigma = getattr(self, "_analytic_sigma", None)
        if analytic_sigma is not None and analytic_sigma.ndim == 2 and analytic_sigma.shape[1] > j:
            error = np.maximum(error, _NOISE_SIGMAS * analytic_sigma[:, j])
        return error

    # ------------------------------------------------------------------ along a direction (Ridders)
    def direction(
        self, v: np.ndarray, tolerance: Callable[[np.ndarray], np.ndarray], correct: np.ndarray | None
    ) -> Estimate:
        """Derivatives of every output along v (a flat vector in x's units), by Ridders' method.

        ``correct`` (M, N), the analytic derivative if known, removes the part of
        each difference due to x + t v not being representable exactly (float32).
        """
        __tracebackhide__ = True
        eps = float(self.eps_work.max())

        def where() -> str:
            return "x along a random direction"

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
            near, far = quotient(self.fixed_eps), quotient(2 * self.fixed_eps)
            if near is None or far is None:
                raise ValueError(f"f is not finite at {where()} plus or minus the step {self.fixed_eps:.3g}")
            error = np.maximum(np.abs(near[0] - far[0]) / 3, near[2])
            return Estimate(near[0], error, np.full_like(near[0], near[1]), np.ones(near[0].shape, bool))
        return ridders(quotient, first_step(eps), tolerance, where)


class _StepVanished(Exception):
    """x +- h rounds to x: no smaller step exists."""


def _unit(size: int, j: int) -> np.ndarray:
    e = np.zeros(size)
    e[j] = 1.0
    return e


def complex_error(value: np.ndarray, eps: float, h: float, f_size: np.ndarray) -> np.ndarray:
    """A complex step's error: rounding (or underflow) of its imaginary part, over h.

    The imaginary part carries the rounding of the terms of f, about ``eps |f| / s``
    for a coordinate of size s (``f_size``), as well as its own. Truncation,
    ``h^2 f''' / 6`` relative, is below both.
    """
    return _ROUNDING_ULPS * (eps * (np.abs(value) + f_size) + tiny(eps) / h)


def first_step(eps: float) -> float:
    """The first step, relative to a coordinate's size: 4.9e-4 in float64, 0.074 in float32.

    Two central differences at h and h/2, extrapolated, have truncation error about
    h^4 / 480 (for a function varying on the scale of the coordinate) and rounding
    about 3 eps / h; they would balance near h = 4 eps^(1/5). The first step is smaller,
    ``4 eps^(1/4)``: truncation then falls far below rounding (1e-16 against 1.4e-12 in
    float64), so the first pass reads a smooth f to 1.4e-12, and a kink 1e-3 away is not
    crossed.
    """
    return 4 * eps ** (1 / 4)


# ---------------------------------------------------------------------------- first pass and refinement
# One central difference at step h: (D of shape (M,), the step actually taken, D's rounding error,
# and, for a coordinate, the bend), or None where f was not finite.
_Quotient = Callable[[float], "tuple[np.ndarray, float, np.ndarray, np.ndarray] | None"]
_DirectionQuotient = Callable[[float], "tuple[np.ndarray, float, np.ndarray] | None"]


def refine(
    quotient: _Quotient,
    h0: float,
    analytic: np.ndarray,
    tolerance: Callable[[np.ndarray], np.ndarray],
    where: Callable[[], str],
) -> Estimate:
    """Central differences at h0, h0/2, ...: a first pass of two, then only as many as a verdict needs.

    The first pass extrapolates D(h0) and D(h0/2) to ``R = (4 D(h0/2) - D(h0)) / 3``.
    Its error is taken as its rounding plus a *guess* of its truncation: the fourth-order
    term is assumed to be to the second-order one as that is to the value (a geometric
    series), ``(4/9) |D(h0) - D(h0/2)|^2 / |D(h0/2)|``, at most ``|D(h0) - D(h0/2)| / 3``.
    Outputs that pass with it are done. Where the guess is wrong, the value only fails
    the first pass and is refined, so the guess costs calls, never a false alarm.

    Refinement halves the step until the last three changes of D shrink as ``h^2`` does
    (each at most half the one before, beyond rounding): the steps are then in the range
    where D's error is a power series in h, and the verdict is made on the third-order
    extrapolation of the last three, with the distance to the second-order one as its
    error. Differences that never settle before rounding swamps them (a kink closer to x
    than the steps) leave the output undecided.
    """
    __tracebackhide__ = True
    m = analytic.shape[0]
    seq: list[tuple[np.ndarray, float, np.ndarray, np.ndarray]] = []
    h = h0
    halvings = 0
    smallest = h0
    leap = False  # once past the first pass: skip ahead while the steps straddle a kink
    decided = np.zeros(m, dtype=bool)

    def take() -> bool:
        nonlocal h, halvings, smallest
        while halvings < _MAX_HALVINGS:
            smallest = h
            try:
                got = quotient(h)
            except _StepVanished:
                halvings = _MAX_HALVINGS
                return False
            h /= _RATIO
            halvings += 1
            if got is None:
                seq.clear()  # restart below the step that left f's domain
                continue
            seq.append(got)
            if leap and len(seq) >= 2 and _straddles(seq[-2], seq[-1], ~decided):
                # The bend did not shrink with the step: a kink lies within it. Steps that
                # straddle it teach nothing, so the next is eight times smaller, not two, and
                # the run starts afresh there.
                h /= _LEAP / _RATIO
                halvings += 2
                seq.clear()
            return True
        return False

    while len(seq) < 2 and take():
        pass
    value = np.full(m, np.nan)
    error = np.full(m, np.inf)
    step = np.full(m, np.nan)
    if len(seq) == 2:
        (d0, _, r0, _), (d1, h1, r1, _) = seq
        R = (4 * d1 - d0) / 3
        delta = np.abs(d0 - d1)
        with np.errstate(divide="ignore", invalid="ignore"):
            guess = np.where(np.abs(d1) > 0, (4 / 9) * delta**2 / np.abs(d1), delta / 3)
        e = np.maximum((4 * r1 + r0) / 3, np.minimum(guess, delta / 3))
        ok = np.abs(analytic - R) <= tolerance(R) + SAFETY * e
        value[ok], error[ok], step[ok], decided[ok] = R[ok], e[ok], h1, True
    leap = True
    while not decided.all() and take():
        if len(seq) < 4:
            continue
        D = np.stack([q[0] for q in seq])  # (k + 1, M)
        r = np.stack([q[2] for q in seq])
        hs = np.array([q[1] for q in seq])
        bends = np.abs(np.stack([q[3] for q in seq]))
        # Step i continues the run of i - 2 and i - 1 if D changed by rounding only, or by a
        # twentieth to a half of its change before (h^2 predicts a quarter, h^4 a sixteenth).
        # Steps across a kink change D by growing or erratic amounts, and break the run.
        change = np.abs(np.diff(D, axis=0))  # change[i - 1] = |D_i - D_{i-1}|
        noise = 2 * (r[2:] + r[1:-1])
        now, before = change[1:], change[:-1]
        continues = (now <= noise) | ((now <= 0.5 * before + noise) & (now >= before / 20 - noise))
        k = len(seq) - 1
        A = (4 * D[1:] - D[:-1]) / 3  # A[i - 1] from steps i - 1, i
        rho_a = (4 * r[1:] + r[:-1]) / 3
        B = (16 * A[1:] - A[:-1]) / 15  # B[i - 2] from steps i - 2, i - 1, i
        rho_b = (16 * rho_a[1:] + rho_a[:-1]) / 15
        err_b = np.maximum(np.abs(B - A[1:]), rho_b)
        for o in np.flatnonzero(~decided):
            broken = np.flatnonzero(~continues[:, o])
            start = int(broken[-1]) + 1 if broken.size else 0  # the run is steps start..k
            if k - start < 3:
                continue
            # The best third-order extrapolation within the run. Its error: its distance to the
            # second-order one and to its neighbours in the run, or its rounding, whichever is
            # largest. A settled run at the larger steps has the least rounding.
            window = np.arange(start, k - 1)  # B indices whose three steps lie in the run
            errors = err_b[window, o].copy()
            column = B[window, o]
            errors[1:] = np.maximum(errors[1:], np.abs(column[1:] - column[:-1]))
            errors[:-1] = np.maximum(errors[:-1], np.abs(column[:-1] - column[1:]))
            pick = int(np.argmin(errors))
            best = int(window[pick])
            # Decided when the value fails by more than its error, or when its error is within
            # the tolerance or down to rounding (smaller steps cannot do better). An error far
            # above rounding means the run is not settled yet (steps still near a kink).
            gap = abs(float(analytic[o] - B[best, o]))
            tol = float(tolerance(B[best])[o])
            # And only where the bend shrank across the window, as for a smooth f: a bend that
            # stays is a kink at x itself, closer than any step (D is then the mean of the two
            # slopes at every step, steady and wrong).
            bend_noise = 4 * (r[best, o] + r[best + 2, o])
            smooth_here = bends[best + 2, o] <= 0.6 * bends[best, o] + bend_noise
            allowance = SAFETY * errors[pick]
            # A pass that allows a tenth of the value or more says nothing: keep looking, or abstain.
            vague = allowance > max(tol, 0.1 * max(abs(float(B[best, o])), abs(float(analytic[o]))))
            settled_now = smooth_here and (
                gap > tol + allowance
                or allowance <= tol
                or (errors[pick] <= 4 * rho_b[best, o] and not vague)
            )
            if settled_now:
                value[o], error[o], step[o], decided[o] = B[best, o], errors[pick], hs[best + 2], True
        # Rounding alone a thousand times larger than every number in sight: nothing more to learn.
        d3, r3 = D[-1], r[-1]
        hopeless = r3 > 1e3 * (np.abs(d3) + np.abs(analytic) + tolerance(d3))
        if len(seq) >= 4:
            # A bend that persists (a kink closer than the step) while D's rounding already exceeds an
            # eighth of it: below the kink, D would be too noisy to tell a slope from the other.
            hopeless |= (bends[-1] >= 0.5 * bends[-4]) & (r[-1] > bends[-1] / 8)
        if np.all(decided | hopeless):
            break
    if not seq and not decided.any():
        raise ValueError(
            f"f is not finite on both sides of {where()} for any step from {h0:.3g} down to {smallest:.3g}; "
            "gradcheck needs f to be finite near x"
        )
    if not decided.all():
        # The best guess where the steps never settled: the last difference, its spread as error.
        last = seq[-1][0] if seq else np.full(m, np.nan)
        spread = (
            np.max([np.abs(s[0] - last) for s in seq[-4:]], axis=0) if len(seq) > 1 else np.full(m, np.inf)
        )
        rest = ~decided
        value[rest] = last[rest]
        error[rest] = spread[rest]
        step[rest] = seq[-1][1] if seq else smallest
    return Estimate(value, error, step, decided)


_LEAP = 8.0


def _straddles(before: tuple[Any, ...], after: tuple[Any, ...], undecided: np.ndarray) -> bool:
    """Whether every undecided output's bend stayed (over 0.7 of itself) from one step to the next,
    well above rounding: both steps straddle a kink."""
    (_, _, r0, b0), (_, _, r1, b1) = before, after
    stays = (np.abs(b1) >= 0.7 * np.abs(b0)) & (np.abs(b1) > 8 * (r0 + r1))
    return bool(np.all(stays[undecided])) and bool(undecided.any())


def ridders(
    quotient: _DirectionQuotient,
    h0: float,
    target: Callable[[np.ndarray], np.ndarray],
    where: Callable[[], str],
) -> Estimate:
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
                rounding = (row_noise[j - 1] * factor + prev_noise[j - 1]) / (factor - 1)
                error = np.maximum(
                    np.maximum(np.abs(value - row[j - 1]), np.abs(value - prev[j - 1])), rounding
                )
                row.append(value)
                row_noise.append(rounding)
                better = error < best_err
                best[better], best_err[better], best_step[better] = value[better], error[better], actual
        prev, prev_noise = row, row_noise
        disagreement = np.maximum(np.abs(best - row[-1]) - row_noise[-1], 0.0)
        disagreement[~np.isfinite(disagreement)] = np.inf
        settled = np.maximum(best_err, disagreement)
        if k + 1 >= _MIN_STEPS and np.all(np.isfinite(settled)):
            done = (settled <= target(best)) | (noise * _RATIO > best_err)
            if np.all(done):
                break
    if best is None or settled is None or best_step is None or not np.all(np.isfinite(settled)):
        raise ValueError(
            f"f is not finite on both sides of {where()} for any step from {h0:.3g} down to {smallest:.3g}; "
            "gradcheck needs f to be finite near x"
        )
    return Estimate(best, settled, best_step, np.ones(best.shape, dtype=bool))
