"""Input checks shared by every public entry point.

Each check converts its argument to a float64 array without touching the
caller's object and raises ``TypeError`` (wrong kind of thing) or
``ValueError`` (right kind, wrong shape or value) naming the argument.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np

# Booleans, integers and floats are numbers; complex, strings, objects are not.
_REAL_KINDS = "biuf"
#: float64's largest finite value, quoted in messages.
FLOAT64_MAX = float(np.finfo(np.float64).max)


def as_real_array(value: object, name: str) -> np.ndarray:
    """Return ``value`` as a finite float64 array, refusing non-numeric input.

    A masked array with masked entries is refused (numpy would drop its mask without a
    word); Python integers and wider floats beyond float64's range are refused by value.
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array, got {type(value).__name__}")
    if isinstance(value, np.ma.MaskedArray) and np.ma.is_masked(value):
        hidden = int(np.ma.count_masked(value))
        raise ValueError(
            f"{name} is a masked array with {hidden} masked value(s); linreg does not skip masked "
            f"entries: drop those rows or fill them (e.g. {name}.filled(value)) first"
        )
    try:
        array = np.asarray(value)
    except ValueError:  # numpy's word for nested sequences of unequal lengths
        raise ValueError(f"{name} must be a rectangular array, but its rows differ in length") from None
    except OverflowError:  # e.g. a Python integer beyond int64 beside a numpy integer
        raise ValueError(_too_large_integer(name)) from None
    if array.dtype == object and not isinstance(value, np.ndarray):
        # numpy keeps Python integers beyond 64 bits as objects; they are numbers,
        # refused for their size, not their kind. An object *array* stays a TypeError.
        array = _python_numbers(array, name)
    if array.dtype.kind not in _REAL_KINDS:
        got = f"an array of dtype {array.dtype}" if array.ndim else type(value).__name__
        raise TypeError(f"{name} must hold real numbers, got {got}")
    if array.size == 0:
        raise ValueError(f"{name} is empty (shape {array.shape}); it needs at least one value")
    if not np.all(np.isfinite(array)):
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        raise ValueError(f"{name} contains {bad} NaN or infinite value(s); every value must be finite")
    if array.dtype.kind == "f" and array.dtype.itemsize > 8:
        # A long double can hold finite values that float64 cannot.
        with np.errstate(over="ignore"):
            narrowed = array.astype(np.float64)
        if not np.all(np.isfinite(narrowed)):
            raise ValueError(f"{name} holds values beyond float64's range (at most {FLOAT64_MAX:.4g})")
        return narrowed
    return array.astype(np.float64, copy=False)


def _python_numbers(array: np.ndarray, name: str) -> np.ndarray:
    """Convert an object array built from Python numbers, or return it unchanged to be refused."""
    if not all(isinstance(item, Real) and not isinstance(item, np.ndarray) for item in array.flat):
        return array
    try:
        return array.astype(np.float64)
    except OverflowError:
        raise ValueError(_too_large_integer(name)) from None


def _too_large_integer(name: str) -> str:
    return f"{name} holds an integer too large for float64 (at most {FLOAT64_MAX:.4g})"


def as_matrix(X: object, name: str = "X") -> np.ndarray:
    """Check a design matrix of shape (n_samples, n_features)."""
    X = as_real_array(X, name)
    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D of shape (n_samples, n_features), got shape {X.shape}")
    return X


def as_column(y: object, n_rows: int | None, name: str = "y", rows_of: str = "X") -> np.ndarray:
    """Check a target of shape (n_rows, 1); a 1-D array of length n_rows is taken as that column.

    ``n_rows=None`` accepts any number of rows.

    Any other shape is refused, so ``y_hat - y`` can never broadcast to (n, n).
    """
    y = as_real_array(y, name)
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    if y.ndim != 2 or y.shape[1] != 1:
        raise ValueError(f"{name} must be a column of shape (n_samples, 1) or 1-D, got shape {y.shape}")
    if n_rows is not None and y.shape[0] != n_rows:
        raise ValueError(f"{name} has {y.shape[0]} rows but {rows_of} has {n_rows}; they must match")
    return y


def as_weights(w: object, n_features: int | None, name: str = "w") -> np.ndarray:
    """Check weights of shape (n_features, 1); 1-D of length n_features is taken as that column."""
    return as_column(w, n_features, name=name, rows_of="X's column count")


def as_params(params: object, n_features: int | None, name: str = "params") -> tuple[np.ndarray, float]:
    """Check a ``{'w': ..., 'b': ...}`` dict; return ``w`` of shape (n_features, 1) and ``b``.

    ``n_features=None`` accepts any number of weights.
    """
    if not isinstance(params, Mapping) or not {"w", "b"} <= params.keys():
        raise TypeError(f"{name} must be a dict with keys 'w' and 'b', got {type(params).__name__}")
    w = as_weights(params["w"], n_features, name=f"{name}['w']")
    return w, as_bias(params["b"], name=f"{name}['b']")


def as_bias(b: object, name: str = "b") -> float:
    """Check a finite real scalar (a Python number or a size-1 array)."""
    array = as_real_array(b, name)
    if array.size != 1:
        raise ValueError(f"{name} must be a scalar, got shape {array.shape}")
    return float(array.reshape(()))


def as_learning_rate(learning_rate: object, name: str = "learning_rate") -> float:
    """Check a positive finite real number."""
    if isinstance(learning_rate, bool) or not isinstance(learning_rate, Real):
        raise TypeError(f"{name} must be a real number, got {type(learning_rate).__name__}")
    try:
        value = float(learning_rate)
    except OverflowError:  # a Python integer or fraction beyond float64
        value = math.inf
    if value == math.inf and _is_finite_real(learning_rate):
        raise ValueError(f"{name} is beyond float64's range (at most {FLOAT64_MAX:.4g})")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number, got {_short(learning_rate)}")
    return value


def _is_finite_real(value: Real) -> bool:
    # Python integers and fractions are always finite; numpy scalars may not be.
    return bool(np.isfinite(value)) if isinstance(value, np.generic) else not isinstance(value, float)


def _short(value: object) -> str:
    """``repr(value)``, cut to one readable line (a 400-digit integer is not)."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}...({len(text)} characters)"


def as_count(count: object, name: str) -> int:
    """Check a positive integer (``True`` is not a count)."""
    if isinstance(count, bool) or not isinstance(count, Integral):
        raise TypeError(f"{name} must be a positive integer, got {type(count).__name__}")
    if count < 1:
        raise ValueError(f"{name} must be a positive integer, got {_short(count)}")
    return int(count)


def allocate(count: int, name: str) -> np.ndarray:
    """An uninitialised float64 array of ``count`` values, one per unit of the argument ``name``.

    numpy's own errors for a count it cannot hold name no argument; these do.
    """
    try:
        return np.empty(count)
    except (ValueError, OverflowError):  # beyond what one array can index
        raise ValueError(f"{name}={_short(count)} is too many for one float64 array to index") from None
    except MemoryError:
        raise MemoryError(
            f"{name}={count:,} needs {8 * count / 1e9:.3g} GB (8 bytes each), more than can be allocated"
        ) from None
