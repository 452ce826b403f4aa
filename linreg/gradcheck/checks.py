"""The public checks: :func:`gradcheck`, :func:`hessian_check`, :func:`hvp_check`, :func:`numerical_gradient`.

Each one reads its arguments (:mod:`~linreg.gradcheck.calls`), flattens ``x``
(:mod:`~linreg.gradcheck.trees`), estimates the derivative
(:mod:`~linreg.gradcheck.differences`) and judges it
(:mod:`~linreg.gradcheck.results`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np

from linreg._validation import as_real_array
from linreg.gradcheck import calls as arguments
from linreg.gradcheck.calls import Calls, first_bad, output_eps, read_output
from linreg.gradcheck.differences import (
    SAFETY,
    Differencer,
    Estimate,
    NoComplexStep,
    complex_error,
)
from linreg.gradcheck.results import Comparison, GradcheckResult, judge
from linreg.gradcheck.trees import Tree, format_index

__all__ = ["gradcheck", "hessian_check", "hvp_check", "numerical_gradient"]


# ---------------------------------------------------------------------------- numerical_gradient
def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of ``f`` at ``x``, one fixed step per coordinate.

    Parameters
    ----------
    f : callable
        Takes an array of the shape of ``x``, returns a finite real scalar. It is
        given a fresh float64 copy each call and may not keep it.
    x : array_like of any shape
    eps : float, default 1e-6
        Relative step: coordinate i moves by ``eps * max(1, |x_i|)``.

    Returns
    -------
    ndarray of the shape of ``x``

    Raises
    ------
    TypeError
        ``f`` returned something that is not a real number (``None``, a string, a
        complex number); the message names the point.
    ValueError
        ``f`` returned NaN or an infinity, or more than one value; the message names the point.

    Examples
    --------
    >>> numerical_gradient(lambda v: float(v @ v), np.array([1.0, -2.0])).round(6).tolist()
    [2.0, -4.0]
    """
    __tracebackhide__ = True
    x = as_real_array(x, "x").copy()
    eps = arguments.positive(eps, "eps")
    arguments.callable_(f, "f")
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        h = eps * max(1.0, abs(float(x[i])))
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        name = f"x{format_index(tuple(int(k) for k in i))}"
        f_up = _scalar(f(up), f"x with {name} + {h:.3g}")
        f_down = _scalar(f(down), f"x with {name} - {h:.3g}")
        # Divide by the step actually taken, which rounding may have changed.
        grad[i] = (f_up - f_down) / (up[i] - down[i])
    return grad


def _scalar(value: object, where: str) -> float:
    __tracebackhide__ = True
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"f must return a real number, got bool {value!r} at {where}")
    array = read_output(value, "f", allow_complex=False, where=where)
    if array.size != 1:
        raise ValueError(f"f must return a scalar, got shape {array.shape} at {where}")
    number = float(array.reshape(()))
    if not math.isfinite(number):
        raise ValueError(f"f returned {number} at {where}; it must be finite near x")
    return number


# ---------------------------------------------------------------------------- shared set-up
@dataclass
class _Setup:
    tree: Tree
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    fixed_eps: float | None
    atol: float
    rtol: float | None
    complex_step: bool | None
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
        arguments.callable_(fn, name)
    extra_args, extra_kwargs = arguments.extra_arguments(args, kwargs)
    fixed_eps = None if eps is None else arguments.positive(eps, "eps")
    atol_value = arguments.tolerance(atol, "atol")
    rtol_value = arguments.tolerance(rtol, "rtol")
    use_complex = arguments.optional_flag(complex_step, "complex_step")
    raising = arguments.flag(raise_exception, "raise_exception")
    tree = Tree(x, "x")
    return _Setup(
        tree, extra_args, extra_kwargs, fixed_eps, atol_value or 0.0, rtol_value, use_complex, raising
    )


def _working_eps(tree: Tree, out_eps: float) -> np.ndarray:
    # Each coordinate is computed to the coarser of its own type's and f's output's precision,
    # and never finer than float64 (the flat vector is float64).
    floor = max(out_eps, float(np.finfo(np.float64).eps))
    per_leaf = [max(float(np.finfo(leaf.dtype).eps), floor) for leaf in tree.leaves]
    return np.repeat(per_leaf, [leaf.size for leaf in tree.leaves])


