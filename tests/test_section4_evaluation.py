"""Section 4 of the article: predictions, R^2, the test scores and the loss curve."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pytest
import sklearn.metrics
from checks import EPS, equals, flat, grows, noting, rounds_to, same_figures, significant, sizes, that
from diabetes_steps import *  # noqa: F403  (shared steps register as fixtures in that namespace)
from diabetes_steps import DiabetesTraining, own_optimum_loss, parse
from hypothesis import assume
from hypothesis import given as for_all
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pytest_bdd import given, then, when
from strategies import Problem, noisy_linear
from tooling.binding import bind, titled
from tooling.implementation import Implementation, theta_of
from tooling.update import run_start

bind("section4_evaluation.feature", globals())


@dataclass(frozen=True)
class Predicted:
    """Rows, the parameters they were predicted with, and what the implementation's predict returned."""

    X: np.ndarray
    w: np.ndarray
    b: float
    y_pred: object


@when("the least-squares model's parameters predict the test rows", target_fixture="predicted")
def _(impl: Implementation, split, diabetes_optimum) -> Predicted:
    # Any parameters serve; these (numpy.linalg.lstsq's) need no training run.
    w, b = diabetes_optimum.params["w"], diabetes_optimum.params["b"]
    return Predicted(split.X_test, w, b, impl.predict(split.X_test, diabetes_optimum.params))


@given(
    parse("{n:d} samples of one feature, with targets and predictions of both signs"), target_fixture="data"
)
def _(n: int) -> Problem:
    # Beyond the diabetes split's 89 rows of positive targets: one standard normal feature, and a
    # slope and intercept that put about half the predictions below zero (and the targets too).
    data = noisy_linear(n, 1)
    return Problem(X=data.X, y=data.y, w=np.array([[1.5]]), b=-0.25)


@when("the model's parameters predict them", target_fixture="predicted")
def _(impl: Implementation, data: Problem) -> Predicted:
    return Predicted(data.X, data.w, data.b, impl.predict(data.X, {"w": data.w, "b": data.b}))


@then(parse("the predictions form a column of shape ({rows:d}, 1)"))
def _(predicted: Predicted, rows):
    equals(np.shape(predicted.y_pred), (rows, 1), "shape")


@then("each prediction is its row's features weighted by w, plus b")
def _(predicted: Predicted):
    X, w, b = predicted.X, flat(predicted.w), float(predicted.b)
    by_row = np.array([math.fsum([*(x * w_j for x, w_j in zip(row, w, strict=True)), b]) for row in X])
    got = flat(predicted.y_pred)
    that(got.shape == by_row.shape, expected=f"{by_row.size} predictions", measured=f"{got.size}")
    # Any order of summation leaves a prediction within gamma_{d+1} S_i of the exact X w + b
    # (checks.sizes), the fsum within half an ulp: (d + 2) eps S_i bounds a right one, ~1e-13 of
    # the diabetes predictions. A prediction missing the bias, or clipped at zero, is off by its size.
    S, _ = sizes(X, by_row, np.append(w, b))
    excess = np.abs(got - by_row) - (X.shape[1] + 2) * EPS * S
    worst = int(np.argmax(excess))
    that(
        excess[worst] <= 0,
        expected=f"row {worst + 1} predicted as {by_row[worst]:.17g}",
        measured=f"{got[worst]:.17g}",
    )


@when("the test targets are predicted exactly", target_fixture="r2")
def _(impl: Implementation, split):
    return impl.r2_score(split.y_test, split.y_test.copy())


@when("every test target is predicted by their mean", target_fixture="r2")
def _(impl: Implementation, split):
    return impl.r2_score(split.y_test, np.full_like(split.y_test, split.y_test.mean()))


@when(
    parse("every test target is predicted by their mean plus {k:d} standard deviations"), target_fixture="r2"
)
def _(impl: Implementation, split, k):
    y = split.y_test
    return impl.r2_score(y, np.full_like(y, y.mean() + k * y.std()))


@then("R^2 is exactly 1")
def _(r2):
    equals(r2, 1.0, "R^2")


@then(parse("R^2 is {value:Number} to {decimals:Places} decimals"))
def _(r2, value, decimals):
    # Predicting the mean leaves ss_res == ss_tot in exact arithmetic; each is a sum of 89 squares,
    # within 90 u of itself in any order, and the implementation's mean differs from ours by a few
    # ulps, whose square is negligible: R^2 is within ~2e-14 of 0, far inside twelve decimals.
    # Compared as numbers: an R^2 of -1e-17 would print as "-0.000..." and fail a text match.
    that(abs(r2 - value) <= 0.5 * 10.0**-decimals, expected=f"R^2 = {value:g}", measured=f"{r2:.3g}")


@then(parse("R^2 is {value:Number} to {figures:Places} significant figures"))
def _(r2, value, figures):
    # R^2 = -k^2 exactly in arithmetic; the cross term sum(y - mean) is ~1e-13 of the total,
    # so nine significant figures leave a margin of 1e4 over rounding.
    same_figures(r2, value, figures)


