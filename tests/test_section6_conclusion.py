"""The article's conclusion: optimum, descent direction, initialisation, learning rate, epochs."""

from __future__ import annotations

import numpy as np
import pytest
from checks import rounds_to, that
from diabetes_steps import *  # noqa: F403  (shared steps register as fixtures in that namespace)
from diabetes_steps import DiabetesTraining, parse, same_to_figures
from pytest_bdd import parsers, then, when
from tooling.binding import bind
from tooling.implementation import Implementation, params_of, theta_of

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
    evaluation = impl.linear_loss(split.X_train, split.y_train, fitted.params["w"], fitted.params["b"])
    length = float(np.linalg.norm(theta_of(evaluation.dw, evaluation.db)))
    # Sums of ~350 products of size ~1e2 round at ~1e-12; 1e-9 is rounding, not slope.
    that(length < 1e-9, expected="a gradient of length 0 (within 1e-9)", measured=f"{length:.3g}")


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
    params = params_of(start(name, split, request))
    before = impl.linear_loss(X, y, params["w"], params["b"])
    step = fraction * linreg.stable_learning_rate(X)
    after = impl.linear_loss(
        X, y, params["w"] - step * np.asarray(before.dw), params["b"] - step * float(np.ravel(before.db)[0])
    )
    return float(before.loss), float(after.loss)


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
    return impl.fit(diabetes_split, params_of(theta))


@then(parse("its training loss is {loss:Number} to two decimals"))
def _(fitted, loss):
    rounds_to(fitted.train_loss, f"{loss:.2f}", 2)


@then(parse("its parameters equal the least-squares optimum's to {figures:Places} significant figures"))
def _(fitted, diabetes_optimum, figures):
    # exp(-0.01 * 1.9e-5 * 1e9) ~ 1e-83 of the start's offset is left: only the rounding of
    # repeated squaring, ~3e-8 relative at worst (see section 5), inside seven figures' 5e-7.
    ours = theta_of(fitted.params["w"], fitted.params["b"])
    theirs = theta_of(diabetes_optimum.params["w"], diabetes_optimum.params["b"])
    worst = int(np.argmax(np.abs(ours - theirs) / np.abs(theirs)))
    that(
        same_to_figures(ours, theirs, figures),
        expected=f"parameter {worst + 1} = {theirs[worst]:.10g}",
        measured=f"{ours[worst]:.10g}",
    )


@then(parsers.parse("the final loss is {outcome:Outcome} the first", extra_types={"Outcome": outcome}))
def _(training: DiabetesTraining, outcome):
    run = training.training
    if run.diverged:
        that(
            outcome(1.0, np.inf), expected="a finite final loss below the first", measured="training diverged"
        )
        return
    first, last = run.loss_history[0], run.loss_history[-1]
    that(
        outcome(first, last),
        expected=f"a final loss {'below' if outcome(1, 0) else 'far above'} {first:.6g}",
        measured=f"{last:.6g}",
    )
