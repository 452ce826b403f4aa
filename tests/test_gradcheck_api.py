"""linreg.gradcheck takes the inputs users have and words every failure so it can be acted on.

linreg's own promises about its gradient checker (not claims of the article): structures,
extra arguments, shapes, in-place writes, argument types, and the failure report.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import linreg
from linreg import GradcheckError, InputModifiedError, gradcheck, hessian_check, hvp_check, linear_loss

# Every file of the checker: the subpackage linreg/gradcheck/ and its old module names.
PACKAGE = Path(sys.modules["linreg.gradcheck"].__file__ or "").resolve().parent
MODULES = {path.resolve() for path in PACKAGE.glob("*.py")}


def loss(params, X, y):
    return linear_loss(X, y, params["w"], params["b"])[1]


def grads(params, X, y):
    _, _, dw, db = linear_loss(X, y, params["w"], params["b"])
    return {"w": dw, "b": db}


@pytest.fixture
def article():
    """The article's shapes: X (20, 3), y (20, 1), params {'w': (3, 1), 'b': float}."""
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(20, 3)), rng.normal(size=(20, 1))
    return X, y, {"w": rng.normal(size=(3, 1)), "b": 0.4}


def square(x):
    return float(np.sum(x**2))


def double(x):
    return 2 * x


# ---------------------------------------------------------------- the article's parameters, as they are
def test_the_articles_params_dict_is_checked_as_it_is(article):
    X, y, params = article
    result = gradcheck(loss, grads, params, args=(X, y))
    assert result.passed
    assert result.n_checked == 4
    # The result comes back in the article's structure, a float for b.
    assert result.analytic["w"].shape == (3, 1)
    assert isinstance(result.analytic["b"], float)
    _, _, dw, db = linear_loss(X, y, params["w"], params["b"])
    np.testing.assert_array_equal(result.analytic["w"], dw)
    assert result.analytic["b"] == db


def test_a_gradient_one_millionth_off_in_one_coordinate_fails_naming_it(article):
    X, y, params = article

    def off(p, X, y):
        g = grads(p, X, y)
        g["w"] = g["w"] * np.array([[1.0], [1 + 1e-6], [1.0]])
        return g

    with pytest.raises(GradcheckError) as raised:
        gradcheck(loss, off, params, args=(X, y))
    result = raised.value.result
    assert result.failed == ("x['w'][1, 0]",)
    assert result.worst_index == ("w", 1, 0)
    message = str(raised.value)
    assert message.splitlines()[0] == "gradient check failed: 1 of 4 values disagrees with finite differences"
    assert "x['w'][1, 0]" in message.splitlines()[2]  # the worst value heads the table
    # The planted error is exactly the relative error reported.
    assert result.rel_error["w"][1, 0] == pytest.approx(1e-6, rel=1e-3)


def test_kwargs_and_args_reach_both_functions():
    seen = []

    def f(x, a, *, scale):
        seen.append(("f", a, scale))
        return scale * float(np.sum(x**2)) + a

    def g(x, a, *, scale):
        seen.append(("grad", a, scale))
        return 2 * scale * x

    assert gradcheck(f, g, np.array([1.0, 2.0]), args=(7.0,), kwargs={"scale": 3.0}).passed
    assert set(seen) == {("f", 7.0, 3.0), ("grad", 7.0, 3.0)}


def test_tuples_lists_and_nested_dicts_come_back_in_their_structure():
    x = {"layer": ([1.0, -2.0], np.array([[0.5]])), "bias": np.float64(0.25)}

    def f(p):
        (a, b), c = p["layer"][0], p["layer"][1]
        return a**2 + b**3 + float(c[0, 0]) ** 2 * p["bias"]

    def g(p):
        (a, b), c = p["layer"][0], p["layer"][1]
        return {"layer": ([2 * a, 3 * b**2], 2 * c * p["bias"]), "bias": float(c[0, 0]) ** 2}

    result = gradcheck(f, g, x)
    assert result.passed
    assert result.labels == ("x['layer'][0][0]", "x['layer'][0][1]", "x['layer'][1][0, 0]", "x['bias']")
    assert result.numeric["layer"][1].shape == (1, 1)


