"""Section 5 of the article: the comparison with scikit-learn's LinearRegression."""

from __future__ import annotations

import numpy as np
from diabetes_steps import *  # noqa: F403  (shared steps register as fixtures in that namespace)
from diabetes_steps import FEATURES, distance, parse, same_to_figures, theta, to_decimals
from pytest_bdd import scenarios, then, when

import linreg

scenarios("section5_sklearn.feature")


@when("the test mean squared errors of gradient descent and scikit-learn are compared", target_fixture="gap")
def _(run):
    return run.sklearn.test_mse - run.gradient_descent.test_mse


@then(parse("they differ by {gap_text} to two decimals"))
def _(gap, gap_text):
    assert to_decimals(gap, 2) == gap_text


@then(parse("that is {percent} % of scikit-learn's to one decimal"))
def _(run, gap, percent):
    assert to_decimals(100 * gap / run.sklearn.test_mse, 1) == percent


@then(parse("{model} weighs {feature} by {weight} to one decimal"))
def _(run, model, feature, weight):
    fitted = {"gradient descent": run.gradient_descent, "scikit-learn": run.sklearn}[model]
    assert to_decimals(fitted.params["w"][FEATURES.index(feature), 0], 1) == weight


@then("the least-squares optimum's weights and bias equal scikit-learn's to nine significant figures")
def _(run):
    # Both solve the same centred least-squares problem in float64; with a condition
    # number of ~230 for the centred X (sqrt of the Hessian's ~52,000), rounding
    # stays near 1e-13 relative, so nine figures leaves a margin of 1e4.
    assert same_to_figures(theta(run.optimum.params), theta(run.sklearn.params), 9)


@then("the least-squares optimum's test mean squared error equals scikit-learn's to nine significant figures")
def _(run):
    assert same_to_figures(run.optimum.test_mse, run.sklearn.test_mse, 9)


@then(parse("its test mean squared error differs from scikit-learn's by {gap} to two decimals"))
def _(article_run, fitted, gap):
    assert to_decimals(abs(fitted.test_mse - article_run.sklearn.test_mse), 2) == gap


@then("the analytic gradient at gradient descent's parameters passes the central-difference check")
def _(run):
    X, y = run.split.X_train, run.split.y_train

    def loss(t):
        return linreg.linear_loss(X, y, t[:-1], t[-1])[1]

    def grad(t):
        _, _, dw, db = linreg.linear_loss(X, y, t[:-1], t[-1])
        return np.append(dw, db)

    # gradcheck's default tolerances: the loss is quadratic, so central differences
    # carry only rounding, ~1e-16 * 1392 / 1e-6 ~ 1e-7, far inside atol=1e-5.
    assert linreg.gradcheck(loss, grad, theta(run.gradient_descent.params)).passed


@then("its parameters equal scikit-learn's to nine significant figures")
def _(article_run, fitted):
    # After 1e9 epochs the slowest direction has shrunk by exp(-190): what is left
    # is rounding of the closed form, ~1e-13 relative.
    assert same_to_figures(theta(fitted.params), theta(article_run.sklearn.params), 9)


@then(parse("gradient descent's parameters are {d:d} from scikit-learn's to the nearest whole number"))
def _(run, d):
    assert round(distance(run.gradient_descent.params, run.sklearn.params)) == d
