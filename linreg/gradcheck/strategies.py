"""Property-based gradient checks: Hypothesis strategies and one-line properties.

An optional part of linreg: it needs Hypothesis, which linreg's ``hypothesis`` extra
installs. linreg is not on the package index under that name (another project is),
so install it from a checkout or from a wheel built there (``python -m build``), with
the extra::

    pip install "/path/to/linreg-checkout[hypothesis]"
    pip install "/path/to/linreg-checkout/dist/<the wheel>.whl[hypothesis]"

``import linreg`` does not load this module. One line turns a function and its
gradient into a test that checks the gradient wherever Hypothesis looks, hunts
for the point where it is worst, and shrinks a failure to a small example:

>>> import numpy as np
>>> test_cube = gradient_property(lambda x: float(np.sum(x**3)), lambda x: 3 * x**2, arrays((3,)))
>>> test_cube()  # pytest collects it by its name; called here, it runs its examples

Strategies
----------
Inputs are *well scaled*: each value is 0 or has a magnitude between
``min_magnitude`` and ``max_magnitude`` (default 1e-3 and 10), either sign. The
lower bound keeps out values such as 1e-300, at which finite differences of
most functions measure nothing but rounding; the upper bound keeps ``exp`` and
powers finite. Choose bounds that match the domain your function is meant for.

* :func:`floats` -- one number;
* :func:`arrays` -- an array of a given shape and float type;
* :func:`like` -- a structure shaped like an example: ``like({'w': np.zeros((3, 1)), 'b': 0.0})``.
"""

from __future__ import annotations

import linecache
import math
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, cast

import numpy as np

from linreg.gradcheck.checks import gradcheck, hessian_check
from linreg.gradcheck.results import GradcheckError, GradcheckResult

MISSING = (
    "linreg.gradcheck.strategies needs Hypothesis, which is not installed: install linreg with its "
    'hypothesis extra, pip install "/path/to/linreg-checkout[hypothesis]" (or pip install hypothesis)'
)
try:
    from hypothesis import assume, given, target
    from hypothesis import strategies as st
    from hypothesis.extra import numpy as hnp
except ModuleNotFoundError as missing:  # pragma: no cover - tested in a process without Hypothesis
    if missing.name is None or missing.name.split(".")[0] != "hypothesis":
        raise
    raise ModuleNotFoundError(MISSING, name="hypothesis") from None

__all__ = ["arrays", "floats", "gradient_property", "hessian_property", "like"]

_WIDTHS: dict[np.dtype, Literal[16, 32, 64]] = {
    np.dtype(np.float16): 16,
    np.dtype(np.float32): 32,
    np.dtype(np.float64): 64,
}


def floats(
    *,
    min_magnitude: float = 1e-3,
    max_magnitude: float = 10.0,
    dtype: type | np.dtype = np.float64,
    allow_zero: bool = True,
) -> st.SearchStrategy[float]:
    """Well-scaled reals: 0, or magnitudes in ``[min_magnitude, max_magnitude]``, either sign.

    Parameters
    ----------
    min_magnitude, max_magnitude : float, default 1e-3 and 10
    dtype : float type, default float64
        The values are exactly representable in it (float16, float32 or float64).
    allow_zero : bool, default True

    Returns
    -------
    SearchStrategy of float
        Shrinks towards 0, then towards ``min_magnitude``.

    Examples
    --------
    >>> from hypothesis import find
    >>> find(floats(), lambda v: v <= -1)
    -1.0
    """
    dtype = np.dtype(dtype)
    if dtype not in _WIDTHS:
        raise TypeError(f"dtype must be float16, float32 or float64, got {dtype}")
    if not (0 < min_magnitude <= max_magnitude < math.inf):
        raise ValueError(
            f"need 0 < min_magnitude <= max_magnitude < inf, got {min_magnitude!r} and {max_magnitude!r}"
        )
    # Bounds rounded inwards to the type, which must represent them exactly.
    low = float(np.nextafter(dtype.type(min_magnitude), dtype.type(np.inf)))
    low = float(dtype.type(min_magnitude)) if float(dtype.type(min_magnitude)) >= min_magnitude else low
    high = float(np.nextafter(dtype.type(max_magnitude), dtype.type(0)))
    high = float(dtype.type(max_magnitude)) if float(dtype.type(max_magnitude)) <= max_magnitude else high
    magnitudes = st.floats(low, high, width=_WIDTHS[dtype], allow_subnormal=False)
    signed = st.one_of(magnitudes, magnitudes.map(lambda v: -v))
    return st.one_of(st.just(0.0), signed) if allow_zero else signed