# ---------------------------------------------------------------- inputs left alone
def test_the_callers_arrays_are_never_given_to_f_nor_changed():
    w = np.array([[1.0], [2.0]])
    given = []

    def f(p):
        given.append(p["w"])
        return float(np.sum(p["w"] ** 2))

    gradcheck(f, lambda p: {"w": 2 * p["w"]}, {"w": w})
    assert all(arg is not w for arg in given)
    np.testing.assert_array_equal(w, [[1.0], [2.0]])


def test_a_gradient_that_writes_into_its_input_is_a_one_line_error():
    def in_place(x):
        x *= 2  # the gradient of |x|^2, computed in the caller's array
        return x

    x = np.array([1.0, 3.0])
    with pytest.raises(InputModifiedError) as raised:
        gradcheck(square, in_place, x)
    assert str(raised.value) == (
        "grad modified its argument: it wrote into x[0] (it was 1, it is 2 after the call, "
        "and 1 more value(s) changed); it must leave its input alone "
        "(copy it first, or use x = x - ... instead of x -= ...)"
    )
    assert isinstance(raised.value, ValueError)
    np.testing.assert_array_equal(x, [1.0, 3.0])


def test_a_function_that_writes_into_its_input_is_named():
    def shifting(p):
        p["w"] -= 1.0
        return float(np.sum(p["w"]))

    with pytest.raises(InputModifiedError, match=r"^f modified its argument: it wrote into x\['w'\]\[0\]"):
        gradcheck(shifting, lambda p: {"w": np.ones(2)}, {"w": np.zeros(2)})


def test_a_function_that_replaces_a_value_of_its_input_is_named():
    def rebinding(p):
        p["b"] = 0.0
        return 1.0

    with pytest.raises(InputModifiedError, match=r"it replaced x\['b'\] by another object"):
        gradcheck(rebinding, lambda p: {"b": 0.0}, {"b": 2.0})


# ---------------------------------------------------------------- shapes and structures
def test_a_transposed_gradient_is_a_one_line_error_naming_both_shapes():
    with pytest.raises(ValueError) as raised:
        gradcheck(square, lambda x: (2 * x).T, np.ones((2, 3)))
    assert str(raised.value) == (
        "grad(x) has shape (3, 2) but x has shape (2, 3) (transposed?); "
        "a gradient has the shape of its variable"
    )


def test_a_column_gradient_for_a_flat_x_is_refused():
    # x - lr * g would broadcast a (3,) x and a (3, 1) g to (3, 3).
    with pytest.raises(ValueError, match=r"^grad\(x\) has shape \(3, 1\) but x has shape \(3,\) \(same"):
        gradcheck(square, lambda x: 2 * x.reshape(-1, 1), np.ones(3))


def test_the_articles_grads_dict_keys_get_a_hint(article):
    X, y, params = article

    def named_like_the_article(p, X, y):
        g = grads(p, X, y)
        return {"dw": g["w"], "db": g["b"]}

    with pytest.raises(ValueError) as raised:
        gradcheck(loss, named_like_the_article, params, args=(X, y))
    assert str(raised.value) == (
        "grad(x) has keys ['db', 'dw'] but x has keys ['b', 'w']; it must have the same structure "
        "(named like the article's grads dict? return them under x's keys)"
    )


@pytest.mark.parametrize(
    ("returned", "message"),
    [
        (lambda p: np.ones(3), r"^grad\(x\) is an array of shape \(3,\) but x is a dict with keys \['w'\]"),
        (lambda p: {"w": [1.0, 2.0]}, r"^grad\(x\)\['w'\] has shape \(2,\) but x\['w'\] has shape \(3,\)"),
        (lambda p: {"w": np.ones(3) + 1j}, r"^grad\(x\)\['w'\] is complex"),
    ],
    ids=["array for a dict", "short list", "complex"],
)
def test_a_gradient_of_another_structure_names_the_difference(returned, message):
    with pytest.raises((ValueError, TypeError), match=message):
        gradcheck(lambda p: float(np.sum(p["w"])), returned, {"w": np.zeros(3)})


