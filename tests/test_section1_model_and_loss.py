"""Steps for features/section1_model_and_loss.feature (article, section 1)."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from checks import derivatives_match, equals, loss_history, that
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
    problem: Problem, learning_rate: float, epochs: int
) -> tuple[list[float], np.ndarray]:
    # The article's update rule on the loss without the 1/2, its gradient taken by central
    # differences so that nothing here leans on claim 1.3 or on the implementation.
    f = loss_without_half(problem)
    theta, history = np.zeros(problem.d + 1), []
    for _ in range(epochs):
        history.append(f(theta))
        theta = theta - learning_rate * linreg.numerical_gradient(f, theta)
    return history, theta


class Descents(NamedTuple):
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
    alpha = fraction * linreg.stable_learning_rate(data.X)
    return Descents(
        article=impl.train(data.X, data.y, alpha, epochs),
        article_doubled=impl.train(data.X, data.y, 2 * alpha, epochs),
        without_half=descend_without_half(data, alpha, epochs),
    )


# ---------------------------------------------------------------- Then: claim 1.1
@then(parsers.parse("the prediction is a column of {n:d} values"))
def _(evaluated, n: int):
    equals(np.shape(evaluated.y_hat), (n, 1), "shape")


@then("each value is its sample's features weighted by w, plus b, to twelve digits")
def _(evaluated, data: Problem):
    # An independent sum per sample (math.fsum is correctly rounded); a matrix product differs
    # from it by at most about d rounding errors of the largest term, far inside 1e-12.
    by_hand = np.array(
        [math.fsum([*(x * w for x, w in zip(row, data.w[:, 0], strict=True)), data.b]) for row in data.X]
    )
    scale = float((np.abs(data.X) @ np.abs(data.w) + abs(data.b)).max())
    got = np.asarray(evaluated.y_hat, dtype=float).reshape(-1)
    that(got.shape == by_hand.shape, expected=f"{by_hand.size} predictions", measured=f"{got.size}")
    worst = int(np.argmax(np.abs(got - by_hand)))
    that(
        abs(got[worst] - by_hand[worst]) <= 1e-12 * scale,
        expected=f"sample {worst + 1} predicted as {by_hand[worst]:.12g}",
        measured=f"{got[worst]:.12g}",
    )


# ---------------------------------------------------------------- Then: claim 1.2
@then(parsers.parse("the loss is exactly {expected:g}"))
def _(evaluated, expected: float):
    equals(float(evaluated.loss), expected, "loss")


@then("the loss is exactly zero")
def _(evaluated):
    equals(float(evaluated.loss), 0.0, "loss")


@then("the loss is half the mean squared error of the prediction, to fourteen digits")
def _(evaluated, data: Problem):
    # The same sum of squares divided by 2n (the implementation) or by n, then halved (numpy,
    # the oracle here): they differ only by the rounding of the division and the summation order.
    half_mse = float(np.mean((np.asarray(evaluated.y_hat, dtype=float) - data.y) ** 2)) / 2
    that(
        math.isclose(float(evaluated.loss), half_mse, rel_tol=1e-14),
        expected=f"loss {half_mse:.15g}",
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
        # Magnitudes 0 or within [1e-6, 10] (strategies.finite): a non-zero residual is at
        # least ~1e-28, whose square (~1e-56) does not underflow, so it means a positive loss.
        perfect = bool(np.all(p.X @ p.w + p.b == p.y))
        equals(float(evaluation.loss) == 0.0, perfect, "loss is zero:")

    check()


# ---------------------------------------------------------------- Then: claims 1.3 and 1.4
@then("the gradient of the loss without the one half is twice dw and db, to six significant digits")
def _(evaluated, data: Problem):
    # Central differences of the loss without the 1/2 (numpy, an oracle), so nothing leans on
    # claim 1.3 or on the implementation's gradient; checks.derivatives_match bounds the rounding.
    twice = 2 * theta_of(evaluated.dw, evaluated.db)
    derivatives_match(
        loss_without_half(data), twice, data.theta, data.n, source="as twice the implementation's dw, db"
    )


@then("moving any parameter away from them raises the loss with and without the one half")
def _(impl: Implementation, optimum: Problem):
    article, without = impl.loss(optimum.X, optimum.y), loss_without_half(optimum)
    theta = optimum.theta
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
    # Finite-difference gradients of a quadratic are exact to ~1e-9 here; a few contracting steps
    # do not amplify that, so six digits leave three to spare.
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


@then("the loss without the one half ends more than a million times higher than it started")
def _(descents: Descents):
    history, _ = descents.without_half
    that(
        history[-1] > 1e6 * history[0],
        expected=f"above {1e6 * history[0]:.3g}",
        measured=f"{history[-1]:.3g}",
    )