def arrays(
    shape: int | tuple[int, ...],
    *,
    dtype: type | np.dtype = np.float64,
    min_magnitude: float = 1e-3,
    max_magnitude: float = 10.0,
    allow_zero: bool = True,
) -> st.SearchStrategy[np.ndarray]:
    """Arrays of a fixed shape holding well-scaled values (see :func:`floats`).

    Parameters
    ----------
    shape : int or tuple of int
    dtype : float type, default float64
    min_magnitude, max_magnitude, allow_zero
        As for :func:`floats`.

    Returns
    -------
    SearchStrategy of ndarray of shape ``shape``
    """
    elements = floats(
        min_magnitude=min_magnitude, max_magnitude=max_magnitude, dtype=dtype, allow_zero=allow_zero
    )
    return hnp.arrays(np.dtype(dtype), shape, elements=elements)


def like(template: Any, **bounds: Any) -> st.SearchStrategy[Any]:
    """Structures shaped like ``template``, holding well-scaled values.

    Parameters
    ----------
    template : array, number, or dict / tuple / list nesting them
        An example point: each array is replaced by :func:`arrays` of its shape
        (and float type; integer arrays become float64), each number by
        :func:`floats`. Its values are ignored.
    **bounds
        ``min_magnitude``, ``max_magnitude``, ``allow_zero`` for every value.

    Returns
    -------
    SearchStrategy
        Of ``template``'s structure: dicts with its keys, tuples and lists of its length.

    Examples
    --------
    >>> from hypothesis import find
    >>> params = find(like({'w': np.zeros((3, 1)), 'b': 0.0}), lambda p: p['b'] >= 1)
    >>> params['w'].shape, params['b']
    ((3, 1), 1.0)
    """
    if isinstance(template, Mapping):
        keys = list(template)

        def rebuild(drawn: dict[Any, Any]) -> Any:
            # In the template's key order: a check flattens x in that order (and a Hessian's
            # rows follow it), whatever order the strategy built the dict in.
            ordered = {k: drawn[k] for k in keys}
            return ordered if type(template) is dict else cast(Any, type(template))(ordered)

        return st.fixed_dictionaries({k: like(v, **bounds) for k, v in template.items()}).map(rebuild)
    if isinstance(template, (tuple, list)):
        parts = st.tuples(*(like(v, **bounds) for v in template))
        if hasattr(template, "_fields"):
            return parts.map(lambda t: type(template)(*t))
        return parts.map(type(template))
    if isinstance(template, np.ndarray):
        dtype = template.dtype if template.dtype in _WIDTHS else np.dtype(np.float64)
        return arrays(template.shape, dtype=dtype, **bounds)
    if isinstance(template, np.floating) and template.dtype in _WIDTHS:
        return floats(dtype=template.dtype, **bounds).map(template.dtype.type)
    if isinstance(template, (int, float, np.number)) and not isinstance(template, bool):
        return floats(**bounds)
    raise TypeError(
        f"like() builds arrays, numbers, and dicts, tuples or lists of them; got {type(template).__name__}"
    )


def _strategy(value: Any) -> st.SearchStrategy[Any]:
    return value if isinstance(value, st.SearchStrategy) else like(value)


def _extra(args: Any) -> st.SearchStrategy[tuple[Any, ...]]:
    if isinstance(args, st.SearchStrategy):
        return args.map(tuple)
    if not isinstance(args, (tuple, list)):
        raise TypeError(f"args must be a tuple or a strategy of tuples, got {type(args).__name__}")
    return st.just(tuple(args))


def _judge(result: GradcheckResult) -> None:
    __tracebackhide__ = True
    # Two targets: Hypothesis steers towards the points where the gradient is the most
    # wrong (relative error) and the nearest to failing (error over allowance).
    # An undecided value (at a kink) may have no error to speak of: NaN steers nowhere.
    for value, label in (
        (result.max_rel_error, "largest relative error"),
        (result.error_ratio, "largest error / allowance"),
    ):
        if not math.isnan(value):
            target(min(value, sys.float_info.max), label=label)
    # Where f is not smooth enough to judge (a kink), the point tells nothing: look elsewhere.
    assume(result.verdict != "undecided")
    if result.verdict == "failed":
        raise GradcheckError(result.report(), result)