# The analytic derivative's own rounding, relative: 2^7 ulps of the working precision
# (2.8e-14 in float64, 1.5e-5 in float32). Its random part is measured besides (the floor).
_RTOL_ULPS = 128.0


def default_rtol(eps_work: np.ndarray) -> float:
    """``rtol``'s default: 128 machine epsilons of the coarsest float type in play."""
    return _RTOL_ULPS * float(eps_work.max())


def _dropped_imaginary(role: str, dtype: object) -> TypeError:
    return TypeError(
        f"complex_step=True needs {role} to carry the imaginary part through, but it returned "
        f"{dtype} for a complex x (abs, float(), .real or np.maximum drop it)"
    )


# ---------------------------------------------------------------------------- estimating every column
@dataclass
class _Columns:
    numeric: np.ndarray  # (M, N)
    fd_error: np.ndarray
    step: np.ndarray
    settled: np.ndarray
    floor: np.ndarray
    method: str
    note: str


def _columns(
    differencer: Differencer,
    analytic: np.ndarray,
    analytic_at: Callable[[np.ndarray], np.ndarray],
    s: _Setup,
    rtol: float,
) -> _Columns:
    """Every column of the derivative: the complex step where it is safe, else real differences."""
    __tracebackhide__ = True
    tree = differencer.tree
    n = tree.size
    role = differencer.calls.role
    differencer.measure_noise(analytic)
    floor = differencer.floor(differencer.analytic_noise(analytic_at, analytic))
    atol = s.atol + floor  # (M, N)

    def tolerance(j: int) -> Callable[[np.ndarray], np.ndarray]:
        return lambda value: atol[:, j] + rtol * np.abs(value)

    def real(j: int) -> Estimate:
        __tracebackhide__ = True
        return differencer.real_coordinate(j, analytic[:, j], tolerance(j))

    note = ""
    estimates: list[Estimate] | None = None
    method = ""
    if s.complex_step or (s.complex_step is None and s.fixed_eps is None):
        try:
            estimates, method, note = _complex_columns(differencer, analytic, atol, s, rtol, tolerance, real)
        except NoComplexStep as exc:
            if s.complex_step:
                raise TypeError(
                    f"complex_step=True needs {role} to accept complex input, but {exc}"
                ) from None
            estimates = None
    if estimates is None:
        estimates = [real(j) for j in range(n)]
        method = (
            f"central differences at the fixed step eps={s.fixed_eps:g}"
            if s.fixed_eps is not None
            else "central differences (two steps, Richardson-extrapolated, refined where undecided)"
        )
    return _Columns(
        numeric=np.stack([e.value for e in estimates], axis=1),
        fd_error=np.stack([e.error for e in estimates], axis=1),
        step=np.stack([e.step for e in estimates], axis=1),
        settled=np.stack([e.settled for e in estimates], axis=1),
        floor=floor,
        method=method,
        note=note,
    )


