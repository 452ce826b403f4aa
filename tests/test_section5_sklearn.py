"""Section 5 of the article: the comparison with scikit-learn's LinearRegression."""

from __future__ import annotations

import numpy as np
import sklearn.metrics
from checks import derivatives_match, equals, flat, noting, rounds_to, that, to_decimals
from diabetes_steps import *  # noqa: F403  (shared steps register as fixtures in that namespace)
from diabetes_steps import distance, fit, parse, places, same_to_figures
from pytest_bdd import parsers, then, when
from sklearn.datasets import load_diabetes
from tooling.binding import bind
from tooling.failures import Mismatch
from tooling.implementation import ArgumentWritten, Implementation, theta_of

from linreg.experiment import Fit

bind("section5_sklearn.feature", globals())

#: scikit-learn's names for the diabetes data's ten columns, in order.
FEATURES = load_diabetes().feature_names


@when("the test mean squared errors of gradient descent and scikit-learn are compared", target_fixture="gap")
def _(run):
    return run.sklearn.test_mse - run.gradient_descent.test_mse


@then(parse("they differ by {gap_text} to two decimals"))
def _(gap, gap_text):
    rounds_to(gap, gap_text, 2)


@then(parse("that is {percent} % of scikit-learn's to one decimal"))
def _(run, gap, percent):
    rounds_to(100 * gap / run.sklearn.test_mse, percent, 1, " %")


@then(parse("{model} weighs {feature} by {weight} to one decimal"), target_fixture="weighed")
def _(request, model, feature, weight):
    rounds_to(float(flat(fit(request, model).params["w"])[FEATURES.index(feature)]), weight, 1)
    return feature


@then(parse("that is {gap} from scikit-learn's weight to one decimal"))
def _(run, sklearn_fit, weighed, gap):
    # Gradient descent's weight minus scikit-learn's: the implementation's, so this can fail.
    i = FEATURES.index(weighed)
    rounds_to(float(flat(run.gradient_descent.params["w"])[i] - flat(sklearn_fit.params["w"])[i]), gap, 1)


def alike(text: str) -> bool:
    """'equal' or 'different', as a scenario says two rounded figures are."""
    return text == "equal"


alike.pattern = "equal|different"


@then(
    parsers.parse(
        "rounded to {decimals:Places} decimals the two test R^2 are {same:Alike}",
        extra_types={"Places": places, "Alike": alike},
    )
)
def _(run, sklearn_fit, decimals, same):
    ours, theirs = (
        to_decimals(run.gradient_descent.test_r2, decimals),
        to_decimals(sklearn_fit.test_r2, decimals),
    )
    that(
        (ours == theirs) == same,
        expected=f"{'equal' if same else 'different'} rounded R^2",
        measured=f"{ours} (gradient descent) and {theirs} (scikit-learn)",
    )


@then(parse("its test mean squared error equals scikit-learn's to {figures:Places} significant figures"))
def _(fitted: Fit, sklearn_fit, figures):
    # The update applied a billion times has shrunk its slowest direction by exp(-190): what is
    # left is the rounding of repeated squaring, ~30 products each within a few machine epsilons,
    # amplified by at most the Hessian's condition number (5e4) to ~3e-8 relative in the worst
    # case; seven figures (5e-7) stay clear of it, while any model that is not scikit-learn's
    # (the article's is 1.6 % off) misses by far more.
    with noting(fitted):
        that(
            same_to_figures(np.array(fitted.test_mse), np.array(sklearn_fit.test_mse), figures),
            expected=f"{sklearn_fit.test_mse:.10g}",
            measured=f"{fitted.test_mse:.10g}",
        )


@then(parse("its test mean squared error differs from scikit-learn's by {gap} to two decimals"))
def _(fitted: Fit, sklearn_fit, gap):
    with noting(fitted):
        rounds_to(abs(fitted.test_mse - sklearn_fit.test_mse), gap, 2)


@then("dw and db at gradient descent's parameters are the loss's derivatives there")
def _(impl: Implementation, run):
    # Central differences of the implementation's own loss; checks.derivatives_match derives the
    # tolerance from the steps and the sizes of the loss's terms: here about 1.6e-10 for db, whose
    # value is 5e-6, and 8e-12 for the weights' (values 2e-3 to 3e-2).
    params = run.gradient_descent.params
    X, y = run.split.X_train, run.split.y_train
    evaluation = impl.linear_loss(X, y, params["w"], params["b"])
    theta = theta_of(params["w"], params["b"])
    derivatives_match(
        impl.loss(X, y), theta_of(evaluation.dw, evaluation.db), X, y, theta, source="from its dw, db"
    )


@then(parse("its parameters equal scikit-learn's to {figures:Places} significant figures"))
def _(fitted, sklearn_fit, figures):
    # See the test error above: at most ~3e-8 relative of rounding, against seven figures' 5e-7.
    ours, theirs = (
        theta_of(fitted.params["w"], fitted.params["b"]),
        theta_of(sklearn_fit.params["w"], sklearn_fit.params["b"]),
    )
    worst = int(np.argmax(np.abs(ours - theirs) / np.abs(theirs)))
    with noting(fitted):
        that(
            same_to_figures(ours, theirs, figures),
            expected=f"parameter {worst + 1} = {theirs[worst]:.10g}",
            measured=f"{ours[worst]:.10g}",
        )


@then(parse("gradient descent's parameters are {d:d} from scikit-learn's to the nearest whole number"))
def _(run, d):
    equals(round(distance(run.gradient_descent.params, run.sklearn.params)), d, "distance")


# ---------------------------------------------------------------- claim 5.7: one session, top to bottom
@when(parse("{function} is called as the article calls it"), target_fixture="called")
def _(impl: Implementation, split, function):
    # As the article's sections call each: on the training rows, then the test rows.
    w, b = np.ones((split.X_train.shape[1], 1)), 1.0
    args = {
        "linear_loss": (split.X_train, split.y_train, w, b),
        "linear_train": (split.X_train, split.y_train, 0.01, 100),
        "predict": (split.X_test, {"w": w, "b": b}),
        "r2_score": (split.y_test, split.y_test + 1.0),
    }[function]
    return function, args, impl.call(function, *args)


@then("every argument it was given is unchanged, bit for bit")
def _(called):
    # The worker sends back each argument as it is after the call; the judge compares the bytes.
    function, args, reply = called
    try:
        Implementation.written(function, args, reply)
    except ArgumentWritten as written:
        raise Mismatch("its arguments unchanged", written.reason) from None


@when("the trained model's test predictions are scored by both r2_score functions", target_fixture="both_r2")
def _(impl: Implementation, run):
    y_pred = np.asarray(impl.predict(run.split.X_test, run.gradient_descent.params), dtype=float)
    y_pred = y_pred.reshape(run.split.y_test.shape)
    return impl.r2_score(run.split.y_test, y_pred), float(sklearn.metrics.r2_score(run.split.y_test, y_pred))


@then("the two agree to twelve decimals")
def _(both_r2):
    # The same formula, 1 - ss_res / ss_tot, summed in another order: each sum of 89 squares
    # is off by at most 89 float64 epsilons of itself, so the ratio by about 4e-14 of R^2's
    # size (0.4): far inside 5e-13. A different formula (a ratio of variances, R^2 about the
    # predictions' mean) misses by more than 1e-3.
    ours, theirs = both_r2
    that(abs(ours - theirs) <= 5e-13, expected=f"scikit-learn's {theirs:.15g}", measured=f"{ours:.15g}")
