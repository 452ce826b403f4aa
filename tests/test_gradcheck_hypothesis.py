"""linreg.gradcheck_strategies: well-scaled inputs and one-line gradient properties.

linreg's own promises about its gradient checker (not claims of the article).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest
from hypothesis import Phase, given, settings

import linreg
from linreg import GradcheckError, linear_loss
from linreg.gradcheck_strategies import arrays, floats, gradient_property, hessian_property, like

Pair = namedtuple("Pair", "left right")


def _is_well_scaled(value: float, low: float = 1e-3, high: float = 10.0) -> bool:
    return value == 0 or low <= abs(value) <= high


@given(like({"w": np.zeros((3, 1)), "b": 0.0, "extra": Pair(np.float32(0), [np.zeros(2, dtype=np.int64)])}))
def test_like_draws_the_templates_structure_shapes_and_types(drawn) -> None:
    assert set(drawn) == {"w", "b", "extra"}
    assert drawn["w"].shape == (3, 1) and drawn["w"].dtype == np.float64
    assert isinstance(drawn["b"], float)
    assert isinstance(drawn["extra"], Pair)
    assert isinstance(drawn["extra"].left, np.float32)
    assert isinstance(drawn["extra"].right, list) and drawn["extra"].right[0].dtype == np.float64
    values = [*drawn["w"].ravel(), drawn["b"], float(drawn["extra"].left), *drawn["extra"].right[0]]
    assert all(_is_well_scaled(float(v)) for v in values)


@given(arrays((2, 2), dtype=np.float32, min_magnitude=0.5, max_magnitude=2.0, allow_zero=False))
def test_arrays_keep_to_their_bounds_and_type(x) -> None:
    assert x.dtype == np.float32
    assert np.all((np.abs(x) >= 0.5) & (np.abs(x) <= 2.0))


def test_bad_bounds_and_types_are_refused_by_name():
    with pytest.raises(ValueError, match=r"^need 0 < min_magnitude <= max_magnitude < inf, got 2 and 1"):
        floats(min_magnitude=2, max_magnitude=1)
    with pytest.raises(TypeError, match=r"^dtype must be float16, float32 or float64, got int64"):
        floats(dtype=np.int64)
    with pytest.raises(TypeError, match=r"^like\(\) builds arrays, numbers"):
        like({"name": "ridge"})


# ---------------------------------------------------------------- one-line properties
def ridge(params, X, y, lam=0.5):
    return linear_loss(X, y, params["w"], params["b"])[1] + lam / 2 * float(np.sum(params["w"] ** 2))


def ridge_grad(params, X, y, lam=0.5):
    _, _, dw, db = linear_loss(X, y, params["w"], params["b"])
    return {"w": dw + lam * params["w"], "b": db}


def forgetful_ridge_grad(params, X, y, lam=0.5):
    _, _, dw, db = linear_loss(X, y, params["w"], params["b"])
    return {"w": dw, "b": db}  # the penalty's lam * w forgotten


data = arrays((4, 2)).flatmap(lambda X: arrays((4, 1)).map(lambda y: (X, y)))
template = {"w": np.zeros((2, 1)), "b": 0.0}
# A failing property is shrunk; the explain and target phases would re-run it many more times,
# and are not what these tests are about.
failing = settings(max_examples=20, database=None, phases=[Phase.generate, Phase.shrink])

test_the_ridge_gradient_holds_wherever_hypothesis_looks = settings(max_examples=20)(
    gradient_property(ridge, ridge_grad, template, args=data)
)


def test_a_property_is_named_after_the_function():
    assert test_the_ridge_gradient_holds_wherever_hypothesis_looks.__name__ == "test_gradient_of_ridge"


def test_a_wrong_gradient_fails_on_a_shrunk_example_naming_the_coordinate():
    property_ = failing(gradient_property(ridge, forgetful_ridge_grad, template, args=data))
    with pytest.raises(GradcheckError) as raised:
        property_()
    result = raised.value.result
    # The missing term is lam * w: Hypothesis shrinks to one non-zero weight, which alone is named.
    assert len(result.failed) == 1
    assert result.failed[0].startswith("x['w']")
    assert np.count_nonzero(result.analytic["w"] - result.numeric["w"]) <= 2  # one real, rounding elsewhere
    assert np.count_nonzero(result.numeric["w"] - result.analytic["w"] > 1e-3) == 1


def hessian_grads(params, X):
    _, _, dw, db = linear_loss(X, np.zeros((X.shape[0], 1)), params["w"], params["b"])
    return {"w": dw, "b": db}


designs = arrays((3, 2)).map(lambda X: (X,))

test_the_articles_hessian_holds_wherever_hypothesis_looks = settings(max_examples=10)(
    hessian_property(hessian_grads, lambda p, X: linreg.hessian(X), template, args=designs)
)


def test_a_wrong_hessian_fails_its_property():
    wrong = failing(
        hessian_property(hessian_grads, lambda p, X: 2 * linreg.hessian(X), template, args=designs)
    )
    with pytest.raises(GradcheckError, match=r"^Hessian check failed"):
        wrong()


def test_options_reach_gradcheck():
    calls = []

    def f(x):
        calls.append(x.dtype)
        return np.sum(x**2)

    settings(max_examples=3)(gradient_property(f, lambda x: 2 * x, arrays(3, dtype=np.float32), fast=True))()
    assert set(calls) == {np.dtype(np.float32)}
    with pytest.raises(TypeError, match=r"^args must be a tuple or a strategy of tuples, got int"):
        gradient_property(f, lambda x: 2 * x, arrays(3), args=3)