def test_a_jacobian_of_the_wrong_shape_says_where_the_output_axes_go():
    with pytest.raises(ValueError) as raised:
        gradcheck(lambda x: x**2, lambda x: np.diag(2 * x)[:, :2], np.ones(3))
    assert str(raised.value) == (
        "grad(x) has shape (3, 2), expected (3, 3): the Jacobian of an f with output shape (3,) "
        "puts those axes before x's shape (3,)"
    )


# ---------------------------------------------------------------- bad arguments
@pytest.mark.parametrize(
    ("option", "value", "error", "message"),
    [
        ("atol", "1e-5", TypeError, "atol must be a real number, got str '1e-5'"),
        ("rtol", np.array([1e-3]), TypeError, "rtol must be a real number, got ndarray array([0.001])"),
        ("eps", True, TypeError, "eps must be a real number, got bool True"),
        ("atol", -1e-9, ValueError, "atol must be a non-negative finite number, got -1e-09"),
        ("eps", 0.0, ValueError, "eps must be a positive finite number, got 0.0"),
        ("raise_exception", 1, TypeError, "raise_exception must be True or False, got int 1"),
        ("n_directions", 0, ValueError, "n_directions must be a positive integer, got 0"),
        ("args", 3.0, TypeError, "args must be a tuple of extra positional arguments, got float"),
    ],
)
def test_a_bad_argument_is_named_in_one_line(option, value, error, message):
    with pytest.raises(error) as raised:
        gradcheck(square, double, np.ones(2), **{option: value})
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        ({"w": np.ones(2), "fit_intercept": True}, TypeError, r"^x\['fit_intercept'\] is a bool"),
        ({"w": np.ones(2), "name": "ridge"}, TypeError, r"^x\['name'\] is a str"),
        (np.array([1.0, np.nan]), ValueError, r"^x contains 1 NaN or infinite value\(s\)"),
        ({"w": np.zeros(0)}, ValueError, r"^x holds no value to differentiate"),
    ],
)
def test_a_point_that_cannot_be_differentiated_is_named(x, error, message):
    with pytest.raises(error, match=message):
        gradcheck(lambda p: 0.0, lambda p: p, x)


def test_f_and_grad_must_be_callable():
    with pytest.raises(TypeError, match=r"^grad must be callable, got ndarray"):
        gradcheck(square, np.ones(2), np.ones(2))


def test_an_f_not_finite_at_x_is_a_value_error():
    with pytest.raises(ValueError, match=r"^f\(x\) is not finite \(it is nan\)"):
        gradcheck(lambda x: float(np.sqrt(x[0])), lambda x: 0.5 / np.sqrt(x), np.array([-1.0]))


# ---------------------------------------------------------------- the report
def test_a_zero_numeric_gradient_gives_a_relative_error_of_one_not_a_huge_number():
    # At x = 0 the gradient of |x|^2 is 0; a grad off by 1e-3 there is 100 % off, not 4.49e+307 %.
    result = gradcheck(square, lambda x: 2 * x + 1e-3, np.zeros(2), raise_exception=False)
    np.testing.assert_array_equal(result.numeric, [0.0, 0.0])
    np.testing.assert_array_equal(result.rel_error, [1.0, 1.0])
    assert result.n_failed == 2


