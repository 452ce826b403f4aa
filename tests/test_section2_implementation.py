"""Steps for features/section2_implementation.feature (article, section 2)."""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import pytest
from diabetes_steps import parse
from hypothesis import given as for_all
from pytest_bdd import parsers, scenarios, then, when
from strategies import Problem, gradient_in_theta, loss_in_theta, quadratic_gradcheck_tolerance

import linreg

scenarios("section2_implementation.feature")


class Trained(NamedTuple):
    """What ``linear_train`` returned, and the parameters the last epoch started from."""

    loss_his: list[float]
    params: linreg.Params
    grads: linreg.Grads
    learning_rate: float
    last_start: linreg.Params


# ---------------------------------------------------------------- When
@when(parsers.parse("a model of {d:d} features is initialised"), target_fixture="initial")
def _(d: int):
    return linreg.initialize_params(d)


@when(
    parse("the model trains for {epochs:d} epochs at {fraction:Fraction} the stable learning rate"),
    target_fixture="trained",
)
def _(data: Problem, epochs: int, fraction: float):
    return linreg.linear_train(data.X, data.y, fraction * linreg.stable_learning_rate(data.X), epochs)


@when(
    parsers.re(
        r"the model trains (?P<verbose>verbosely )?for (?P<epochs>\d+) epochs "
        r"at the article's learning rate of (?P<rate>[\d.]+)"
    ),
    target_fixture="trained",
)
def _(data: Problem, verbose: str | None, epochs: str, rate: str, capsys) -> Trained:
    # capsys is requested here, not in the Then step, so that it captures the training's output.
    # The callback sees each epoch's starting parameters; the last ones it sees are kept.
    seen: dict[str, linreg.Params] = {}

    def keep(_epoch, _loss, w, b):
        seen["last"] = {"w": w.copy(), "b": b}

    result = linreg.linear_train(
        data.X, data.y, float(rate), int(epochs), verbose=bool(verbose), callback=keep
    )
    return Trained(*result, learning_rate=float(rate), last_start=seen["last"])


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
@then("dw and db are the loss's derivatives to six significant digits")
def _(data: Problem, evaluated):
    # Checked against central differences of the loss (linreg.gradcheck). Tolerance: see
    # quadratic_gradcheck_tolerance (rtol 1e-6; the loss is quadratic, so the central
    # difference is exact up to rounding). A dw 0.1 % off misses it a thousandfold.
    analytic = linreg.flatten_params({"w": evaluated.dw, "b": evaluated.db})
    result = linreg.gradcheck(
        loss_in_theta(data), lambda _: analytic, data.theta, **quadratic_gradcheck_tolerance(data)
    )
    assert result.passed, result.describe()


@then("dw and db are the loss's derivatives wherever they are evaluated")
def _(any_problem):
    @for_all(any_problem)
    def check(p: Problem) -> None:
        result = linreg.gradcheck(
            loss_in_theta(p), gradient_in_theta(p), p.theta, **quadratic_gradcheck_tolerance(p)
        )
        assert result.passed, result.describe()

    check()


# ---------------------------------------------------------------- Then: claim 2.4
@then("every epoch's loss is lower than the one before")
def _(trained):
    # Strictly: over these 20 epochs the smallest fall (~5e-6 relative) is far above rounding.
    loss_his, _, _ = trained
    assert np.all(np.diff(loss_his) < 0)


@then("the loss after the first step is lower than the zero model's")
def _(trained):
    loss_his, _, _ = trained
    assert loss_his[1] < loss_his[0]


@then("the final loss is more than a billion times the zero model's")
def _(trained):
    loss_his, _, _ = trained
    assert loss_his[-1] > 1e9 * loss_his[0]


# ---------------------------------------------------------------- Then: claim 2.5
@then(parsers.parse("the history holds {epochs:d} losses, the first being the zero model's loss"))
def _(trained: Trained, data: Problem, epochs: int):
    assert len(trained.loss_his) == epochs
    assert trained.loss_his[0] == linreg.linear_loss(data.X, data.y, *linreg.initialize_params(data.d))[1]


@then("the returned gradients are those of the last epoch's starting parameters")
def _(trained: Trained, data: Problem):
    _, _, dw, db = linreg.linear_loss(data.X, data.y, **trained.last_start)
    # The same arithmetic on the same parameters; allow only a last-bit difference.
    np.testing.assert_allclose(trained.grads["dw"], dw, rtol=1e-14)
    assert trained.grads["db"] == pytest.approx(db, rel=1e-14)


@then("the returned parameters are one step against those gradients from the last epoch's start")
def _(trained: Trained):
    start, rate, grads = trained.last_start, trained.learning_rate, trained.grads
    # One subtraction per entry: exact up to its own rounding.
    np.testing.assert_allclose(trained.params["w"], start["w"] - rate * grads["dw"], rtol=1e-14)
    assert trained.params["b"] == pytest.approx(start["b"] - rate * grads["db"], rel=1e-14)


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
        assert float(m[2]) == pytest.approx(trained.loss_his[int(m[1]) - 1], abs=5e-7)
