"""linreg.gradcheck_strategies: well-scaled inputs and one-line gradient properties.

linreg's own promises about its gradient checker (not claims of the article).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections import namedtuple
from pathlib import Path

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


def test_a_property_is_named_after_the_test_it_is_assigned_to():
    name = "test_the_ridge_gradient_holds_wherever_hypothesis_looks"
    assert test_the_ridge_gradient_holds_wherever_hypothesis_looks.__name__ == name
    # Not assigned to a test's name: named after the function.
    made_inline = [gradient_property(ridge, ridge_grad, template, args=data)]
    assert made_inline[0].__name__ == "test_gradient_of_ridge"


USERS_TEST = """
import numpy as np
from hypothesis import settings
from linreg.gradcheck.strategies import arrays, gradient_property

def cube(x):
    return float(np.sum(x ** 3))

def cube_grad_off(x):
    return 2 * x ** 2

test_my_cube = settings(max_examples=5, database=None, deadline=None)(
    gradient_property(cube, cube_grad_off, arrays(2))
)
"""


def test_a_failing_property_points_at_the_users_test_and_hides_the_checker(tmp_path):
    # Under pytest, as a user runs it: the failure names the user's test at its own line, and no
    # frame of the checker (nor of Hypothesis) is shown.
    (tmp_path / "test_users.py").write_text(USERS_TEST, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_users.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(linreg.__file__).parents[1])},
    )
    assert run.returncode == 1, run.stdout + run.stderr
    assert "test_users.py:13: GradcheckError" in run.stdout
    assert "test_my_cube = settings(" in run.stdout
    assert "???" not in run.stdout
    assert "FAILED test_users.py::test_my_cube" in run.stdout
    assert "linreg/gradcheck/" not in run.stdout
    assert "hypothesis/core.py" not in run.stdout


def test_without_hypothesis_the_import_says_which_extra_to_install_in_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "hypothesis", None)
    monkeypatch.delitem(sys.modules, "linreg.gradcheck.strategies")
    with pytest.raises(ModuleNotFoundError) as raised:
        importlib.import_module("linreg.gradcheck.strategies")
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith("linreg.gradcheck.strategies needs Hypothesis, which is not installed")
    assert 'pip install "/path/to/linreg-checkout[hypothesis]"' in message
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


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
