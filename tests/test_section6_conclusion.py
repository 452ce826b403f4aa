"""The article's conclusion: optimum, descent direction, initialisation, learning rate, epochs."""

from __future__ import annotations

import numpy as np
import pytest
from diabetes_steps import *  # noqa: F403  (shared steps register as fixtures in that namespace)
from diabetes_steps import parse, same_to_figures, to_decimals
from pytest_bdd import parsers, scenarios, then, when

import linreg
from linreg.experiment import Fit

scenarios("section6_conclusion.feature")


def start(name: str, split, request: pytest.FixtureRequest) -> linreg.Params:
    """The starting point a scenario names; only "gradient descent's result" needs the 200,000-epoch run."""
    if name == "the all-zero model":
        w, b = linreg.initialize_params(split.X_train.shape[1])
        return {"w": w, "b": b}
    if name == "the least-squares optimum":
        return request.getfixturevalue("diabetes_optimum").params
    if name == "gradient descent's result":
        return request.getfixturevalue("article_run").gradient_descent.params
    assert name == "random parameters", name
    # Far from the optimum on purpose: weights of the size of the optimum's.
    rng = np.random.default_rng(6)
    return {"w": rng.normal(0, 1000, (split.X_train.shape[1], 1)), "b": float(rng.normal(0, 1000))}


def outcome(text: str):
    """How the final loss of a run compares with the first, as a predicate of (first, last)."""
    return {
        "below": lambda first, last: last < first,
        "more than a million times": lambda first, last: last > 1e6 * first,
    }[text]


outcome.pattern = "below|more than a million times"


@then("the gradient of the loss there is zero to rounding")
def _(split, fitted):
    _, _, dw, db = linreg.linear_loss(split.X_train, split.y_train, **fitted.params)
    # Sums of ~350 products of size ~1e2 round at ~1e-12; 1e-9 is rounding, not slope.
    assert np.linalg.norm(linreg.flatten_params({"w": dw, "b": db})) < 1e-9


@then("none of them is negative, so the flat point is the lowest")
def _(eigenvalues):
    assert eigenvalues.min() >= 0


@when(
    parse(
        "the model takes one step against the gradient from {name}, "
        "at {fraction:Fraction} the stable learning rate"
    ),
    target_fixture="losses",
)
def _(split, request, name, fraction):
    X, y = split.X_train, split.y_train
    params = start(name, split, request)
    _, before, dw, db = linreg.linear_loss(X, y, params["w"], params["b"])
    step = fraction * linreg.stable_learning_rate(X)
    after = linreg.linear_loss(X, y, params["w"] - step * dw, params["b"] - step * db)[1]
    return before, after


@then("the loss after the step is lower than before it")
def _(losses):
    before, after = losses
    assert after < before


@when(
    parse("gradient descent runs from {name} for {epochs:Count} epochs at {rate:Number}"),
    target_fixture="fitted",
)
def _(split, request, name, epochs, rate):
    # The closed form (see diabetes_steps), started where the scenario says.
    origin = start(name, split, request)
    params = linreg.gradient_descent_closed_form(split.X_train, split.y_train, rate, epochs, start=origin)
    return Fit.of(split, params)


@then(parse("its training loss is {loss:Number} to two decimals"))
def _(fitted, loss):
    assert to_decimals(fitted.train_loss, 2) == to_decimals(loss, 2)


@then("its parameters equal the least-squares optimum's to nine significant figures")
def _(fitted, diabetes_optimum):
    # exp(-0.01 * 1.9e-5 * 1e9) ~ 1e-83 of the start's offset is left: only rounding.
    assert same_to_figures(
        linreg.flatten_params(fitted.params), linreg.flatten_params(diabetes_optimum.params), 9
    )


@then(parsers.parse("the final loss is {outcome:Outcome} the first", extra_types={"Outcome": outcome}))
def _(training, outcome):
    assert training.error is None
    assert outcome(training.loss_history[0], training.loss_history[-1])
