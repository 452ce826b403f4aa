"""Every public function returns finite values or refuses its input, on any numbers at all.

linreg's own promise (no article claim): whatever the dtype (booleans, integers of every
width, float16 to long double, complex), shape (0-D to 3-D, empty sides) or magnitude
(1e-300 to 1e300, NaN, infinity, integers beyond 64 bits, masked arrays), a call either
returns values that are all finite or raises TypeError, ValueError or TrainingDiverged.
Never infinity or NaN, never OverflowError or LinAlgError, never a RuntimeWarning (an
error under the suite's filterwarnings = error), and never a change to the caller's arrays.

The properties draw whole argument lists so that most examples pass validation and reach
the arithmetic: half the time the arrays have consistent shapes, and float64 arrays get a
single random magnitude so that overflow, not NaN, is what they test.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from fractions import Fraction
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import (
    array_shapes,
    arrays,
    boolean_dtypes,
    complex_number_dtypes,
    floating_dtypes,
    integer_dtypes,
    unsigned_integer_dtypes,
)

import linreg
from linreg.analysis import gradient_descent_history

ALLOWED = (TypeError, ValueError, linreg.TrainingDiverged)

# float128 is numpy's long double on x86-64 Linux: finite values beyond float64's range.
DTYPES = st.one_of(
    floating_dtypes(sizes=(16, 32, 64, 128)),
    integer_dtypes(),
    unsigned_integer_dtypes(),
    boolean_dtypes(),
    complex_number_dtypes(),
)


def magnitudes(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """float64 at one random magnitude, 1e-300 to 1e300: finite values whose products
    overflow or underflow, which is what the scaled arithmetic is for."""
    return st.integers(-300, 300).flatmap(
        lambda e: arrays(np.float64, shape, elements=st.floats(-2, 2).map(lambda v: v * 10.0**e))
    )


@st.composite
def numbers(draw: st.DrawFn, shape: tuple[int, ...]) -> object:
    """An array of the given shape: any dtype, any values, sometimes masked or a plain list."""
    if draw(st.booleans()):
        array = draw(magnitudes(shape))
    else:
        array = draw(arrays(draw(DTYPES), shape))  # the dtype's whole range, NaN and inf included
    form = draw(st.sampled_from(["array", "masked", "list"]))
    if form == "masked":
        # Mostly nothing masked (then the mask changes nothing and the data is used).
        return np.ma.masked_array(
            array, mask=draw(arrays(np.bool_, shape, elements=st.just(False)) | arrays(np.bool_, shape))
        )
    if form == "list" and array.dtype.kind in "biu":
        # Python integers, including ones no 64-bit integer holds.
        big = draw(st.integers(-(10**400), 10**400))
        values = array.astype(object)
        if values.size:
            values.flat[0] = big
        return values.tolist()
    return array


SCALARS = st.one_of(
    st.floats(),
    st.integers(-(10**400), 10**400),
    st.fractions(),
    st.booleans(),
    st.floats(width=32).map(np.float32),
    st.just(np.longdouble("1e400")),
    st.just(np.longdouble("1e-400")),
    st.complex_numbers(),
    st.text(max_size=3),
)


class Arguments(NamedTuple):
    X: object
    y: object
    w: object
    b: object
    learning_rate: object
    epochs: object


@st.composite
def arguments(draw: st.DrawFn) -> Arguments:
    """Half the time well-formed (float64 of consistent shapes, a positive rate and epoch
    count), so the arithmetic is reached; otherwise anything at all."""
    if draw(st.booleans()):
        n, d = draw(st.integers(1, 6)), draw(st.integers(1, 4))
        return Arguments(
            X=draw(magnitudes((n, d))),
            y=draw(magnitudes(draw(st.sampled_from([(n,), (n, 1)])))),
            w=draw(magnitudes((d, 1))),
            b=float(draw(magnitudes(()))),
            learning_rate=draw(st.floats(1e-6, 2.5)),  # the bound is 2 / lambda_max <= 2
            epochs=draw(st.integers(1, 30)),
        )
    shapes = [draw(array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)) for _ in range(3)]
    X, y, w = (draw(numbers(shape)) for shape in shapes)
    return Arguments(
        X,
        y,
        w,
        b=draw(st.one_of(SCALARS, numbers(()))),
        learning_rate=draw(st.one_of(st.floats(1e-6, 2.5), SCALARS)),
        epochs=draw(st.one_of(st.integers(-2, 30), st.just(10**400), st.floats(0, 5), st.booleans())),
    )


def leaves(value: object) -> Iterator[object]:
    """Every number in a result: through tuples, lists and the params and grads dicts."""
    if isinstance(value, (tuple, list)):
        for item in value:
            yield from leaves(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from leaves(item)
    else:
        yield value


def finite_or_refused(call: Callable[[], object]) -> None:
    try:
        result = call()
    except ALLOWED:
        return
    for value in leaves(result):
        assert np.all(np.isfinite(value)), f"{value!r} is not finite"


def unchanged(kept: Arguments, handed: Arguments) -> None:
    for name, before, after in zip(Arguments._fields, kept, handed, strict=True):
        if isinstance(before, np.ndarray):
            np.testing.assert_array_equal(np.ma.getdata(after), np.ma.getdata(before), err_msg=name)
            if isinstance(before, np.ma.MaskedArray):
                np.testing.assert_array_equal(np.ma.getmaskarray(after), np.ma.getmaskarray(before))
        else:
            assert after == before or (after != after and before != before), name  # NaN == NaN


def first_column(X: object) -> object:
    return X[:, :1] if isinstance(X, np.ndarray) and X.ndim == 2 else X


def params(args: Arguments) -> dict[str, object]:
    return {"w": args.w, "b": args.b}


CALLS: dict[str, Callable[[Arguments], object]] = {
    "linear_loss": lambda a: linreg.linear_loss(a.X, a.y, a.w, a.b),
    "linear_train": lambda a: linreg.linear_train(a.X, a.y, a.learning_rate, a.epochs),
    "predict": lambda a: linreg.predict(a.X, params(a)),
    # Predictions: X's first column, as long as y when the shapes are consistent.
    "r2_score": lambda a: linreg.r2_score(a.y, first_column(a.X)),
    "mean_squared_error": lambda a: linreg.mean_squared_error(a.y, first_column(a.X)),
    "initialize_params": lambda a: linreg.initialize_params(a.epochs),
    "flatten_params": lambda a: linreg.flatten_params(params(a)),
    "hessian": lambda a: linreg.hessian(a.X),
    "stable_learning_rate": lambda a: linreg.stable_learning_rate(a.X),
    "least_squares": lambda a: linreg.least_squares(a.X, a.y),
    "gradient_descent_closed_form": lambda a: linreg.gradient_descent_closed_form(
        a.X, a.y, a.learning_rate, a.epochs, start=params(a)
    ),
    "gradient_descent_history": lambda a: gradient_descent_history(a.X, a.y, a.learning_rate, a.epochs),
}


@given(arguments(), st.sampled_from(sorted(CALLS)))
def test_every_public_function_returns_finite_values_or_refuses(args: Arguments, function: str) -> None:
    kept = copy.deepcopy(args)
    finite_or_refused(lambda: CALLS[function](args))
    unchanged(kept, args)


# ---------------------------------------------------------------- R^2 of targets with a small spread
def exact_r2(y_true: np.ndarray, y_pred: np.ndarray) -> Fraction:
    """R^2 of the float data in rational arithmetic."""
    t = [Fraction(float(v)) for v in y_true]
    p = [Fraction(float(v)) for v in y_pred]
    mean = sum(t) / len(t)
    return 1 - sum((a - b) ** 2 for a, b in zip(t, p, strict=True)) / sum((a - mean) ** 2 for a in t)


@given(
    st.integers(-60, 60),  # the offset's power of two: targets up to 2^60 beside spreads of one
    st.lists(st.integers(-8, 8), min_size=2, max_size=20),
    st.lists(st.integers(-8, 8), min_size=20, max_size=20),
    st.floats(0.5, 2.0),
)
def test_r2_is_right_for_any_targets_that_differ(offset_exponent, steps, misses, unit):
    # Targets 2^k + small multiples of one unit, so that their spread is anything from an
    # ulp of their size upwards; R^2 is refused only if they are all equal.
    offset = 2.0**offset_exponent
    y_true = offset + unit * np.array(steps, dtype=float) * np.spacing(offset)
    y_pred = y_true + unit * np.array(misses[: len(steps)], dtype=float) * np.spacing(offset)
    if np.all(y_true == y_true[0]):
        with pytest.raises(ValueError, match="y_test is constant"):
            linreg.r2_score(y_true, y_pred)
        return
    exact = exact_r2(y_true, y_pred)
    # ss_tot and ss_res each to within about (n + 4) eps relative (see r2_score), so R^2
    # within that times |1 - R^2|, plus the last subtraction's half ulp; 4x margin. A mean
    # rounded to the nearest float errs by up to half an ulp of the targets, as large as their
    # spread here: R^2 off by order one.
    n, eps = len(steps), np.finfo(np.float64).eps
    bound = 8 * (n + 4) * eps * abs(1 - float(exact)) + 2 * eps
    assert abs(linreg.r2_score(y_true, y_pred) - float(exact)) <= bound
