"""The article's conclusion: optimum, descent direction, initialisation, learning rate, epochs."""

from __future__ import annotations

import numpy as np
import pytest
from checks import EPS, flat, gradient_rounding, grows, loss_history, noting, that
from diabetes_steps import *  # noqa: F403  (shared steps register as fixtures in that namespace)
from diabetes_steps import DiabetesTraining, long_run, parse, same_to_figures
from pytest_bdd import parsers, then, when
from tooling.binding import bind
from tooling.implementation import Implementation, theta_of

import linreg
from linreg.experiment import Fit

bind("section6_conclusion.feature", globals())


def start(name: str, split, request: pytest.FixtureRequest) -> np.ndarray:
    """The starting point a scenario names, flat.

    Only "gradient descent's result" needs the 200,000-epoch run.
    """
    d = split.X_train.shape[1]
    if name == "the all-zero model":
        return np.zeros(d + 1)
    if name == "the least-squares optimum":
        optimum = request.getfixturevalue("diabetes_optimum").params
        return theta_of(optimum["w"], optimum["b"])
    if name == "gradient descent's result":
        params = request.getfixturevalue("article_run").gradient_descent.params
        return theta_of(params["w"], params["b"])
    assert name == "random parameters", name
    # Far from the optimum on purpose: weights of the size of the optimum's.
    rng = np.random.default_rng(6)
    return np.append(rng.normal(0, 1000, d), rng.normal(0, 1000))


def outcome(text: str):
    """How the final loss of a run compares with the first, as a predicate of (first, last)."""
    return {
        "below": lambda first, last: last < first,
        "more than a million times": lambda first, last: last > 1e6 * first,
    }[text]


outcome.pattern = "below|more than a million times"


@then("the gradient of the loss there is zero to rounding")
def _(impl: Implementation, split, fitted):
    X, y = split.X_train, split.y_train
    theta = theta_of(fitted.params["w"], fitted.params["b"])
    evaluation = impl.linear_loss(X, y, fitted.params["w"], fitted.params["b"])
    length = float(np.linalg.norm(theta_of(evaluation.dw, evaluation.db)))
    # Two roundings, neither of them slope. numpy's least squares (an SVD) solves a problem within
    # (n + p) eps ||A|| of [X 1]'s, so at its solution the exact gradient A^T (A theta - y) / n is at
    # most (n + p) eps ||A|| (||r|| + ||A|| ||theta||) / n; and the implementation's gradient is
    # within checks.gradient_rounding of the exact one. Together ~2e-10 here; a gradient with a
    # penalty, a missing 1/n or a wrong sign is off by the size of the parameters.
    A = np.hstack([X, np.ones((X.shape[0], 1))])
    n, p = A.shape
    norm = float(np.linalg.norm(A, 2))
    residual = float(np.linalg.norm(A @ theta - flat(y)))
    allowed = (n + p) * EPS * norm * (residual + norm * float(np.linalg.norm(theta))) / n + float(
        np.linalg.norm(gradient_rounding(X, y, theta))
    )
    that(
        length <= allowed, expected=f"a gradient of length 0 (within {allowed:.2g})", measured=f"{length:.3g}"
    )


@then("none of them is negative, so the flat point is the lowest")
def _(eigenvalues):
    that(
        eigenvalues.min() >= 0,
        expected="no negative curvature",
        measured=f"smallest eigenvalue {eigenvalues.min():.3g}",
    )


@when(
    parse(
        "the model takes one step against the gradient from {name}, "
        "at {fraction:Fraction} the stable learning rate"
    ),
    target_fixture="losses",
)
def _(impl: Implementation, split, request, name, fraction):
    X, y = split.X_train, split.y_train
    theta = start(name, split, request)
    loss = impl.loss(X, y)
    step = fraction * linreg.stable_learning_rate(X)
    return loss(theta), loss(theta - step * impl.gradient(X, y)(theta))


@then("the loss after the step is lower than before it")
def _(losses):
    before, after = losses
    that(after < before, expected=f"below {before:.10g}", measured=f"{after:.10g}")


@when(
    parse("the update is applied {epochs:Count} times at learning rate {rate:Number} from {name}"),
    target_fixture="fitted",
)
def _(impl: Implementation, update, diabetes_split, request, epochs, rate, name) -> Fit:
    theta = update.descend(rate, epochs, start(name, diabetes_split, request))
    return long_run(request, impl, update, diabetes_split, theta, update.applied(epochs, rate, name))


@then(parse("its parameters equal the least-squares optimum's to {figures:Places} significant figures"))
def _(fitted, diabetes_optimum, figures):
    # exp(-0.01 * 1.9e-5 * 1e9) ~ 1e-83 of the start's offset is left: only the rounding of
    # repeated squaring, ~3e-8 relative at worst (see section 5), inside seven figures' 5e-7.
    ours = theta_of(fitted.params["w"], fitted.params["b"])
    theirs = theta_of(diabetes_optimum.params["w"], diabetes_optimum.params["b"])
    worst = int(np.argmax(np.abs(ours - theirs) / np.abs(theirs)))
    with noting(fitted):
        that(
            same_to_figures(ours, theirs, figures),
            expected=f"parameter {worst + 1} = {theirs[worst]:.10g}",
            measured=f"{ours[worst]:.10g}",
        )


@then(parsers.parse("the final loss is {outcome:Outcome} the first", extra_types={"Outcome": outcome}))
def _(training: DiabetesTraining, outcome):
    run = training.training
    if outcome(1.0, 2e6):
        # Divergence, held only on losses seen to grow (checks.grows): 1.02 times farther along the
        # top direction every epoch, ~2e17 in the loss over 1,000 epochs.
        grows(run, 1e6)
        return
    history = loss_history(run)
    first, last = history[0], history[-1]
    that(last < first, expected=f"a final loss below {first:.6g}", measured=f"{last:.6g}")
