"""Steps for features/section1_model_and_loss.feature (article, section 1)."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from checks import (
    EPS,
    central_differences,
    derivatives_match,
    equals,
    flat,
    grows,
    loss_history,
    loss_rounding,
    sizes,
    start_of,
    that,
)
from diabetes_steps import parse
from hypothesis import example
from hypothesis import given as for_all
from pytest_bdd import given, parsers, then, when
from strategies import Problem, loss_without_half
from tooling.binding import bind
from tooling.implementation import Implementation, Training, theta_of

import linreg

bind("section1_model_and_loss.feature", globals())


def descend_without_half(
    problem: Problem, start: np.ndarray, learning_rate: float, epochs: int
) -> tuple[list[float], np.ndarray]:
    # The article's update rule on the loss without the 1/2, from ``start``, its gradient taken
    # by central differences so that nothing here leans on claim 1.3 or on the implementation.
    # The loss is a quadratic, so the steps can be long (see checks.derivatives_match): the
    # differences are then exact to ~1e-13 of the gradient's terms.
    f = loss_without_half(problem)
    curvature = 2 * np.append(np.mean(problem.X**2, axis=0), 1.0)
    theta, history = start.copy(), []
    for _ in range(epochs):
        history.append(f(theta))
        size = max(2 * float(np.sum(sizes(problem.X, problem.y, theta)[1] ** 2)) / (2 * problem.n), 1.0)
        theta = theta - learning_rate * central_differences(f, theta, np.sqrt(2 * size / curvature))[0]
    return history, theta


class Descents(NamedTuple):
    """The implementation's runs at alpha and 2 alpha from one start, and the oracle's descent
    without the one half at alpha from there."""

    article: Training
    article_doubled: Training
    without_half: tuple[list[float], np.ndarray]


# ---------------------------------------------------------------- Given
@given(
    parsers.parse("three predictions that miss their targets by {r1:d}, {r2:d} and {r3:d}"),
    target_fixture="data",
)
def _(r1: int, r2: int, r3: int) -> Problem:
    # X w + b with w = 2, b = 1 predicts 3, 5, 7 (by hand); each target sits one residual below.
    X = np.array([[1.0], [2.0], [3.0]])
    return Problem(X=X, y=np.array([[3.0 - r1], [5.0 - r2], [7.0 - r3]]), w=np.array([[2.0]]), b=1.0)


@given(
    parsers.parse("targets that a model of {n:d} samples and {d:d} features predicts exactly"),
    target_fixture="data",
)
def _(n: int, d: int) -> Problem:
    # Small integers: every product and sum is exact in float64, so "exactly zero" is honest.
    rng = np.random.default_rng([n, d])
    X, w, b = rng.integers(-9, 10, (n, d)).astype(float), rng.integers(-9, 10, (d, 1)).astype(float), 3.0
    return Problem(X=X, y=X @ w + b, w=w, b=b)


# ---------------------------------------------------------------- When
@when("the least-squares parameters are found", target_fixture="optimum")
def _(data: Problem) -> Problem:
    params = linreg.least_squares(data.X, data.y)  # the oracle, numpy.linalg.lstsq
    return Problem(X=data.X, y=data.y, w=params["w"], b=params["b"])


@when(
    parse(
        "both losses are descended for {epochs:d} epochs "
        "at {fraction:Fraction} the article's stable learning rate"
    ),
    target_fixture="descents",
)
def _(impl: Implementation, data: Problem, epochs: int, fraction: float) -> Descents:
    # One start for all three descents: where the implementation's run at 2 alpha started (its
    # own start, zero for the article's code), given to its run at alpha too.
    alpha = fraction * linreg.stable_learning_rate(data.X)
    doubled = impl.train(data.X, data.y, 2 * alpha, epochs)
    start = start_of(doubled, impl, data.d)
    return Descents(
        article=impl.train(data.X, data.y, alpha, epochs, start=start.copy()),
        article_doubled=doubled,
        without_half=descend_without_half(data, start, alpha, epochs),
    )


# ---------------------------------------------------------------- Then: claim 1.1
@then(parsers.parse("the prediction is a column of {n:d} values"))
def _(evaluated, n: int):
    equals(np.shape(evaluated.y_hat), (n, 1), "shape")


@then("each value is its sample's features weighted by w, plus b, to twelve digits")
def _(evaluated, data: Problem):
    # An independent sum per sample (math.fsum, correctly rounded) against the implementation's,
    # in whatever order it sums: each value is off by at most gamma_{d+1} S_i (checks.sizes), the
    # fsum by half an ulp, so (d + 2) eps S_i bounds a right prediction; that is inside twelve
    # digits of the sample's terms (d + 2 <= 12 here), and a prediction missing anything is far out.
    by_hand = np.array(
        [math.fsum([*(x * w for x, w in zip(row, data.w[:, 0], strict=True)), data.b]) for row in data.X]
    )
    S, _ = sizes(data.X, data.y, data.theta)
    got = flat(evaluated.y_hat)
    that(got.shape == by_hand.shape, expected=f"{by_hand.size} predictions", measured=f"{got.size}")
    excess = np.abs(got - by_hand) - (data.d + 2) * EPS * S
    worst = int(np.argmax(excess))
    that(
        excess[worst] <= 0,
        expected=f"sample {worst + 1} predicted as {by_hand[worst]:.17g}",
        measured=f"{got[worst]:.17g}",
    )


# ---------------------------------------------------------------- Then: claim 1.2
@then(parsers.parse("the loss is exactly {expected:g}"))
def _(evaluated, expected: float):
    equals(float(evaluated.loss), expected, "loss")


@then("the loss is exactly zero")
def _(evaluated):
    equals(float(evaluated.loss), 0.0, "loss")


@then("the loss is half the mean squared error of the prediction, up to rounding")
def _(evaluated, data: Problem):
    # Half the mean squared error of the implementation's own prediction, computed here with numpy
    # (the oracle), against its loss: another order of summation, or another form of the same
    # quadratic, may differ by checks.loss_rounding (about 1e-14 of the loss here); the loss
    # without its one half, or with any other term, is off by its own size.
    half_mse = float(np.mean((flat(evaluated.y_hat) - flat(data.y)) ** 2)) / 2
    allowed = loss_rounding(data.X, data.y, data.theta) + data.n * EPS * half_mse
    that(
        abs(float(evaluated.loss) - half_mse) <= allowed,
        expected=f"loss {half_mse:.15g} (within {allowed:.1g})",
        measured=f"{float(evaluated.loss):.15g}",
    )


@then("the loss is at least zero")
def _(impl: Implementation, any_problem):
    @for_all(any_problem)
    def check(p: Problem) -> None:
        loss = float(impl.linear_loss(p.X, p.y, p.w, p.b).loss)
        that(loss >= 0.0, expected="a loss of at least 0", measured=f"{loss!r}")

    check()


#: Residuals of 1 and -1: they cancel in a sum but not in a sum of squares.
CANCELLING = Problem(X=np.zeros((2, 1)), y=np.array([[1.0], [-1.0]]), w=np.zeros((1, 1)), b=0.0)


@then("the loss is zero exactly when every residual is zero")
def _(impl: Implementation, any_problem):
    @for_all(any_problem)
    @example(CANCELLING)
    def check(p: Problem) -> None:
        evaluation = impl.linear_loss(p.X, p.y, p.w, p.b)
        # The residuals of the implementation's own prediction, so that its order of summation
        # decides what a perfect fit is. Magnitudes 0 or within [1e-6, 10] (strategies.finite): a
        # non-zero residual is at least ~1e-28, whose square (~1e-56) does not underflow, so it
        # means a positive loss.
        perfect = bool(np.all(flat(evaluation.y_hat) == flat(p.y)))
        equals(float(evaluation.loss) == 0.0, perfect, "loss is zero:")

    check()


# ---------------------------------------------------------------- Then: claims 1.3 and 1.4
@then("the gradient of the loss without the one half is twice dw and db, to six significant digits")
def _(evaluated, data: Problem):
    # Central differences of the loss without the 1/2 (numpy, an oracle), so nothing leans on
    # claim 1.3 or on the implementation's gradient; checks.derivatives_match bounds the rounding.
    twice = 2 * theta_of(evaluated.dw, evaluated.db)
    derivatives_match(
        loss_without_half(data),
        twice,
        data.X,
        data.y,
        data.theta,
        source="as twice the implementation's dw, db",
        scale=2.0,
    )


@then("moving any parameter away from them raises the loss with and without the one half")
def _(impl: Implementation, optimum: Problem):
    article, without = impl.loss(optimum.X, optimum.y), loss_without_half(optimum)
    theta = optimum.theta
    # A step of 1e-3 from the minimiser raises either loss by H_ii 1e-6 / 2 (H_ii ~ 1 for these
    # standard normal features), ten million times its rounding (checks.loss_rounding, ~1e-13 here).
    for i in range(theta.size):
        for step in (-1e-3, 1e-3):
            moved = theta.copy()
            moved[i] += step
            for name, loss in (("the article's loss", article), ("the loss without the one half", without)):
                that(
                    loss(moved) > loss(theta),
                    expected=f"{name} above {loss(theta):.10g} after moving parameter {i + 1} by {step:g}",
                    measured=f"{loss(moved):.10g}",
                )


@then(
    parsers.parse(
        "the parameters without the one half match the article's at half the stable rate, to six digits"
    )
)
def _(descents: Descents):
    ours = descents.article_doubled.theta
    # The oracle's differences are exact to ~1e-13 of the gradient's terms and the implementation's
    # gradient to its rounding (checks.gradient_rounding, ~1e-14 here); a few steps at a stable rate
    # do not amplify either, so six digits leave several to spare.
    gap = float(np.abs(descents.without_half[1] - ours).max())
    that(
        gap <= 1e-6 * float(np.abs(ours).max()),
        expected="the same parameters to six digits",
        measured=f"parameters up to {gap:.3g} apart",
    )


@then(parsers.parse("they differ from the article's at a quarter of the stable rate"))
def _(descents: Descents):
    ours = descents.article.theta
    gap = float(np.abs(descents.without_half[1] - ours).max())
    # After a few epochs the two paths are visibly apart, far beyond the 1e-6 agreement above.
    that(
        gap > 1e-3 * float(np.abs(ours).max()),
        expected="parameters visibly apart",
        measured=f"{gap:.3g} apart",
    )


@then("the article's loss ends below where it started")
def _(descents: Descents):
    history = loss_history(descents.article)
    that(
        history[-1] < history[0],
        expected=f"a final loss below {history[0]:.6g}",
        measured=f"{history[-1]:.6g}",
    )


@then(
    "the article's descent at twice that rate, the descent without the one half, "
    "ends more than a million times higher than it started"
)
def _(descents: Descents):
    # The scenario before shows that descending the loss without the one half is the article's
    # descent at twice the rate; here that is the implementation's own run at 2 alpha (1.5 times
    # the stable rate), whose loss must be seen to grow: each epoch multiplies the error along the
    # top direction by 2, its share of the loss by 4, so 100 epochs reach ~4^100 of it.
    grows(descents.article_doubled, 1e6)