def _complex_columns(
    differencer: Differencer,
    analytic: np.ndarray,
    atol: np.ndarray,
    s: _Setup,
    rtol: float,
    tolerance: Callable[[int], Callable[[np.ndarray], np.ndarray]],
    real: Callable[[int], Estimate],
) -> tuple[list[Estimate] | None, str, str]:
    """The complex step, once f is seen to be analytic: its derivative along the noise probe's
    direction must agree with the real one fitted from the probe's values."""
    __tracebackhide__ = True
    role = differencer.calls.role
    u = differencer.u
    eps = float(differencer.eps_work.max())
    t = math.sqrt(eps)  # the probe's direction u is sqrt(eps) s_j: x moves by about eps s_j
    # f's terms change along u by about |f| max_j |u_j| / s_j per unit: the probe's rounding.
    along_u = np.abs(differencer.center) * float(np.max(np.abs(u) / differencer.scale))
    probe = differencer.complex_along(u, t, lambda: "x along a random direction")
    base = (
        SAFETY * complex_error(probe, eps, t, along_u)
        + atol @ np.abs(u)
        + rtol * (np.abs(analytic) @ np.abs(u))
    )
    allowed = base + SAFETY * differencer.slope_error  # (4, M)
    # f is taken as analytic where one of the real estimates along u agrees with the probe; if none
    # does, one more, from two points much closer to x (a kink may lie between the others).
    gap = np.abs(probe - differencer.slope)  # (4, M)
    agrees = (gap <= allowed).any(axis=0)
    if not np.all(agrees):
        close, close_error = differencer.close_slope(analytic)
        agrees |= np.abs(probe - close) <= base + SAFETY * close_error
    if not np.all(agrees):
        k = int(np.argmax(~agrees))
        message = (
            f"{role} is not analytic near x: along a random direction its complex step gives "
            f"{probe[k]:.9g} but real differences give {differencer.slope[0, k]:.9g} "
            f"(within {SAFETY * differencer.slope_error[0, k]:.2g} abs); abs, .real, comparisons or "
            "float() break the complex step"
        )
        if s.complex_step:
            raise ValueError(f"complex_step=True refused: {message}; use complex_step=False")
        return None, "", f"No complex step: {message}; real differences used."
    n = differencer.tree.size
    if n == 1:
        h = t * abs(float(u[0]))
        value = probe / u[0]
        error = differencer.complex_coordinate_error(value, h, 0)
        estimates = [Estimate(value, error, np.full_like(value, h), np.ones_like(value, bool))]
    else:
        estimates = [differencer.complex_coordinate(j) for j in range(n)]
    method = "complex step (f seen to be analytic along a random direction)"
    note = ""
    for j, est in enumerate(estimates):
        tol = tolerance(j)(est.value)
        if np.all(np.abs(analytic[:, j] - est.value) <= tol + SAFETY * est.error):
            continue
        # A failure by the complex step is confirmed by real differences, so that an f that
        # is not analytic in this coordinate alone cannot raise a false alarm.
        check = real(j)
        conflict = check.settled & (
            np.abs(check.value - est.value) > SAFETY * (check.error + est.error) + tol
        )
        if conflict.any():
            k = int(np.argmax(conflict))
            message = (
                f"{role} is not analytic in {differencer.tree.label(j)}: its complex step gives "
                f"{est.value[k]:.9g} but real differences give {check.value[k]:.9g} "
                f"(within {SAFETY * check.error[k]:.2g} abs)"
            )
            if s.complex_step:
                raise ValueError(f"complex_step=True refused: {message}; use complex_step=False")
            estimates[j] = check
            note = f"{message}: real differences used there."
            method = "complex step, real differences where f is not analytic"
        else:
            estimates[j] = Estimate(est.value, est.error, est.step, check.settled)
    return estimates, method, note


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
    complex_step: bool | None = None,
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
        per value (the complex step's, with ``complex_step=True``). Default: steps
        from each coordinate's own size and float type, refined where needed.
    atol : float, optional
        Absolute tolerance on top of the measured floor; default 0.
    rtol : float, optional
        Relative tolerance; default 128 machine epsilons of the coarsest float type
        among ``x``'s values and ``f(x)`` (2.8e-14 for float64, 1.5e-5 for float32).
    complex_step : bool, optional
        ``None`` (default): the complex step ``Im f(x + ih) / h`` wherever ``f``
        accepts complex input and is seen to be analytic, real differences
        otherwise. ``True``: the complex step or a one-line error saying why not.
        ``False``: real differences only.
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
        Raise on failure (:class:`GradcheckError`) or abstention
        (:class:`NotSmoothEnough`); otherwise return the result.

    Returns
    -------
    GradcheckResult

    Raises
    ------
    GradcheckError
        A value is outside its allowance (with ``raise_exception``).
    NotSmoothEnough
        No value is off, but ``f`` is not smooth enough at ``x`` to judge some
        (a kink closer to ``x`` than any usable step), with ``raise_exception``.
    ValueError
        ``grad(x)`` does not have ``x``'s structure or shapes (the message
        names both); ``f`` or ``grad`` modified its input; ``f`` is not finite
        at ``x``; a tolerance is negative; ``complex_step=True`` for an ``f`` that
        is not analytic.
    TypeError
        An argument of the wrong type (the message names it); ``f`` returned
        something that is not a number.

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
    n_directions = arguments.count(n_directions, "n_directions")
    fast = arguments.flag(fast, "fast")
    if not isinstance(seed, Integral) or isinstance(seed, bool):
        raise TypeError(f"seed must be an integer, got {type(seed).__name__} {seed!r}")
    tree = s.tree
    f_calls = Calls(f, "f", tree, s.args, s.kwargs)
    grad_calls = Calls(grad, "grad", tree, s.args, s.kwargs)

    center_raw = read_output(f_calls(tree.values), "f", allow_complex=False)
    out_shape = center_raw.shape
    center = center_raw.astype(np.float64).ravel()
    if not np.all(np.isfinite(center)):
        raise ValueError(f"f(x) is not finite ({first_bad(center)}); gradcheck needs f finite at x")

    analytic_raw = grad_calls(tree.values)
    lead = _jacobian_lead(tree, analytic_raw, out_shape)
    analytic = tree.flatten_like(analytic_raw, "grad(x)", lead)  # (M, N)
    if not np.all(np.isfinite(analytic)):
        raise ValueError(f"grad(x) is not finite ({first_bad(analytic.ravel())}); it must be finite at x")

    eps_work = _working_eps(tree, output_eps(center_raw))
    rtol_value = default_rtol(eps_work) if s.rtol is None else s.rtol
    what = "gradient" if center.size == 1 and lead == () else "Jacobian"

    def read(out: object, where: Callable[[], str] = lambda: "x") -> np.ndarray:
        __tracebackhide__ = True
        return read_output(out, "f", allow_complex=False, where=where()).astype(np.float64).ravel()

    def read_complex(out: object) -> np.ndarray:
        __tracebackhide__ = True
        array = read_output(out, "f", allow_complex=True, where="a complex x")
        if array.dtype.kind != "c":
            raise NoComplexStep(
                f"it returned {array.dtype} for a complex x (abs, float(), .real or np.maximum drop "
                "the imaginary part)"
            )
        return array.astype(np.complex128).ravel()

    differencer = Differencer(
        f_calls, tree, read, read_complex, center, eps_work, fixed_eps=s.fixed_eps, analytic=analytic
    )

    def analytic_at(flat: np.ndarray) -> np.ndarray:
        __tracebackhide__ = True
        return tree.flatten_like(grad_calls(flat), "grad(x)", lead)

    note = ""
    if fast:
        quick = _directional(
            differencer, analytic, tree, n_directions, seed, s.atol, rtol_value, f_calls, s.raise_exception
        )
        if quick.passed:
            return quick
        note = (
            f"A fast check came first: the derivative along random direction(s) disagreed "
            f"({quick.describe()}); the full check above names the values."
        )

    cols = _columns(differencer, analytic, analytic_at, s, rtol_value)
    comparison = Comparison(
        analytic=analytic.ravel(),
        numeric=cols.numeric.ravel(),
        fd_error=cols.fd_error.ravel(),
        step=cols.step.ravel(),
        scale=np.abs(cols.numeric).ravel(),
        atol=np.full(cols.numeric.size, s.atol),
        floor=cols.floor.ravel(),
        settled=cols.settled.ravel(),
    )
    rows = math.prod(lead)
    labels, index = _jacobian_names(tree, lead)
    return judge(
        comparison,
        atol=s.atol,
        rtol=rtol_value,
        labels=labels,
        index=index,
        layout=lambda flat: tree.unflatten(flat.reshape(rows, tree.size), lead),
        evaluations=f_calls.count,
        method=cols.method,
        what=what,
        raise_exception=s.raise_exception,
        note=" ".join(part for part in (note, cols.note) if part),
    )


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


