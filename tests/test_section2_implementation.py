"""Steps for features/section2_implementation.feature (article, section 2)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given as for_all
from pytest_bdd import parsers, scenarios, then, when
from strategies import Problem, gradient_in_theta, loss_in_theta, quadratic_gradcheck_tolerance

import linreg

scenarios("section2_implementation.feature")

FRACTIONS = {"a hundredth of": 0.01, "half": 0.5, "0.99 times": 0.99, "1.1 times": 1.1}


# ---------------------------------------------------------------- When
@when(parsers.parse("a model of {d:d} features is initialised"), target_fixture="initial")
def _(d: int):
    return linreg.initialize_params(d)


@when(
    parsers.parse("the model trains for {epochs:d} epochs at {fraction} the stable learning rate"),
    target_fixture="trained",
)
def _(data: Problem, epochs: int, fraction: str):
    return linreg.linear_train(
        data.X, data.y, FRACTIONS[fraction] * linreg.stable_learning_rate(data.X), epochs
    )


@when(
    parsers.re(
        r"the model trains (?P<verbose>verbosely )?for (?P<epochs>\d+) epochs "
        r"at the article's learning rate of (?P<rate>[\d.]+)"
    ),
    target_fixture="trained",
)
def _(data: Problem, verbose: str | None, epochs: str, rate: str, capsys):
    # capsys is requested here, not in the Then step, so that it captures the training's output.
    return linreg.linear_train(data.X, data.y, float(rate), int(epochs), verbose=bool(verbose))


# ---------------------------------------------------------------- Then: claims 2.1 and 2.2
@then(parsers.parse("its weights are a column of {d:d} zeros"))
def _(initial, d: int):
    w, _ = initial
    assert w.shape == (d, 1)
    assert not np.any(w)


@then("its bias is zero")
def _(initial):
    _, b = initial
    assert np.ndim(b) == 0
    assert b == 0


@then(parsers.parse("the prediction is a column of {n:d} values and the loss a single number"))
def _(evaluated, n: int):
    assert evaluated.y_hat.shape == (n, 1)
    assert np.ndim(evaluated.loss) == 0


@then(parsers.parse("the weight gradient is a column of {d:d} values and the bias gradient a single number"))
def _(evaluated, d: int):
    assert evaluated.dw.shape == (d, 1)
    assert np.ndim(evaluated.db) == 0


# ---------------------------------------------------------------- Then: claim 2.3
@then("dw and db agree with central differences of the loss to six significant digits")
def _(data: Problem, evaluated):
    # Tolerance: see quadratic_gradcheck_tolerance (rtol 1e-6; the loss is quadratic, so the
    # central difference is exact up to rounding). A dw 0.1 % off misses it a thousandfold.
    analytic = np.append(evaluated.dw.ravel(), evaluated.db)
    result = linreg.gradcheck(
        loss_in_theta(data), lambda _: analytic, data.theta, **quadratic_gradcheck_tolerance(data)
    )
    assert result.passed


@then("dw and db agree with central differences of the loss wherever they are evaluated")
def _(any_problem):
    @for_all(any_problem)
    def check(p: Problem) -> None:
        result = linreg.gradcheck(
            loss_in_theta(p), gradient_in_theta(p), p.theta, **quadratic_gradcheck_tolerance(p)
        )
        assert result.passed, result.describe()

    check()


# ---------------------------------------------------------------- Then: claim 2.4
@then("the loss after the first step is lower than the zero model's")
def _(trained):
    loss_his, _, _ = trained
    assert loss_his[1] < loss_his[0]


@then(parsers.parse("every one of the last {k:d} epochs has a higher loss than the one before"))
def _(trained, k: int):
    losses = np.asarray(trained[0])
    assert np.all(np.diff(losses[-(k + 1) :]) > 0)


@then("the final loss is more than a billion times the zero model's")
def _(trained):
    loss_his, _, _ = trained
    assert loss_his[-1] > 1e9 * loss_his[0]


# ---------------------------------------------------------------- Then: claim 2.5
@then(parsers.parse("the history holds {epochs:d} losses, the first being the zero model's loss"))
def _(trained, data: Problem, epochs: int):
    loss_his, _, _ = trained
    assert len(loss_his) == epochs
    assert loss_his[0] == linreg.linear_loss(data.X, data.y, *linreg.initialize_params(data.d))[1]


@then("the returned gradients are those of the last epoch's starting parameters")
def _(trained, data: Problem):
    loss_his, _, grads = trained
    _, before_last, _ = linreg.linear_train(data.X, data.y, 0.01, len(loss_his) - 1)
    _, _, dw, db = linreg.linear_loss(data.X, data.y, before_last["w"], before_last["b"])
    # The same arithmetic on the same parameters; allow only a last-bit difference.
    np.testing.assert_allclose(grads["dw"], dw, rtol=1e-14)
    assert grads["db"] == pytest.approx(db, rel=1e-14)


@then("the returned parameters are one step against them from there")
def _(trained, data: Problem):
    loss_his, params, grads = trained
    _, before_last, _ = linreg.linear_train(data.X, data.y, 0.01, len(loss_his) - 1)
    # One subtraction per entry: exact up to its own rounding.
    np.testing.assert_allclose(params["w"], before_last["w"] - 0.01 * grads["dw"], rtol=1e-14)
    assert params["b"] == pytest.approx(before_last["b"] - 0.01 * grads["db"], rel=1e-14)


@then("nothing is printed")
def _(capsys):
    assert capsys.readouterr().out == ""


@then(parsers.parse("it prints one line each for epochs {first:d} and {second:d}, giving that epoch's loss"))
def _(trained, capsys, first: int, second: int):
    lines = capsys.readouterr().out.splitlines()
    printed = [re.fullmatch(r"epoch (\d+) loss ([\d.]+)", line) for line in lines]
    assert all(printed), lines
    assert [int(m[1]) for m in printed] == [first, second]
    for m in printed:
        # Printed with six decimals, as the article's "%f" does.
        assert float(m[2]) == pytest.approx(trained[0][int(m[1]) - 1], abs=5e-7)
