"""Steps for features/contract_input.feature: linreg's input checks (not an article claim)."""

from __future__ import annotations

import ast
import copy
import math
import re
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest
from pytest_bdd import given, parsers, then, when
from strategies import Problem
from tooling.binding import bind

import linreg
from linreg.experiment import LEARNING_RATE

bind("contract_input.feature", globals())


def _with(value: np.ndarray, index: int, entry: float) -> np.ndarray:
    out = np.array(value, dtype=float)
    out.flat[index] = entry
    return out


# Each bad value is made from the valid argument it replaces, so only the named defect differs.
BAD: dict[str, Callable[[object], object]] = {
    "a flat array": lambda v: np.ravel(v),
    "a 3-D array": lambda v: np.asarray(v)[None],
    "a column one row too long": lambda v: np.vstack([v, v[:1]]),
    "a column one row short": lambda v: v[:-1],
    "two columns": lambda v: np.hstack([v, v]),
    "a square n by n array": lambda v: np.repeat(v, len(v), axis=1),
    "an array holding a NaN": lambda v: _with(v, 1, math.nan),
    "an array holding infinity": lambda v: _with(v, 1, math.inf),
    "an array holding -infinity": lambda v: _with(v, 1, -math.inf),
    "NaN": lambda v: math.nan,
    "infinity": lambda v: math.inf,
    "a matrix with no rows": lambda v: v[:0],
    "a matrix with no columns": lambda v: v[:, :0],
    "an array of strings": lambda v: np.asarray(v).astype(str),
    "an array of objects": lambda v: np.asarray(v).astype(object),
    "a complex array": lambda v: np.asarray(v).astype(complex),
    "a string": lambda v: str(v),
    "a list of rows whose last row is empty": lambda v: [list(row) for row in np.asarray(v)[:-1]] + [[]],
    # Finite, but the squared residuals exceed float64's largest number (about 1.8e308).
    "the features times 1e200": lambda v: np.asarray(v) * 1e200,
}
ERRORS = {"ValueError": ValueError, "TypeError": TypeError}


def literal(text: str) -> object:
    """A Python literal from the feature ('0.01', True, -1), or a float such as nan and inf."""
    try:
        return ast.literal_eval(text)
    except ValueError:
        return float(text)


def outcome(call: Callable[[], object]) -> object:
    """The call's result, or the exception it raised (for the Then steps to judge)."""
    try:
        return call()
    except Exception as error:  # the Then step checks the exact type
        return error


# ---------------------------------------------------------------- Given
@given(parsers.parse("true values {a:g}, {b:g} and {c:g} as a flat array"), target_fixture="y_true")
def _(a: float, b: float, c: float) -> np.ndarray:
    return np.array([a, b, c])


@given("a copy of every argument is kept aside", target_fixture="arguments")
def _(data: Problem) -> tuple[dict, dict]:
    handed = {"X": data.X, "y": data.y, "w": data.w, "b": data.b, "params": {"w": data.w, "b": data.b}}
    return handed, copy.deepcopy(handed)


# ---------------------------------------------------------------- When
@when(
    parsers.parse("the loss is computed with {argument} given as {bad}"),
    target_fixture="outcome",
)
def _(data: Problem, argument: str, bad: str) -> object:
    kwargs = {"X": data.X, "y": data.y, "w": data.w, "b": data.b}
    kwargs[argument] = BAD[bad](kwargs[argument])
    return outcome(lambda: linreg.linear_loss(**kwargs))


@when(parsers.parse("the model trains with {argument} set to {value}"), target_fixture="outcome")
def _(data: Problem, argument: str, value: str) -> object:
    return outcome(lambda: linreg.linear_train(data.X, data.y, **{argument: literal(value)}))


@when(parsers.parse("the model is evaluated with y flattened to shape ({n:d},)"), target_fixture="flat")
def _(data: Problem, n: int):
    return linreg.linear_loss(data.X, data.y.reshape(n), data.w, data.b)


@when(
    parsers.parse("the model trains for {epochs:d} epochs with y flattened to shape ({n:d},)"),
    target_fixture="flat",
)
def _(data: Problem, epochs: int, n: int):
    return linreg.linear_train(data.X, data.y.reshape(n), LEARNING_RATE, epochs)


@when(
    parsers.parse("they are scored against the column of predictions {a:g}, {b:g} and {c:g}"),
    target_fixture="scores",
)
def _(y_true: np.ndarray, a: float, b: float, c: float) -> dict[str, float]:
    y_pred = np.array([[a], [b], [c]])
    return {"mse": linreg.mean_squared_error(y_true, y_pred), "r2": linreg.r2_score(y_true, y_pred)}