def _directional(
    differencer: Differencer,
    analytic: np.ndarray,
    tree: Tree,
    n_directions: int,
    seed: int,
    atol: float,
    rtol: float,
    f_calls: Calls,
    raise_exception: bool,
) -> GradcheckResult:
    """grad(x) . v against the derivative of f along v, for random directions v."""
    __tracebackhide__ = True
    rng = np.random.default_rng(seed)
    # Each coordinate moves in proportion to its own size, as in the full check.
    directions = rng.standard_normal((n_directions, tree.size)) * differencer.scale
    floor = differencer.floor(np.zeros_like(analytic))
    values, errors, steps, predicted, scales, atols = [], [], [], [], [], []
    for v in directions:
        terms = analytic * v  # (M, N)
        dot_scale = np.abs(terms).sum(axis=1)
        dot_atol = atol * float(np.abs(v).sum()) + floor @ np.abs(v)
        estimate = differencer.direction(v, _target(dot_atol, rtol, dot_scale), correct=analytic)
        values.append(estimate.value)
        errors.append(estimate.error)
        steps.append(estimate.step)
        predicted.append(terms.sum(axis=1))
        scales.append(dot_scale)
        atols.append(dot_atol)
    comparison = Comparison(
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
    return judge(
        comparison,
        atol=atol,
        rtol=rtol,
        labels=labels,
        index=lambda k: (k,),
        layout=lambda flat: flat.copy(),
        evaluations=f_calls.count,
        method=f"Ridders' extrapolated central differences along {n_directions} random direction(s)",
        what="directional derivative",
        raise_exception=False,
    )


def _target(
    atol: np.ndarray | float, rtol: float, scale: np.ndarray | None
) -> Callable[[np.ndarray], np.ndarray]:
    # Refine the differences until SAFETY * their error is at most half the tolerance
    # (relative to scale, or to the value itself).
    def target(value: np.ndarray) -> np.ndarray:
        return (atol + rtol * (np.abs(value) if scale is None else scale)) / (2 * SAFETY)

    return target


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
    complex_step: bool | None = None,
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
    grad_calls = Calls(grad, "grad", tree, s.args, s.kwargs)
    hess_calls = Calls(hess, "hess", tree, s.args, s.kwargs)

    def read(out: object, where: Callable[[], str] = lambda: "x") -> np.ndarray:
        __tracebackhide__ = True
        return tree.flatten_like(out, "grad(x)").ravel()

    def read_complex(out: object) -> np.ndarray:
        __tracebackhide__ = True
        for leaf in _leaves_of(out):
            if np.asarray(leaf).dtype.kind != "c":
                raise NoComplexStep(
                    f"it returned {np.asarray(leaf).dtype} for a complex x (abs, float(), .real or "
                    "np.maximum drop the imaginary part)"
                )
        return tree.flatten_like(out, "grad(x)", complex_ok=True).ravel()

    g0_raw = grad_calls(tree.values)
    center = tree.flatten_like(g0_raw, "grad(x)").ravel()
    if not np.all(np.isfinite(center)):
        raise ValueError(f"grad(x) is not finite ({first_bad(center)}); it must be finite at x")
    shapes = [(n, n)] + ([tree.leaves[0].shape * 2] if tree.is_array else [])

    def read_hessian(out: object) -> np.ndarray:
        __tracebackhide__ = True
        H = read_output(out, "hess", allow_complex=False)
        if H.shape not in shapes:
            raise ValueError(
                f"hess(x) has shape {H.shape}, expected {' or '.join(map(str, dict.fromkeys(shapes)))}: "
                f"x has {n} values, and the Hessian has a row and a column for each"
            )
        return H.astype(np.float64).reshape(n, n)

    analytic = read_hessian(hess_calls(tree.values))
    if not np.all(np.isfinite(analytic)):
        raise ValueError(f"hess(x) is not finite ({first_bad(analytic.ravel())}); it must be finite at x")

    eps_work = _working_eps(tree, output_eps(_leaf_dtype_probe(g0_raw)))
    rtol_value = default_rtol(eps_work) if s.rtol is None else s.rtol
    differencer = Differencer(
        grad_calls, tree, read, read_complex, center, eps_work, fixed_eps=s.fixed_eps, analytic=analytic
    )
    cols = _columns(differencer, analytic, lambda flat: read_hessian(hess_calls(flat)), s, rtol_value)
    comparison = Comparison(
        analytic=analytic.ravel(),
        numeric=cols.numeric.ravel(),
        fd_error=cols.fd_error.ravel(),
        step=cols.step.ravel(),
        scale=np.abs(cols.numeric).ravel(),
        atol=np.full(cols.numeric.size, s.atol),
        floor=cols.floor.ravel(),
        settled=cols.settled.ravel(),
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

    return judge(
        comparison,
        atol=s.atol,
        rtol=rtol_value,
        labels=labels,
        index=index,
        layout=layout,
        evaluations=grad_calls.count,
        method=cols.method + " of grad",
        what="Hessian",
        raise_exception=s.raise_exception,
        note=cols.note,
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
    difference per ``v`` (Ridders' method), whatever the size of ``x``, and no
    Hessian is formed.

    Parameters
    ----------
    grad : callable
        ``grad(x, *args, **kwargs)``, of ``x``'s structure.
    hvp : callable
        ``hvp(x, v, *args, **kwargs)``, of ``x``'s structure.
    x : array_like, float, or dict / tuple / list nesting them
    v : like ``x``, optional
        The direction. Default: ``n_directions`` random ones, each coordinate
        scaled by its own size.
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
    n_directions = arguments.count(n_directions, "n_directions")
    tree = s.tree
    grad_calls = Calls(grad, "grad", tree, s.args, s.kwargs)
    hvp_calls = Calls(hvp, "hvp", tree, s.args, s.kwargs)

    g0_raw = grad_calls(tree.values)
    center = tree.flatten_like(g0_raw, "grad(x)").ravel()
    if not np.all(np.isfinite(center)):
        raise ValueError(f"grad(x) is not finite ({first_bad(center)}); it must be finite at x")
    eps_work = _working_eps(tree, output_eps(_leaf_dtype_probe(g0_raw)))
    rtol_value = default_rtol(eps_work) if s.rtol is None else s.rtol

    def read(out: object, where: Callable[[], str] = lambda: "x") -> np.ndarray:
        __tracebackhide__ = True
        return tree.flatten_like(out, "grad(x)").ravel()

    differencer = Differencer(grad_calls, tree, read, read, center, eps_work, fixed_eps=s.fixed_eps)
    if v is None:
        rng = np.random.default_rng(seed)
        directions = rng.standard_normal((n_directions, tree.size)) * differencer.scale
    else:
        Tree(v, "v")  # finite real values, or a TypeError / ValueError naming v
        directions = tree.flatten_like(v, "v")  # x's structure, or a ValueError naming both
    floor = differencer.floor(np.zeros((center.size, tree.size)))
    analytic, numeric, errors, steps, floors = [], [], [], [], []
    for d in directions:
        product = tree.flatten_like(hvp_calls(tree.values, (tree, d)), "hvp(x, v)").ravel()
        if not np.all(np.isfinite(product)):
            raise ValueError(f"hvp(x, v) is not finite ({first_bad(product)}); it must be finite at x")
        dot_floor = floor @ np.abs(d)
        estimate = differencer.direction(d, _target(s.atol + dot_floor, rtol_value, None), None)
        analytic.append(product)
        numeric.append(estimate.value)
        errors.append(estimate.error)
        steps.append(estimate.step)
        floors.append(dot_floor)
    k = len(directions)
    numeric_flat = np.concatenate(numeric)
    comparison = Comparison(
        analytic=np.concatenate(analytic),
        numeric=numeric_flat,
        fd_error=np.concatenate(errors),
        step=np.concatenate(steps),
        scale=np.abs(numeric_flat),
        atol=np.full(numeric_flat.size, s.atol),
        floor=np.concatenate(floors),
    )
    labels = [tree.label(j, f"(H v{r})") for r in range(k) for j in range(tree.size)]

    def index(flat_k: int) -> tuple[Any, ...]:
        r, j = divmod(flat_k, tree.size)
        return (*tree.leaf_of(j).path, r, *tree.array_index(j))

    return judge(
        comparison,
        atol=s.atol,
        rtol=rtol_value,
        labels=labels,
        index=index,
        layout=lambda flat: tree.unflatten(flat.reshape(k, tree.size), (k,)),
        evaluations=grad_calls.count,
        method=(
            f"central differences at the fixed step eps={s.fixed_eps:g}"
            if s.fixed_eps is not None
            else "Ridders' extrapolated central differences"
        )
        + f" of grad along {k} direction(s)",
        what="Hessian-vector product",
        raise_exception=s.raise_exception,
    )
