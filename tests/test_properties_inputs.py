"""Properties of the input contract: flat targets, non-finite values, untouched arguments."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import Problem, problems

import linreg


@given(problems())
def test_a_flat_y_is_the_column_y(problem: Problem) -> None:
    flat = linreg.linear_loss(problem.X, problem.y.ravel(), problem.w, problem.b)
    column = linreg.linear_loss(problem.X, problem.y, problem.w, problem.b)
    assert flat[0].shape == (problem.n, 1)
    # Same numbers through the same arithmetic: bit-for-bit equal.
    for got, expected in zip(flat, column, strict=True):
        np.testing.assert_array_equal(got, expected)


@given(
    problems(),
    st.sampled_from(["X", "y", "w", "b"]),
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.integers(0, 10**6),
)
def test_a_non_finite_value_anywhere_is_refused_by_name(
    problem: Problem, argument: str, value: float, where: int
) -> None:
    kwargs = {"X": problem.X.copy(), "y": problem.y.copy(), "w": problem.w.copy(), "b": problem.b}
    if argument == "b":
        kwargs["b"] = value
    else:
        kwargs[argument].flat[where % kwargs[argument].size] = value
    with pytest.raises(ValueError, match=rf"^{argument} "):
        linreg.linear_loss(**kwargs)


@given(problems(), st.floats(0.01, 0.99))
def test_training_and_evaluation_leave_their_arguments_untouched(problem: Problem, fraction: float) -> None:
    params = {"w": problem.w, "b": problem.b}
    kept = copy.deepcopy((problem.X, problem.y, problem.w, params))
    linreg.linear_loss(problem.X, problem.y, problem.w, problem.b)
    linreg.linear_train(problem.X, problem.y, fraction * linreg.stable_learning_rate(problem.X), 5)
    linreg.predict(problem.X, params)
    X, y, w, kept_params = kept
    for now, before in ((problem.X, X), (problem.y, y), (problem.w, w), (params["w"], kept_params["w"])):
        np.testing.assert_array_equal(now, before)
    assert params["w"] is problem.w
    assert params["b"] == kept_params["b"]
