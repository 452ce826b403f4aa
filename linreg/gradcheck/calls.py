"""What the user hands a check: its arguments, checked by name, and calls of its functions.

Each call gets a fresh copy of ``x``; a call that writes into it is an error
(:class:`InputModifiedError`), and so is a function that returns what is not a
number (``None``, a string, a dict).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from numbers import Integral, Real
from typing import Any

import numpy as np

from linreg.gradcheck.results import InputModifiedError
from linreg.gradcheck.trees import Tree

__all__ = ["Calls", "read_output"]


# ---------------------------------------------------------------------------- argument checks
def real(value: object, name: str) -> float:
    __tracebackhide__ = True
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    return float(value)


def positive(value: object, name: str) -> float:
    __tracebackhide__ = True
    number = real(value, name)
    if not (math.isfinite(number) and number > 0):
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return number


def tolerance(value: object, name: str) -> float | None:
    __tracebackhide__ = True
    if value is None:
        return None
    number = real(value, name)
    if not (math.isfinite(number) and number >= 0):
        raise ValueError(f"{name} must be a non-negative finite number, got {value!r}")
    return number


def flag(value: object, name: str) -> bool:
    __tracebackhide__ = True
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def optional_flag(value: object, name: str) -> bool | None:
    __tracebackhide__ = True
    if value is None:
        return None
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True, False or None, got {type(value).__name__} {value!r}")
    return bool(value)


def count(value: object, name: str) -> int:
    __tracebackhide__ = True
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be a positive integer, got {type(value).__name__} {value!r}")
    if value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def callable_(value: object, name: str) -> None:
    __tracebackhide__ = True
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__} {value!r}")


def extra_arguments(args: object, kwargs: object) -> tuple[tuple[Any, ...], dict[str, Any]]:
    __tracebackhide__ = True
    if not isinstance(args, (tuple, list)):
        raise TypeError(f"args must be a tuple of extra positional arguments, got {type(args).__name__}")
    if kwargs is None:
        kwargs = {}
    if not isinstance(kwargs, Mapping):
        raise TypeError(f"kwargs must be a dict of extra keyword arguments, got {type(kwargs).__name__}")
    return tuple(args), dict(kwargs)


# ---------------------------------------------------------------------------- calling user code
class Calls:
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


def read_output(value: object, role: str, allow_complex: bool, where: str = "x") -> np.ndarray:
    """``value`` as an array of numbers, or a one-line TypeError naming ``role`` and the point."""
    __tracebackhide__ = True
    if isinstance(value, (str, bytes)) or value is None or isinstance(value, Mapping):
        raise TypeError(
            f"{role} must return a number or an array of numbers, got {type(value).__name__} "
            f"{_short(value)} at {where}"
        )
    try:
        array = np.asarray(value)
    except ValueError:
        raise ValueError(f"{role} returned a ragged sequence at {where}") from None
    kinds = "fiuc" if allow_complex else "fiu"
    if array.dtype.kind not in kinds:
        if array.dtype.kind == "c":
            raise TypeError(
                f"{role} returned complex values (dtype {array.dtype}) at {where}; it must be real"
            )
        raise TypeError(
            f"{role} must return real numbers, got {type(value).__name__} of dtype {array.dtype} at {where}"
        )
    return array


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def output_eps(array: np.ndarray) -> float:
    """Machine epsilon of an output: a float32 result is only known to float32 precision."""
    if array.dtype.kind in "fc":
        return float(np.finfo(array.dtype).eps)
    return float(np.finfo(np.float64).eps)


def first_bad(values: np.ndarray) -> str:
    """Which values are not finite, in words."""
    if values.size == 1:
        return f"it is {values[0]}"
    bad = np.flatnonzero(~np.isfinite(values))
    return f"{bad.size} value(s) NaN or infinite, the first at flat position {int(bad[0])}"