@then("its R^2 equals scikit-learn's r2_score to twelve decimals")
def _(impl: Implementation, split, predicted: Predicted):
    # The same formula evaluated by two libraries, each summing 89 squares in its own order: each
    # sum within 89 eps of itself, so R^2 = 1 - ss_res / ss_tot (0.4) within ~4e-14, well inside
    # twelve decimals.
    ours = impl.r2_score(split.y_test, predicted.y_pred)
    theirs = float(sklearn.metrics.r2_score(split.y_test, flat(predicted.y_pred).reshape(-1, 1)))
    that(abs(ours - theirs) < 5e-13, expected=f"scikit-learn's {theirs:.15g}", measured=f"{ours:.15g}")


@when(
    "the trained model's test predictions are scored by scikit-learn's explained variance",
    target_fixture="share",
)
def _(impl: Implementation, run):
    y_pred = np.asarray(impl.predict(run.split.X_test, run.gradient_descent.params), dtype=float)
    return float(sklearn.metrics.explained_variance_score(run.split.y_test, y_pred.reshape(-1, 1)))


@then(parse("the share explained is {value} to {decimals:Places} decimals"))
def _(share, value, decimals):
    # scikit-learn's explained variance of a reproducible run: exact far inside 5e-5.
    rounds_to(share, value, decimals)


@then(parse("that is {percent:d} % to one significant figure"))
def _(share, percent):
    equals(significant(100 * share, 1), significant(percent, 1), "percentage")


@then(parse("the largest is {ratio:Number} times the smallest to two significant figures"))
def _(eigenvalues, ratio):
    same_figures(eigenvalues[-1] / eigenvalues[0], ratio, 2)


@when(
    parse("we follow the loss above the least-squares optimum from epoch {start:Count} to epoch {end:Count}"),
    target_fixture="kept_fraction",
)
def _(impl: Implementation, run, diabetes_optimum, start, end):
    # Above the implementation's own loss at the optimum: a loss on another scale keeps the same share.
    optimum = own_optimum_loss(impl, run.split, diabetes_optimum)
    return (run.loss_at(end) - optimum) / (run.loss_at(start) - optimum)


@then(parse("it keeps {kept} of itself to two decimals"))
def _(kept_fraction, kept):
    rounds_to(kept_fraction, kept, 2)


def excess_loss_by_modes(impl: Implementation, run, gradient, optimum, updates: int) -> float:
    """Loss above the optimum after ``updates`` steps from the run's start, by eigen-direction.

    With the implementation's gradient's Jacobian H = V diag(lambda) V^T and
    c = V^T (theta_0 - theta*) for the run's start theta_0, the offset after k steps is sum_i c_i (1 - alpha
    lambda_i)^k v_i, and the loss above the optimum sum_i a_i (1 - alpha lambda_i)^(2 k) with a_i
    the implementation's own loss's rise from theta* along c_i v_i (lambda_i c_i^2 / 2 for the
    article's loss).
    """
    eigenvalues, V = np.linalg.eigh((gradient.hessian + gradient.hessian.T) / 2)
    best = theta_of(optimum.params["w"], optimum.params["b"])
    c = V.T @ (run_start(impl, run.split, run) - best)
    loss = impl.loss(run.split.X_train, run.split.y_train)
    at_optimum = float(loss(best))
    rises = np.array([float(loss(best + c_i * v)) - at_optimum for c_i, v in zip(c, V.T, strict=True)])
    return float(np.sum(rises * (1 - run.learning_rate * eigenvalues) ** (2 * updates)))


@when(
    parse("we predict the loss above the optimum at epoch {epoch:Count} from the Hessian's eigen-directions"),
    target_fixture="excess",
)
def _(impl: Implementation, run, diabetes_gradient, diabetes_optimum, epoch):
    # The loss recorded at epoch k is measured after k - 1 updates.
    optimum = own_optimum_loss(impl, run.split, diabetes_optimum)
    return (
        excess_loss_by_modes(impl, run, diabetes_gradient, diabetes_optimum, epoch - 1),
        run.loss_at(epoch) - optimum,
    )


@then("the prediction matches the measured loss above the optimum to six significant figures")
def _(excess):
    predicted, measured = excess
    # The excess is >= 17; the losses (~1e3) carry rounding of ~1e-13 of their terms (~1e-8, see
    # checks.loss_rounding), each rise a_i likewise, and the loop tracks the exact iteration to
    # ~1e-7 in the parameters: 1e-6 relative is ample, while a curve off by one epoch's decay, or a
    # loop at another rate, misses by far more.
    that(
        measured == pytest.approx(predicted, rel=1e-6),
        expected=f"{predicted:.7g}",
        measured=f"{measured:.7g}",
    )