@when(
    parsers.parse("the model trains for {epochs:d} epochs at {factor:g} times the stable learning rate"),
    target_fixture="outcome",
)
def _(data: Problem, epochs: int, factor: float) -> object:
    rate = factor * linreg.stable_learning_rate(data.X)
    return outcome(lambda: linreg.linear_train(data.X, data.y, rate, epochs))


@when("the loss is evaluated with those arguments")
def _(arguments: tuple[dict, dict]) -> None:
    handed, _ = arguments
    linreg.linear_loss(handed["X"], handed["y"], handed["w"], handed["b"])


@when("the model trains on those arguments")
def _(arguments: tuple[dict, dict]) -> None:
    # linear_train starts from its own zeros; what it could write to is X and y.
    handed, _ = arguments
    linreg.linear_train(handed["X"], handed["y"], LEARNING_RATE, 50)


@when("the model predicts with those arguments")
def _(arguments: tuple[dict, dict]) -> None:
    handed, _ = arguments
    linreg.predict(handed["X"], handed["params"])


# ---------------------------------------------------------------- Then
@then(parsers.parse("it is refused with a {error} naming {argument}"))
def _(outcome: object, error: str, argument: str):
    assert isinstance(outcome, ERRORS[error]), f"expected {error}, got {outcome!r}"
    assert re.search(rf"(?<![\w']){re.escape(argument)}(?![\w'])", str(outcome)), str(outcome)


@then("the loss and both gradients equal those of the column y")
def _(flat, data: Problem):
    column = linreg.linear_loss(data.X, data.y, data.w, data.b)
    # Same numbers through the same arithmetic: equal to the last bit, not merely close.
    for got, expected in zip(flat, column, strict=True):
        np.testing.assert_array_equal(got, expected)


@then(parsers.parse("the weight gradient is still a column of {d:d} values"))
def _(flat, d: int):
    _, _, dw, _ = flat
    assert dw.shape == (d, 1)


@then("the losses and parameters equal those trained on the column y")
def _(flat, data: Problem):
    loss_his, params, _ = flat
    column_his, column_params, _ = linreg.linear_train(data.X, data.y, LEARNING_RATE, len(loss_his))
    # Same numbers through the same arithmetic: equal to the last bit.
    np.testing.assert_array_equal(loss_his, column_his)
    np.testing.assert_array_equal(params["w"], column_params["w"])
    assert params["b"] == column_params["b"]


@then(parsers.parse("the mean squared error is {value}, to fifteen digits"))
def _(scores: dict[str, float], value: str):
    # 1/3 is not a float: the mean of (0, 0, 1) rounds once, to within half an ulp (1.1e-16
    # relative), and rel=1e-15 allows that and nothing else; the 3 x 3 broadcast the article's
    # code would make gives 7/3, an error of 600 %.
    assert scores["mse"] == pytest.approx(float(Fraction(value)), rel=1e-15)


@then(parsers.parse("R² is {value:g}, to fifteen digits"))
def _(scores: dict[str, float], value: float):
    # 1 - 1/2, both sums of a few small integers and so exact: rel=1e-15 leaves room for a
    # rounding or two of a different summation order, and fails any real deviation.
    assert scores["r2"] == pytest.approx(value, rel=1e-15)


@then("training stops with TrainingDiverged, a floating-point error")
def _(outcome: object):
    assert isinstance(outcome, linreg.TrainingDiverged)
    assert isinstance(outcome, FloatingPointError)


@then("its message says training diverged and states the stable bound")
def _(outcome: object, data: Problem):
    message = str(outcome)
    assert "diverged" in message
    numbers = [float(x) for x in re.findall(r"\d+\.\d+(?:e[-+]?\d+)?", message)]
    # The message rounds the bound to six significant digits.
    assert any(math.isclose(x, linreg.stable_learning_rate(data.X), rel_tol=1e-5) for x in numbers), message


@then("every argument still holds the values of its copy")
def _(arguments: tuple[dict, dict]):
    handed, kept = arguments
    for name in ("X", "y", "w"):
        np.testing.assert_array_equal(handed[name], kept[name], err_msg=name)
    np.testing.assert_array_equal(handed["params"]["w"], kept["params"]["w"])
    assert handed["b"] == kept["b"]
    assert handed["params"]["b"] == kept["params"]["b"]


@then("the parameters dict still holds the same arrays")
def _(arguments: tuple[dict, dict], data: Problem):
    handed, _ = arguments
    assert handed["params"].keys() == {"w", "b"}
    assert handed["params"]["w"] is data.w