def _name(prefix: str, fn: Callable[..., Any]) -> str:
    name = getattr(fn, "__name__", "")
    return f"{prefix}_{name}" if name.isidentifier() else prefix


_ASSIGNED = re.compile(r"^\s*(test\w*)\s*(?::[^=]*)?=[^=]")


def _in_callers_test(run: Callable[[Any, tuple[Any, ...]], None], default: str) -> Callable[..., None]:
    """The test function, compiled as if written where the property was made.

    A failure then points at the user's own line (``test_ridge = gradient_property(...)``),
    and the test carries the name it was assigned to; the checker's frames below it are
    hidden (``__tracebackhide__``), Hypothesis trims its own.
    """
    frame = sys._getframe(2)
    filename, lineno = frame.f_code.co_filename, frame.f_lineno
    name = default
    for back in range(lineno, max(lineno - 5, 0), -1):
        found = _ASSIGNED.match(linecache.getline(filename, back))
        if found:
            name = found.group(1)
            break
    # The body on the user's line; the def (where Hypothesis's wrapper says it is) just above.
    source = "\n" * max(lineno - 2, 0) + f"def {name}(point, more):\n    _run(point, more)\n"
    namespace: dict[str, Any] = {"_run": run}
    exec(compile(source, filename, "exec"), namespace)
    test = namespace[name]
    test.__qualname__ = name
    return cast(Callable[..., None], test)


def gradient_property(
    f: Callable[..., Any],
    grad: Callable[..., Any],
    x: Any,
    *,
    args: Sequence[Any] | st.SearchStrategy[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    **options: Any,
) -> Callable[[], None]:
    """A Hypothesis test that ``grad`` is the gradient (or Jacobian) of ``f`` wherever ``x`` may be.

    Parameters
    ----------
    f, grad : callable
        As for :func:`linreg.gradcheck`.
    x : SearchStrategy, or an example point
        Where to check: a strategy, or a template for :func:`like`.
    args : tuple, or a SearchStrategy of tuples, default ()
        Extra arguments for ``f`` and ``grad``; a strategy draws them too (data, say).
    kwargs : dict, optional
        Extra keyword arguments, fixed.
    **options
        Passed to :func:`linreg.gradcheck`: ``atol``, ``rtol``, ``eps``, ``fast``, ``complex_step``...

    Returns
    -------
    callable
        A test taking no argument. Assign it to a ``test_*`` name in a test module
        and pytest runs it; wrap it in ``hypothesis.settings(...)`` to change the
        number of examples. It is named after that assignment, and a failure points
        at its line. On failure it raises :class:`linreg.GradcheckError` for the
        smallest failing example Hypothesis found; points where ``f`` is not smooth
        enough to judge are skipped.
    """
    points, extra = _strategy(x), _extra(args)

    def check(point: Any, more: tuple[Any, ...]) -> None:
        __tracebackhide__ = True
        _judge(gradcheck(f, grad, point, args=more, kwargs=kwargs, raise_exception=False, **options))

    return given(points, extra)(_in_callers_test(check, _name("test_gradient_of", f)))


def hessian_property(
    grad: Callable[..., Any],
    hess: Callable[..., Any],
    x: Any,
    *,
    args: Sequence[Any] | st.SearchStrategy[Any] = (),
    kwargs: Mapping[str, Any] | None = None,
    **options: Any,
) -> Callable[[], None]:
    """A Hypothesis test that ``hess`` is the Jacobian of ``grad`` wherever ``x`` may be.

    Parameters and result as for :func:`gradient_property`, the check being
    :func:`linreg.hessian_check`.
    """
    points, extra = _strategy(x), _extra(args)

    def check(point: Any, more: tuple[Any, ...]) -> None:
        __tracebackhide__ = True
        _judge(hessian_check(grad, hess, point, args=more, kwargs=kwargs, raise_exception=False, **options))

    return given(points, extra)(_in_callers_test(check, _name("test_hessian_of", grad)))