@then("no epoch's loss is higher than the one before")
def _(run):
    # Exact comparison: the claim is monotonicity, and at 0.01 every step lowers the loss by at
    # least alpha |g|^2 (1.8e-5 at the last epoch), far more than its rounding (checks.loss_rounding:
    # ~2e-8 there).
    rises = np.flatnonzero(np.diff(run.loss_history) > 0)
    that(rises.size == 0, expected="no rise", measured=f"rises at epochs {(rises + 2).tolist()[:5]}")


@then(parse("the stable learning rate 2 / lambda_max is {bound} to five decimals"), target_fixture="bound")
def _(eigenvalues, bound):
    rate = 2.0 / float(eigenvalues[-1])
    rounds_to(rate, bound, 5)
    return rate


@then(parse("it is {times:d} times the article's {rate:Number} to the nearest whole number"))
def _(bound, times, rate):
    equals(round(bound / rate), times, "ratio")


@then("its loss grows until it leaves float64's range")
def _(training: DiabetesTraining):
    # Held on the losses seen (checks.grows): at twice the bound the error along the top direction
    # triples every epoch, so the recorded losses pass 1e100 times the first within ~110 epochs, and
    # the run ends with a loss beyond float64 (or stops on it, with the losses before).
    history = grows(training.training, 1e100)
    that(
        training.training.diverged,
        expected="a loss that overflows float64 (or training stopping on it)",
        measured=f"a finite final loss of {history[-1]:.4g}",
    )


@then(
    parse(
        "the final loss is {percent} % above the implementation's own loss "
        "at the least-squares optimum, to one decimal"
    )
)
def _(impl: Implementation, run, diabetes_optimum, percent):
    optimum = own_optimum_loss(impl, run.split, diabetes_optimum)
    rounds_to(100 * (run.loss_at(run.epochs) / optimum - 1), percent, 1, " %")


@then(
    parse(
        "from epoch {start:Count} to epoch {end:Count} the loss fell by {percent:Number} % "
        "to two significant figures"
    )
)
def _(run, start, end, percent):
    # A share of the loss, so the claim is the same on any scale of the loss.
    same_figures(100 * (run.loss_at(start) - run.loss_at(end)) / run.loss_at(start), percent, 2, " %")


@then(
    parse(
        "gradient descent's parameters are {d:d} from the least-squares optimum's to the nearest whole number"
    )
)
def _(run, d):
    equals(round(run.distance_to_optimum), d, "distance")


@then(parse("the length of its final gradient is {length} to two significant figures"))
def _(run, length):
    final = theta_of(run.final_grads["dw"], run.final_grads["db"])
    same_figures(float(np.linalg.norm(final)), float(length), 2)


@when(
    "the update is applied at learning rate 0.01 "
    "until the parameters are within one unit of the least-squares optimum's",
    target_fixture="epochs_needed",
)
def _(request, update, diabetes_optimum):
    # The distance to the optimum falls at every epoch (claim 3.5), so bisection finds the first
    # epoch within one unit: about 30 exact applications of the update, each of any length.
    optimum = theta_of(diabetes_optimum.params["w"], diabetes_optimum.params["b"])

    def within(epochs: int) -> bool:
        return bool(np.linalg.norm(update.descend(0.01, epochs) - optimum) < 1.0)

    low, high = 0, 1
    while not within(high):
        low, high = high, high * 2
        that(high <= 2**40, expected="an epoch within one unit", measured="none within 2^40 epochs")
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (low, middle) if within(middle) else (middle, high)
    lines = update.applied(high, 0.01)
    request.node.user_properties.append(("long run", "\n".join(lines)))
    return Needed(high, tuple(lines))


@dataclass(frozen=True)
class Needed:
    """How many applications of the update it took, and what that update is."""

    epochs: int
    provenance: tuple[str, ...]


@then(parse("that takes {millions:Number} million epochs to three significant figures"))
def _(epochs_needed: Needed, millions):
    with noting(epochs_needed):
        same_figures(epochs_needed.epochs / 1e6, millions, 3, " million")


# R^2 is 1 - ss_res / ss_tot with both sums non-negative, so it can never exceed 1.
moderate = st.floats(-1e3, 1e3, allow_subnormal=False)


@titled("claim-4.2: R^2 is never above 1, whatever the targets and predictions")
@getattr(pytest.mark, "claim-4.2")
@getattr(pytest.mark, "section-4")
@for_all(arrays(np.float64, st.integers(2, 30), elements=moderate), st.data())
def _(impl: Implementation, y_test, data):
    assume(np.ptp(y_test) > 1e-3)  # R^2 needs targets that are not all equal
    y_pred = data.draw(arrays(np.float64, y_test.shape, elements=moderate))
    r2 = impl.r2_score(y_test.reshape(-1, 1), y_pred.reshape(-1, 1))
    that(r2 <= 1.0, expected="R^2 of at most 1", measured=f"{r2!r}")