def test_the_report_counts_the_failures_and_shows_at_most_five_rows():
    # Coordinate i is 10 (i + 1) % off, so the worst are the last; the allowance (about
    # 1.5e-8 of each value) is the same fraction of each.
    off = 1 + np.arange(1, 9) / 10
    result = gradcheck(square, lambda x: 2 * x * off, np.ones(8), raise_exception=False)
    lines = result.report().splitlines()
    assert lines[0] == "gradient check failed: 8 of 8 values disagree with finite differences"
    # Absolute quantities say "abs", relative ones "rel"; the ratio column shows the lost factor.
    assert [cell.strip() for cell in lines[1].split("  ") if cell.strip()] == [
        *("where", "analytic", "numeric", "numeric/analytic", "abs error", "allowed abs"),
        *("rel error", "fd error abs", "step"),
    ]
    assert [line.split()[0] for line in lines[2:7]] == ["x[7]", "x[6]", "x[5]", "x[4]", "x[3]"]
    assert [float(line.split()[3]) for line in lines[2:7]] == pytest.approx(1 / off[::-1][:5], rel=1e-6)
    assert lines[7] == "  ... 3 more value(s), all in .flat and the arrays of this result"
    assert lines[8].startswith("rule: abs error <= atol + floor + rtol * |numeric| + 4 * fd error abs")


def test_describe_is_one_line_on_the_worst_value():
    result = gradcheck(square, lambda x: x * [2.0, 2.5], np.array([1.0, 1.0]), raise_exception=False)
    line = result.describe()
    assert "\n" not in line
    assert line.startswith("x[1]: analytic 2.5, numeric 2, numeric/analytic 0.8; abs error 0.5 against ")
    assert " allowed abs (fd error abs " in line
    assert line.endswith("; rel error 0.2; fails; 1 of 2 values failed")


def test_under_pytest_the_traceback_stops_at_the_users_call():
    with pytest.raises(GradcheckError) as raised:
        gradcheck(square, lambda x: 3 * x, np.ones(2))
    shown = raised.traceback.filter(raised)
    assert [Path(entry.path).resolve() for entry in shown if Path(entry.path).resolve() in MODULES] == []
    assert Path(shown[-1].path).resolve() == Path(__file__).resolve()


def test_errors_from_deep_inside_are_hidden_too():
    with pytest.raises(ValueError) as raised:
        gradcheck(lambda p: 0.0, lambda p: {"w": np.ones((2, 2))}, {"w": np.ones(2)})
    shown = raised.traceback.filter(raised)
    assert {Path(entry.path).resolve() for entry in shown} & MODULES == set()


# ---------------------------------------------------------------- what other code relies on
def test_a_fixed_eps_reproduces_the_one_step_central_difference():
    # The spec's steps pass eps, atol and rtol on a flat float64 theta; with eps given the numeric
    # gradient is the central difference at h = eps * max(1, |x_i|), as numerical_gradient takes it.
    def f(x):
        return float(np.sum(np.sin(x) * x))

    x = np.array([0.3, -2.0, 5.0])
    result = gradcheck(f, lambda v: np.cos(v) * v + np.sin(v), x, eps=1e-6, atol=1e-8, rtol=1e-6)
    np.testing.assert_array_equal(result.numeric, linreg.numerical_gradient(f, x, eps=1e-6))
    assert result.passed
    assert isinstance(result.worst_index, tuple)
    assert all(isinstance(i, int) for i in result.worst_index)
    assert (result.atol, result.rtol) == (1e-8, 1e-6)


def test_a_fixed_eps_means_real_central_differences_even_for_an_f_that_takes_complex_input():
    def f(x):
        return np.sum(np.sin(x) * x)

    x = np.array([0.3, -2.0, 5.0])
    result = gradcheck(f, lambda v: np.cos(v) * v + np.sin(v), x, eps=1e-6, atol=1e-8, rtol=1e-6)
    assert result.method == "central differences at the fixed step eps=1e-06"
    np.testing.assert_array_equal(result.numeric, linreg.numerical_gradient(f, x, eps=1e-6))


def test_gradcheck_error_is_an_assertion_error_carrying_the_result():
    with pytest.raises(AssertionError) as raised:
        gradcheck(square, lambda x: 3 * x, np.ones(2))
    assert isinstance(raised.value, GradcheckError)
    assert raised.value.result.passed is False


