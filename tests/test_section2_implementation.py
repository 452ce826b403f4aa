"""Steps for features/section2_implementation.feature (article, section 2)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from checks import (
    EPS,
    derivatives_match,
    equals,
    gradient_rounding,
    grows,
    loss_history,
    loss_rounding,
    progress_report,
    same_as_printed,
    start_of,
    that,
)
from diabetes_steps import parse
from hypothesis import given as for_all
from pytest_bdd import parsers, then, when
from strategies import Problem
from tooling.binding import bind
from tooling.implementation import Implementation, Training, theta_of

import linreg

bind("section2_implementation.feature", globals())


@dataclass
class Trained:
    """A run of the implementation's linear_train, with what it was given."""

    impl: Implementation
    data: Problem
    run: Training
    learning_rate: float

    @cached_property
    def shorter(self) -> Training:
        """The same run one epoch shorter, from the same start (its initialize_params made to return
        where this run started), so it ends where the last epoch of this one started (where its
        returned gradients are measured)."""
        epochs = len(self.run.loss_history) if self.run.loss_history is not None else 0
        # A copy: a loop that updates its parameters in place (the article's w += ...) may write
        # into the start it is given.
        start = None if self.run.start is None else self.run.start.copy()
        return self.impl.train(self.data.X, self.data.y, self.learning_rate, epochs - 1, start=start)


# ---------------------------------------------------------------- When
@when(parsers.parse("a model of {d:d} features is initialised"), target_fixture="initial")
def _(impl: Implementation, d: int):
    return impl.initialize_params(d)


@when(
    parse("the model trains for {epochs:d} epochs at {fraction:Fraction} the stable learning rate"),
    target_fixture="training",
)
def _(impl: Implementation, data: Problem, epochs: int, fraction: float) -> Training:
    return impl.train(data.X, data.y, fraction * linreg.stable_learning_rate(data.X), epochs)


@when(
    parse("the model trains for {epochs:d} epochs at {fraction:Fraction} the stable learning rate from zero"),
    target_fixture="training",
)
def _(impl: Implementation, data: Problem, epochs: int, fraction: float) -> Training:
    # Whether one step just above the bound lowers the loss depends on where it starts (the
    # threshold 2|g|^2 / g^T H g is the gradient's there): this is the article's start, its own loop.
    alpha = fraction * linreg.stable_learning_rate(data.X)
    return impl.train(data.X, data.y, alpha, epochs, start=np.zeros(data.d + 1))


@when(
    parsers.re(
        r"the model trains for (?P<epochs>\d+) epochs at the article's learning rate of (?P<rate>[\d.]+)"
        r"(?P<report>, reporting its progress)?"
    ),
    target_fixture="trained",
)
def _(impl: Implementation, data: Problem, epochs: str, rate: str, report: str | None) -> Trained:
    return Trained(
        impl, data, impl.train(data.X, data.y, float(rate), int(epochs), report=bool(report)), float(rate)
    )


# ---------------------------------------------------------------- Then: claims 2.1 and 2.2
@then(parsers.parse("its weights are a column of {d:d} zeros"))
def _(initial, d: int):
    w, _ = initial
    equals(np.shape(w), (d, 1), "shape")
    that(not np.any(w), expected="all zeros", measured=f"{np.count_nonzero(w)} non-zero")


@then("its bias is zero")
def _(initial):
    _, b = initial
    equals(np.ndim(b), 0, "dimensions")
    equals(b, 0, "bias")


@then(parsers.parse("the prediction is a column of {n:d} values and the loss a single number"))
def _(evaluated, n: int):
    equals(np.shape(evaluated.y_hat), (n, 1), "prediction shape")
    equals(np.ndim(evaluated.loss), 0, "loss dimensions")


@then(parsers.parse("the weight gradient is a column of {d:d} values and the bias gradient a single number"))
def _(evaluated, d: int):
    equals(np.shape(evaluated.dw), (d, 1), "dw shape")
    equals(np.ndim(evaluated.db), 0, "db dimensions")


# ---------------------------------------------------------------- Then: claim 2.3
@then("dw and db are the loss's derivatives to six significant digits")
def _(impl: Implementation, data: Problem, evaluated):
    # Central differences of the implementation's own loss; checks.derivatives_match derives the
    # tolerance from the step and the loss's size (rounding only: the loss is a quadratic).
    analytic = theta_of(evaluated.dw, evaluated.db)
    derivatives_match(
        impl.loss(data.X, data.y), analytic, data.X, data.y, data.theta, source="from its dw, db"
    )


@then("dw and db are the loss's derivatives wherever they are evaluated")
def _(impl: Implementation, any_problem):
    @for_all(any_problem)
    def check(p: Problem) -> None:
        evaluation = impl.linear_loss(p.X, p.y, p.w, p.b)
        analytic = theta_of(evaluation.dw, evaluation.db)
        derivatives_match(impl.loss(p.X, p.y), analytic, p.X, p.y, p.theta, source="from its dw, db")

    check()


# ---------------------------------------------------------------- Then: claim 2.4
@then("every epoch's loss is lower than the one before")
def _(training: Training):
    # Strictly: over these 20 epochs the smallest fall (~5e-6 relative) is far above rounding.
    rises = np.flatnonzero(np.diff(loss_history(training)) >= 0)
    that(
        rises.size == 0,
        expected="a lower loss at every epoch",
        measured=f"no fall at epochs {(rises + 2).tolist()[:5]}",
    )


