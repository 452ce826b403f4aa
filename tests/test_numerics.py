"""A right answer or a clear error: the numerical edge cases of linreg's public functions.

One test per family of inputs that used to give infinity, NaN or a wrong number without an
error, or an error that named no argument. These are linreg's own promises (no article claim).
The values are chosen so that the true answer is known in closed form.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import linreg
from linreg import TrainingDiverged

BIG = 1e200  # squares to 1e400: beyond float64's 1.8e308
# A residual whose square (2.25e308) overflows while half of it, the loss, does not.
EDGE = 1.5e154


def names(argument: str) -> str:
    """A regex for ``argument`` as a whole word in a message (X but not X_train or 'X')."""
    return rf"(?<![\w']){re.escape(argument)}(?![\w'])"


# ---------------------------------------------------------------- linear_loss: every output checked
def test_a_gradient_that_overflows_is_refused_though_the_loss_is_finite():
    # y_hat = 1e300 * 1e-150 = 1e150: the loss (5e299) is finite, dw = 1e300 * 1e150 is not.
    with pytest.raises(ValueError, match=r"dw") as error:
        linreg.linear_loss([[1e300]], [[0.0]], [[1e-150]], 0.0)
    assert re.search(names("X"), str(error.value))


def test_a_loss_whose_squares_overflow_but_whose_mean_does_not_is_returned():
    # One residual of 1.5e154: its square 2.25e308 overflows, the loss 1.125e308 does not.
    _, loss, dw, db = linreg.linear_loss([[1.0]], [[0.0]], [[EDGE]], 0.0)
    # Computed in units of 2^512 (exact): one rounding of the square, the halving is exact.
    assert loss == pytest.approx(1.125e308, rel=1e-15)
    assert dw[0, 0] == EDGE and db == EDGE


def test_training_whose_last_update_overflows_raises_instead_of_returning_infinity():
    # One epoch: the loss at zero (5e19) is finite, the gradient X^T (0 - y) = -1e310 is not.
    with pytest.raises(TrainingDiverged, match=r"dw") as error:
        linreg.linear_train([[1e300]], [[1e10]], 1e-3, 1)
    # The stable bound itself is beyond float64 here; the message says so, naming X.
    assert re.search(names("X"), str(error.value))


# ---------------------------------------------------------------- r2_score and mean_squared_error
@pytest.mark.parametrize(
    "y_test",
    [[0.1, 0.1, 0.1], [1e9, 1e9, 1e9], [-0.0, 0.0]],
    ids=["mean-not-exact", "large", "signed-zeros"],  # 0.1's computed mean is not exactly 0.1
)
def test_r2_of_a_constant_target_is_refused(y_test):
    with pytest.raises(ValueError, match=r"^y_test is constant \(every value is "):
        linreg.r2_score(y_test, [0.1, 0.2, 0.3][: len(y_test)])


def test_r2_of_targets_one_ulp_apart_is_their_r2():
    # 0.1, 0.1 + u, 0.1 with u one ulp: ss_tot = (2/3) u^2 and, against 0.1 everywhere,
    # ss_res = u^2, so R^2 = 1 - 3/2 = -0.5. A spread of one ulp is a spread, not rounding.
    u = np.spacing(0.1)
    y_test = [0.1, 0.1 + u, 0.1]
    # ss_tot and ss_res each to a few ulps (see r2_score), so R^2 to about 10 eps.
    assert linreg.r2_score(y_test, [0.1, 0.1, 0.1]) == pytest.approx(-0.5, abs=1e-14)


def test_r2_of_large_targets_with_a_small_spread_is_computed():
    # 1e15 + (0, 2, 4, 6) against 1e15 + (1, 2, 4, 5): ss_tot = 20, ss_res = 2, R^2 = 0.9.
    # Every value is an integer below 2^53, exact in float64; refused before as "constant up
    # to rounding", since its spread is under 200 eps of its size.
    offset = 1e15
    r2 = linreg.r2_score(offset + np.array([0.0, 2, 4, 6]), offset + np.array([1.0, 2, 4, 5]))
    assert r2 == pytest.approx(0.9, abs=4 * np.finfo(np.float64).eps)


def test_r2_of_nanosecond_timestamps_is_computed():
    # Five timestamps a second apart in nanoseconds since 1970 (2023-11-14), predicted 0.1 s
    # off here and there. Each is a multiple of 2^9 below 2^61, so exact in float64; the exact
    # R^2: ss_tot = 10 (1e9)^2, ss_res = (1e8)^2 (1 + 1 + 4) = 6e16, R^2 = 1 - 6e16 / 1e19.
    y_test = 1.7e18 + 1e9 * np.arange(5.0)
    y_pred = y_test + 1e8 * np.array([1.0, -1.0, 0.0, 2.0, 0.0])
    assert linreg.r2_score(y_test, y_pred) == pytest.approx(1 - 6e16 / 1e19, abs=1e-14)


def test_r2_of_a_target_with_a_small_real_spread_is_computed():
    # 1e9 plus 0, 1, 2 against 1e9 + (0, 1, 4): ss_res = 4, ss_tot = 2, R^2 = -1 in exact
    # arithmetic, and every value here is an integer, so the float computation is exact too.
    y_test = 1e9 + np.array([0.0, 1.0, 2.0])
    assert linreg.r2_score(y_test, 1e9 + np.array([0.0, 1.0, 4.0])) == -1.0


def test_r2_whose_sums_overflow_is_computed_in_scaled_units():
    # ss_tot = 2e400 and ss_res = 8e400 overflow float64, their ratio 4 does not: R^2 = -3.
    # The values are powers-of-two multiples of one another, so scaling is exact.
    y_test = np.array([BIG, -BIG, 0.0])
    assert linreg.r2_score(y_test, -y_test) == pytest.approx(-3.0, rel=1e-15)


def test_r2_beyond_float64_is_refused_naming_y_pred():
    with pytest.raises(ValueError, match=names("y_pred")):
        linreg.r2_score([1.0, -1.0], [1e300, -1e300])


def test_mse_whose_squares_overflow_but_whose_mean_does_not_is_returned():
    # (1.5e154)^2 = 2.25e308 overflows; its mean with a zero, 1.125e308, does not.
    assert linreg.mean_squared_error([EDGE, 0.0], [0.0, 0.0]) == pytest.approx(1.125e308, rel=1e-15)


def test_mse_beyond_float64_is_refused_naming_the_arguments():
    with pytest.raises(ValueError, match=names("y_pred")) as error:
        linreg.mean_squared_error([BIG], [-BIG])
    assert re.search(names("y_true"), str(error.value))


# ---------------------------------------------------------------- hessian and the stable bound
def test_a_hessian_whose_sums_overflow_but_whose_mean_does_not_is_returned():
    # Four rows of 1e154: each square is 1e308, their sum 4e308 overflows, their mean does not.
    H = linreg.hessian(np.full((4, 1), 1e154))
    expected = np.array([[1e308, 1e154], [1e154, 1.0]])
    # The squares are rounded once (1e154 is not a power of two), the mean is exact.
    np.testing.assert_allclose(H, expected, rtol=1e-15, atol=0)


@pytest.mark.parametrize("function", [linreg.hessian, linreg.stable_learning_rate])
def test_a_curvature_beyond_float64_is_refused_naming_X(function):
    # Before: hessian returned inf, and stable_learning_rate 0.0, so the divergence message
    # advised "a learning rate below 0".
    with pytest.raises(ValueError, match=names("X")):
        function([[BIG], [-BIG]])


# ---------------------------------------------------------------- least squares
def test_least_squares_with_targets_near_float64s_limit_is_exact():
    # y = (1.7e308, -1.7e308, 1.7e308) at x = 0, 1, 2: the slope is 0 and the intercept the
    # mean, 1.7e308 / 3. Centring y in float64 directly overflows (the sum is 1.7e308 + ...).
    p = linreg.least_squares([[0.0], [1.0], [2.0]], [1.7e308, -1.7e308, 1.7e308])
    # Rounding is relative to the data's scale, 1.7e308: eps * scale ~ 4e292.
    assert abs(p["w"][0, 0]) <= 1e-14 * 1.7e308
    assert p["b"] == pytest.approx(1.7e308 / 3, rel=1e-14)


def test_least_squares_whose_centring_overflows_is_solved_and_prints_nothing(capfd):
    # x = a (1, 1, -1), y = (1, 2, 3) c: the centred x is a (2, 2, -4) / 3, so w = -0.75 c / a
    # and b = 2c - (a / 3) w = 2.25 c. Before, centring X overflowed and LAPACK printed a raw
    # "On entry to DLASCL" line before raising LinAlgError.
    a, c = 1.5e308, 1e300
    p = linreg.least_squares([[a], [a], [-a]], np.array([1.0, 2.0, 3.0]) * c)
    assert p["w"][0, 0] == pytest.approx(-0.75 * c / a, rel=1e-12)
    assert p["b"] == pytest.approx(2.25 * c, rel=1e-12)
    assert capfd.readouterr() == ("", "")


def test_a_least_squares_solution_beyond_float64_is_refused_naming_y():
    # x spread by 1e-300, y by 1e300: the slope 1e600 is no float64.
    with pytest.raises(ValueError, match=names("y")):
        linreg.least_squares([[0.0], [1e-300]], [0.0, 1e300])


# ---------------------------------------------------------------- closed forms
@pytest.mark.parametrize("factor", [1.0, 1.25])
def test_the_closed_form_at_or_above_the_bound_raises_like_training(factor):
    X, y = [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]
    bound = linreg.stable_learning_rate(X)
    with pytest.raises(TrainingDiverged) as error:
        linreg.gradient_descent_closed_form(X, y, factor * bound, 100_000)
    assert f"{bound:.6g}" in str(error.value)


def test_the_closed_form_takes_any_number_of_epochs():
    # 10**400 epochs cannot be a float64 exponent; below the bound every decaying direction
    # is gone long before, so the answer is the least-squares optimum.
    X, y = [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.0]
    p = linreg.gradient_descent_closed_form(X, y, 0.5, 10**400)
    optimum = linreg.least_squares(X, y)
    np.testing.assert_array_equal(linreg.flatten_params(p), linreg.flatten_params(optimum))


# ---------------------------------------------------------------- arguments beyond float64
@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: linreg.linear_loss([[1.0]], [[1.0]], [[1.0]], 10**400), "b"),
        (lambda: linreg.linear_loss([[1.0, 10**400]], [[1.0]], [[1.0], [1.0]], 0.0), "X"),
        (lambda: linreg.linear_train([[1.0]], [[1.0]], 10**400, 1), "learning_rate"),
        (lambda: linreg.predict([[1.0]], {"w": [[1.0]], "b": -(10**400)}), "params['b']"),
        (lambda: linreg.linear_loss(np.array([[np.longdouble("1e400")]]), [[1.0]], [[1.0]], 0.0), "X"),
        (lambda: linreg.linear_train([[1.0]], [[1.0]], np.longdouble("1e400"), 1), "learning_rate"),
        (lambda: linreg.initialize_params(10**400), "dims"),
        (lambda: linreg.linear_train([[1.0]], [[1.0]], 0.1, 10**400), "epochs"),
    ],
    ids=["int-b", "int-X", "int-rate", "int-params", "longdouble-X", "longdouble-rate", "dims", "epochs"],
)
def test_a_number_beyond_float64_is_a_value_error_naming_its_argument(call, argument):
    # Before: OverflowError, or "must hold real numbers, got int" for a Python integer.
    with pytest.raises(ValueError, match=names(argument)):
        call()


def test_integers_beyond_64_bits_within_float64s_range_are_numbers():
    # 2**64 is no int64 (numpy keeps it as an object) but is a float64 exactly.
    _, loss, _, _ = linreg.linear_loss([[2**64]], [[0]], [[1]], 0)
    assert loss == 2.0**128 / 2


# ---------------------------------------------------------------- flatten_params
@pytest.mark.parametrize(
    ("params", "error", "argument"),
    [
        (3, TypeError, "params"),
        ({"w": [[1.0]]}, TypeError, "params"),
        ({"w": [[np.nan]], "b": 0.0}, ValueError, "params['w']"),
        ({"w": [[1.0], [2.0]], "b": [1.0, 2.0]}, ValueError, "params['b']"),
        ({"w": np.ones((2, 2)), "b": 0.0}, ValueError, "params['w']"),
    ],
    ids=["not-a-dict", "no-b", "nan-w", "vector-b", "matrix-w"],
)
def test_flatten_params_checks_its_argument(params, error, argument):
    with pytest.raises(error, match=re.escape(argument)):
        linreg.flatten_params(params)


# ---------------------------------------------------------------- masked arrays
def test_a_masked_array_with_masked_values_is_refused_naming_it():
    X = np.ma.masked_array([[1.0], [2.0]], mask=[[False], [True]])
    # Before: the mask was dropped and the hidden 2.0 used as data.
    with pytest.raises(ValueError, match=r"^X is a masked array with 1 masked value"):
        linreg.linear_loss(X, [1.0, 2.0], [1.0], 0.0)


def test_a_masked_array_with_nothing_masked_is_its_data():
    y = np.ma.masked_array([1.0, 5.0])  # no mask: the data is all there is
    assert linreg.mean_squared_error(y, [1.0, 3.0]) == 2.0
