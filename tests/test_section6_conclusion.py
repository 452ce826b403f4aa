"""The article's conclusion: optimum, descent direction, initialisation, learning rate, epochs."""

from __future__ import annotations

import numpy as np
from diabetes_steps import *  # noqa: F403  (shared steps register as fixtures in that namespace)
from diabetes_steps import parse, same_to_figures, theta
from pytest_bdd import scenarios, then, when

import linreg
from linreg.experiment import fit_sklearn

scenarios("section6_conclusion.feature")


def start(name: str, split, article_run) -> dict:
    """The starting points the scenarios name."""
    if name == "the all-zero model":
        w, b = linreg.initialize_params(split.X_train.shape[1])
        return {"w": w, "b": b}
    if name == "gradient descent's result":
        return article_run.gradient_descent.params
    # Far from the optimum on purpose: weights of the size of the optimum's.
    rng = np.random.default_rng(6)
    return {"w": rng.normal(0, 1000, (split.X_train.shape[1], 1)), "b": float(rng.normal(0, 1000))}


@when("we solve least squares on the training rows", target_fixture="optimum")
def _(split):
    return linreg.least_squares(split.X_train, split.y_train)


@then("the gradient of the loss there is zero to rounding")
def _(split, optimum):
    _, _, dw, db = linreg.linear_loss(split.X_train, split.y_train, optimum["w"], optimum["b"])
    # Sums of ~350 products of size ~1e2 round at ~1e-12; 1e-9 is rounding, not slope.
    assert np.linalg.norm(np.append(dw, db)) < 1e-9


@then("the loss's Hessian has no negative eigenvalue, so no other point is lower")
def _(split):
    assert np.linalg.eigvalsh(linreg.hessian(split.X_train)).min() > 0


@then("those parameters are scikit-learn's to nine significant figures")
def _(split, optimum):
    # Same centred float64 problem, condition number ~230: agreement near 1e-13.
    assert same_to_figures(theta(optimum), theta(fit_sklearn(split).params), 9)


@when(
    parse(
        "the model takes one step against the gradient from {name}, "
        "of a hundredth of the stable learning rate"
    ),
    target_fixture="losses",
)
def _(split, article_run, name):
    X, y = split.X_train, split.y_train
    params = start(name, split, article_run)
    _, before, dw, db = linreg.linear_loss(X, y, params["w"], params["b"])
    step = linreg.stable_learning_rate(X) / 100
    after = linreg.linear_loss(X, y, params["w"] - step * dw, params["b"] - step * db)[1]
    return before, after


@then("the loss after the step is lower than before it")
def _(losses):
    before, after = losses
    assert after < before


@when(
    parse(
        "gradient descent runs from {name} for {epochs:Count} epochs at {rate:Number}, "
        "computed in closed form"
    ),
    target_fixture="fitted_params",
)
def _(split, article_run, name, epochs, rate):
    origin = start(name, split, article_run)
    return linreg.gradient_descent_closed_form(split.X_train, split.y_train, rate, epochs, start=origin)


@then("its parameters equal the least-squares optimum's to nine significant figures")
def _(split, fitted_params):
    # exp(-0.01 * 1.9e-5 * 1e9) ~ 1e-83 of the start's offset is left: only rounding.
    optimum = linreg.least_squares(split.X_train, split.y_train)
    assert same_to_figures(theta(fitted_params), theta(optimum), 9)


@then(parse("the final loss is {outcome} the first"))
def _(training, outcome):
    assert training.error is None
    first, last = training.loss_history[0], training.loss_history[-1]
    if outcome == "below":
        assert last < first
    else:
        assert outcome == "more than a million times"
        assert last > 1e6 * first