# ---------------------------------------------------------------- Jacobians and second order
def test_a_vector_valued_f_is_checked_against_its_jacobian():
    A = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
    result = gradcheck(lambda x: np.tanh(A @ x), lambda x: (1 - np.tanh(A @ x) ** 2)[:, None] * A, np.ones(3))
    assert result.passed
    assert result.what == "Jacobian"
    assert result.analytic.shape == (2, 3)
    assert result.labels[:2] == ("f(x)[0] wrt x[0]", "f(x)[0] wrt x[1]")


def test_the_articles_hessian_is_checked_against_differences_of_its_gradient(article):
    X, y, params = article
    assert hessian_check(grads, lambda p, X, y: linreg.hessian(X), params, args=(X, y)).passed
    # The same Hessian without its 1/n is n times too large everywhere.
    wrong = hessian_check(
        grads, lambda p, X, y: linreg.hessian(X) * 20, params, args=(X, y), raise_exception=False
    )
    assert wrong.n_failed == 16
    assert wrong.labels[3] == "hess(x)[0, 3] (grad['w'][0, 0] wrt x['b'])"


def test_a_hessian_of_the_wrong_shape_is_named():
    with pytest.raises(ValueError, match=r"^hess\(x\) has shape \(3,\), expected \(3, 3\)"):
        hessian_check(double, lambda x: np.full(3, 2.0), np.ones(3))


def test_a_hessian_vector_product_is_checked_along_random_directions():
    def grad(x):
        return np.array([x[0] ** 2 * x[1], x[0] ** 3 / 3])

    def hvp(x, v):
        return np.array([2 * x[0] * x[1] * v[0] + x[0] ** 2 * v[1], x[0] ** 2 * v[0]])

    x = np.array([1.5, -0.5])
    result = hvp_check(grad, hvp, x)
    assert result.passed
    assert result.analytic.shape == (2, 2)  # two directions by two coordinates
    wrong = hvp_check(grad, lambda x, v: hvp(x, v) * [1.0, 1.01], x, raise_exception=False)
    assert set(wrong.failed) == {"(H v0)[1]", "(H v1)[1]"}


def test_a_given_direction_must_have_the_structure_of_x():
    with pytest.raises(ValueError, match=r"^v has shape \(3,\) but x has shape \(2,\)"):
        hvp_check(double, lambda x, v: 2 * v, np.ones(2), v=np.ones(3))


# ---------------------------------------------------------------- the layout
def test_import_linreg_gradcheck_gives_the_module_and_from_it_the_function():
    import importlib

    module = importlib.import_module("linreg.gradcheck")
    import linreg.gradcheck as imported

    assert imported is module
    assert module.__name__ == "linreg.gradcheck" and hasattr(module, "SAFETY")
    from linreg.gradcheck import gradcheck as function

    assert callable(function) and function.__module__ == "linreg.gradcheck.checks"
    # The old spellings keep working: the package is callable as its function.
    assert linreg.gradcheck(square, double, np.ones(2)).passed
    assert gradcheck(square, double, np.ones(2)).passed


def test_the_parts_are_files_of_the_package_and_the_old_module_names_still_import():
    import importlib

    parts = {"checks", "differences", "trees", "results", "calls", "strategies", "benchmark"}
    assert parts <= {path.stem for path in PACKAGE.glob("*.py")}
    assert (
        importlib.import_module("linreg.gradcheck_trees").Tree
        is importlib.import_module("linreg.gradcheck.trees").Tree
    )
    old = importlib.import_module("linreg.gradcheck_strategies")
    assert old.gradient_property is importlib.import_module("linreg.gradcheck.strategies").gradient_property


def test_analysis_does_not_import_core():
    # core imports analysis (for the stable learning rate); analysis takes TrainingDiverged from
    # linreg._errors, so the two no longer import each other.
    import ast

    source = Path(linreg.analysis.__file__).read_text(encoding="utf-8")
    imported = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    assert "linreg.core" not in imported and "linreg" not in imported
    assert linreg.TrainingDiverged is linreg.core.TrainingDiverged is linreg._errors.TrainingDiverged
