"""Section 5 of the article: the comparison with scikit-learn's LinearRegression."""

from __future__ import annotations

from diabetes_steps import *  # noqa: F403  (shared steps register as fixtures in that namespace)
from diabetes_steps import distance, fit, parse, same_to_figures, to_decimals
from pytest_bdd import scenarios, then, when
from sklearn.datasets import load_diabetes
from strategies import Problem, gradient_in_theta, loss_in_theta, quadratic_gradcheck_tolerance

import linreg
from linreg.experiment import Fit

scenarios("section5_sklearn.feature")

#: scikit-learn's names for the diabetes data's ten columns, in order.
FEATURES = load_diabetes().feature_names


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
    assert to_decimals(fit(run, model).params["w"][FEATURES.index(feature), 0], 1) == weight


@then("its weights and bias equal scikit-learn's to nine significant figures")
def _(fitted, sklearn_fit):
    # Both solve the same centred least-squares problem in float64; with a condition
    # number of ~230 for the centred X (sqrt of the Hessian's ~52,000), rounding
    # stays near 1e-13 relative, so nine figures leaves a margin of 1e4.
    assert same_to_figures(linreg.flatten_params(fitted.params), linreg.flatten_params(sklearn_fit.params), 9)


@then("its test mean squared error equals scikit-learn's to nine significant figures")
def _(fitted, sklearn_fit):
    # Parameters equal to ~1e-13 give test errors equal to about as much.
    assert same_to_figures(fitted.test_mse, sklearn_fit.test_mse, 9)


@then(parse("its test mean squared error differs from scikit-learn's by {gap} to two decimals"))
def _(fitted: Fit, sklearn_fit, gap):
    assert to_decimals(abs(fitted.test_mse - sklearn_fit.test_mse), 2) == gap


@then("dw and db at gradient descent's parameters are the loss's derivatives there")
def _(run):
    # Checked against central differences of the loss (linreg.gradcheck). The loss is
    # quadratic, so they carry rounding only; quadratic_gradcheck_tolerance bounds it.
    params = run.gradient_descent.params
    at = Problem(X=run.split.X_train, y=run.split.y_train, w=params["w"], b=params["b"])
    result = linreg.gradcheck(
        loss_in_theta(at), gradient_in_theta(at), at.theta, **quadratic_gradcheck_tolerance(at)
    )
    assert result.passed, result.describe()


@then("its parameters equal scikit-learn's to nine significant figures")
def _(fitted, sklearn_fit):
    # After 1e9 epochs the slowest direction has shrunk by exp(-190): what is left
    # is rounding of the closed form, ~1e-13 relative.
    assert same_to_figures(linreg.flatten_params(fitted.params), linreg.flatten_params(sklearn_fit.params), 9)


@then(parse("gradient descent's parameters are {d:d} from scikit-learn's to the nearest whole number"))
def _(run, d):
    assert round(distance(run.gradient_descent.params, run.sklearn.params)) == d