@then("the loss after the first step is lower than the starting model's")
def _(training: Training):
    history = loss_history(training)
    that(history[1] < history[0], expected=f"below {history[0]:.6g}", measured=f"{history[1]:.6g}")


@then("the final loss is more than a billion times the starting model's")
def _(training: Training):
    # Held only on losses seen to grow (checks.grows): the error along the top direction grows by
    # 1.2 each epoch, its share of the loss by 1.44, ~1e63 over 400 epochs; a run that stops or
    # refuses to run shows no growth.
    grows(training, 1e9)


# ---------------------------------------------------------------- Then: claim 2.5
@then(parsers.parse("the history holds {epochs:d} losses, the first being the loss where it started"))
def _(impl: Implementation, trained: Trained, data: Problem, epochs: int):
    history = loss_history(trained.run)
    equals(history.shape, (epochs,), "history shape")
    # Where this run started (what its initialize_params returned during it: zero for the
    # article's code); its loop may compute the loss another way than linear_loss does (the Gram
    # matrix, say), so the two agree up to checks.loss_rounding there.
    start = start_of(trained.run, impl, data.d)
    first = float(impl.loss(data.X, data.y)(start))
    allowed = loss_rounding(data.X, data.y, start)
    that(
        abs(float(history[0]) - first) <= allowed,
        expected=f"first loss {first:.15g}, the loss at the start (within {allowed:.1g})",
        measured=f"{float(history[0]):.15g}",
    )


@then("the returned gradients are those of the last epoch's starting parameters")
def _(impl: Implementation, trained: Trained, data: Problem):
    start = trained.shorter.theta
    evaluation = impl.linear_loss(data.X, data.y, start[:-1].reshape(-1, 1), float(start[-1]))
    expected, got = (
        theta_of(evaluation.dw, evaluation.db),
        theta_of(trained.run.grads["dw"], trained.run.grads["db"]),
    )
    # The same gradients at the same parameters, but the loop may compute them another way than
    # linear_loss does (the Gram matrix X^T X / n, say): each is within checks.gradient_rounding of
    # the exact value, so they may differ by twice that. The gradients one epoch early or late
    # differ by alpha H g, ~1e-5 here, five orders above.
    allowed = 2 * gradient_rounding(data.X, data.y, start)
    excess = np.abs(got - expected) - allowed if got.shape == expected.shape else np.array([np.inf])
    worst = int(np.argmax(excess))
    that(
        bool(np.all(excess <= 0)),
        expected="the gradients at the last epoch's start",
        measured=f"gradient {worst + 1} {abs(got - expected)[worst]:.3g} away (within {allowed[worst]:.2g})"
        if got.shape == expected.shape
        else f"{got.size} gradients",
    )


@then("the returned parameters are one step against those gradients from the last epoch's start")
def _(trained: Trained):
    start, grads = trained.shorter.theta, trained.run.grads
    step = trained.learning_rate * theta_of(grads["dw"], grads["db"])
    expected = start - step
    # One product and one subtraction per entry, however the loop writes them (in place or not):
    # each rounds once, so the parameters are within eps (|start| + |step|) of this.
    allowed = EPS * (np.abs(start) + np.abs(step))
    gap = np.abs(trained.run.theta - expected)
    worst = int(np.argmax(gap - allowed))
    that(
        bool(np.all(gap <= allowed)),
        expected="one step from the last epoch's start",
        measured=f"parameter {worst + 1} {gap[worst]:.3g} away (within {allowed[worst]:.2g})",
    )


@then("nothing is printed")
def _(trained: Trained):
    equals(trained.run.printed, [], "printed lines:")


@then(parsers.parse("it prints one line each for epochs {first:d} and {second:d}, giving that epoch's loss"))
def _(trained: Trained, first: int, second: int):
    lines = trained.run.printed
    reports = [progress_report(line) for line in lines]
    that(
        all(reports) and [epoch for epoch, _ in reports] == [first, second],
        expected=f"a report of epochs {first} and {second}, each with its loss",
        measured=repr(lines[:3]),
    )
    history = loss_history(trained.run)
    for epoch, loss in reports:
        # The article prints six decimals ("%f"); whatever the rounding, it must be this epoch's loss.
        that(
            same_as_printed(loss, history[epoch - 1]),
            expected=f"the loss at epoch {epoch}, {history[epoch - 1]:.6f}",
            measured=loss,
        )


# ---------------------------------------------------------------- claim 2.5: the article's defaults
@when("the model trains with neither a learning rate nor a number of epochs", target_fixture="defaulted")
def _(impl: Implementation, data: Problem) -> Training:
    return impl.train(data.X, data.y, None, None)


@then(
    parse(
        "that run is the run of {epochs:d} epochs at the article's learning rate of {rate:Number} "
        "from the same start, loss for loss"
    )
)
def _(impl: Implementation, data: Problem, defaulted: Training, epochs: int, rate: float):
    # The same code on the same arguments from the same start does the same floating-point
    # operations, so the two histories are equal exactly: any difference is another run (other
    # defaults), never rounding.
    history = loss_history(defaulted)
    start = None if defaulted.start is None else defaulted.start.copy()
    explicit = loss_history(impl.train(data.X, data.y, rate, epochs, start=start))
    same = history.shape == explicit.shape and bool(np.array_equal(history, explicit))
    that(
        same,
        expected=f"{epochs} losses, those of linear_train(X, y, {rate:g}, {epochs})",
        measured=f"{history.size} losses"
        + ("" if history.shape != explicit.shape else ", not those of that run"),
    )
