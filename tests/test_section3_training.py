"""Section 3 of the article: the diabetes data, its split, and the 200,000-epoch run."""

from __future__ import annotations

import numpy as np
from diabetes_steps import *  # noqa: F403  (shared steps register as fixtures in that namespace)
from diabetes_steps import parse, to_decimals
from pytest_bdd import scenarios, then, when

import linreg
from linreg.experiment import LEARNING_RATE

scenarios("section3_training.feature")


@then(parse("the training and test rows together number {n:d}"))
def _(split, n):
    assert split.X_train.shape[0] + split.X_test.shape[0] == n


@then(parse("every row has {d:d} features"))
def _(split, d):
    assert split.X_train.shape[1] == split.X_test.shape[1] == d


@then(parse("{array} has the shape ({rows:d}, {columns:d})"))
def _(split, array, rows, columns):
    assert getattr(split, array).shape == (rows, columns)


@then(parse("the training rows are {percent:d} % of {n:d} rounded down, {rows:d}"))
def _(split, percent, n, rows):
    assert split.X_train.shape[0] == int(n * percent / 100) == rows


@then(parse("they are {share} % of the data to one decimal"))
def _(split, share):
    n_train, n_test = split.X_train.shape[0], split.X_test.shape[0]
    assert to_decimals(100 * n_train / (n_train + n_test), 1) == share


@then(parse("the loss at epoch {epoch:Count} is {loss} to {decimals:Places} decimals"), target_fixture="loss")
def _(run, epoch, loss, decimals):
    # Rounding to the stated decimals is the article's own precision; the
    # measured value is reproducible to ~1e-10, far inside half a unit there.
    assert to_decimals(run.loss_at(epoch), decimals) == loss
    return run.loss_at(epoch)


@then(parse("the loss at epoch {epoch:Count} is half the mean squared training target"))
def _(run, epoch):
    # Same sum in a different order: agreement to 1e-12 relative is rounding only.
    assert np.isclose(run.loss_at(epoch), np.mean(run.split.y_train**2) / 2, rtol=1e-12, atol=0)


@then(parse("its whole part is {whole:d}"))
def _(loss, whole):
    assert int(loss) == whole


@when(
    parse(
        "the model trains for {epochs:Count} epochs at the article's learning rate, reporting its progress"
    ),
    target_fixture="printed",
)
def _(split, epochs, capsys):
    # verbose=True is the article's print every 10,000 epochs.
    linreg.linear_train(split.X_train, split.y_train, LEARNING_RATE, epochs, verbose=True)
    return capsys.readouterr().out.splitlines()


@then(parse('the only report is "{line}"'))
def _(printed, line):
    assert printed == [line]


def distances(training, optimum) -> np.ndarray:
    """Distance of (w, b) to the least-squares optimum at the start of every epoch."""
    return np.linalg.norm(training.path - linreg.flatten_params(optimum.params), axis=1)


@then("its parameters are closer to the least-squares optimum at every epoch than at the one before")
def _(training, diabetes_optimum):
    # Strictly: I - alpha H is a contraction, and over 20,000 epochs the slowest
    # direction still shrinks by ~2e-7 of ~1300 per epoch, far above rounding.
    assert np.all(np.diff(distances(training, diabetes_optimum)) < 0)


@then(
    "its parameters end more than a thousand times farther from the least-squares optimum than they started"
)
def _(training, diabetes_optimum):
    gaps = distances(training, diabetes_optimum)
    assert gaps[-1] > 1000 * gaps[0]
