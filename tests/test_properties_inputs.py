"""Properties of the input contract on any shape and at any position.

contract_input.feature states each guarantee on one seeded 10-to-15-sample data set, with a
bad value at one fixed position. These properties add what one example cannot: every shape
down to a single sample or feature, and a NaN or infinity at any position of any argument.
(That the caller's arrays are left untouched is the contract scenario's alone: nothing about
it depends on the shape.)
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import Problem, problems

import linreg


@given(problems())
def test_a_flat_y_is_the_column_y(problem: Problem) -> None:
    # n = 1 included: there y of shape (1,) could be mistaken for one row of a (1, d) matrix.
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
