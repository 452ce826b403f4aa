"""How well do gradient checkers tell right gradients from wrong ones? A benchmark script.

Run it with one command (it installs the ``benchmark`` extra: scipy, numdifftools)::

    make benchmark-gradcheck

or, in an environment that has them, ``python tests/benchmarks/gradcheck_benchmark.py``.

The corpus: eight smooth functions of six to seven variables, each at five random
points, with their correct gradients, in three conditions:

* ``float64``: the point and every computation in float64;
* ``float32``: the same functions computed in float32 throughout (x, data, result),
  whatever type of x they are given;
* ``badly scaled``: float64, after the change of variables z_i = s_i x_i and
  F(z) = c f(z / s), with s_i and c spread over six decades each.

Each gradient is checked as it is (a flag is a *false alarm*) and with a *planted
error*: the coordinate with the largest |x_i g_i| (the one that moves f the most)
multiplied by 1 + r, for r = 1e-2 down to 1e-8. For each checker the script
counts false alarms, the planted errors flagged at each r, the smallest r flagged
at every point of every function (with every larger r), and the calls of f per check.

The checkers, each at its defaults:

* ``linreg.gradcheck``, full, fast (two random directions) and complex-step (on
  the five functions written to accept complex input);
* torch.autograd.gradcheck's rule, emulated: central differences at the absolute
  step 1e-6 in x's dtype, ``|a - n| <= 1e-5 + 1e-3 |n|`` per coordinate (torch
  itself is not installed: its wheel is several hundred MB for a rule this short);
* jax.test_util.check_grads's rule, emulated: one random direction (normal,
  RandomState(0)), a central difference at the absolute step 1e-4 in x's dtype,
  ``|a - n| <= tol + tol |n|`` with tol 1e-5 in float64 and 2e-3 in float32;
* ``scipy.optimize.check_grad``: it returns ``|grad - forward differences|_2`` and
  has no threshold; we flag when that exceeds ``1e-6 |grad|_2``;
* ``numdifftools.Gradient`` (Richardson-extrapolated central differences), flagged
  when ``numpy.allclose(grad, estimate)`` (rtol 1e-5, atol 1e-8) is False.

It prints the machine it ran on first. It is a script, not a test: nothing here
is timed or asserted.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

import linreg

PLANTED = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]
# The anchors' documented defaults, emulated below (docs/gradcheck.md prints these).
TORCH_RULE = {"eps": 1e-6, "atol": 1e-5, "rtol": 1e-3}
JAX_RULE = {"eps": 1e-4, "float64": 1e-5, "float32": 2e-3}
SCIPY_RELATIVE = 1e-6  # check_grad's distance, over the gradient's norm, above which we flag
CONDITIONS = ["float64", "float32", "badly scaled"]

Fn = Callable[[np.ndarray], object]


# ---------------------------------------------------------------------------- the corpus
@dataclass(frozen=True)
class Case:
    """One function at one point, with its gradient."""

    name: str
    f: Fn
    grad: Fn
    x: np.ndarray
    complex_ok: bool


def _real(x: np.ndarray) -> np.dtype:
    # The real type matching x, so data meet x in its own precision (complex x: a complex step).
    return np.empty(0, dtype=x.dtype).real.dtype


def _article(rng: np.random.Generator) -> tuple[Fn, Fn, int, bool]:
    X, y = rng.normal(size=(30, 5)), rng.normal(size=30)

    def f(t: np.ndarray) -> object:
        r = X.astype(_real(t)) @ t[:-1] + t[-1] - y.astype(_real(t))
        return np.sum(r * r) / (2 * len(y))

    def g(t: np.ndarray) -> np.ndarray:
        Xd = X.astype(t.dtype)
        r = Xd @ t[:-1] + t[-1] - y.astype(t.dtype)
        return np.append(Xd.T @ r, np.sum(r)) / len(y)

    return f, g, 6, True


def _logistic(rng: np.random.Generator) -> tuple[Fn, Fn, int, bool]:
    X, labels = rng.normal(size=(40, 6)), rng.choice([-1.0, 1.0], size=40)

    def f(w: np.ndarray) -> object:
        return np.mean(np.logaddexp(0, -labels.astype(w.dtype) * (X.astype(w.dtype) @ w)))

    def g(w: np.ndarray) -> np.ndarray:
        Xd, yd = X.astype(w.dtype), labels.astype(w.dtype)
        return Xd.T @ (-yd / (1 + np.exp(yd * (Xd @ w)))) / len(yd)

    return f, g, 6, False


def _rosenbrock(rng: np.random.Generator) -> tuple[Fn, Fn, int, bool]:
    def f(x: np.ndarray) -> object:
        return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    def g(x: np.ndarray) -> np.ndarray:
        out = np.zeros_like(x)
        out[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
        out[1:] += 200 * (x[1:] - x[:-1] ** 2)
        return out

    return f, g, 6, True


def _softmax(rng: np.random.Generator) -> tuple[Fn, Fn, int, bool]:
    A = rng.normal(size=(4, 6))

    def f(x: np.ndarray) -> object:
        z = A.astype(x.dtype) @ x
        top = np.max(z)
        return top + np.log(np.sum(np.exp(z - top))) - z[0]

    def g(x: np.ndarray) -> np.ndarray:
        Ad = A.astype(x.dtype)
        z = Ad @ x
        p = np.exp(z - np.max(z))
        p = p / np.sum(p)
        p[0] -= 1
        return Ad.T @ p

    return f, g, 6, False


def _trig(rng: np.random.Generator) -> tuple[Fn, Fn, int, bool]:
    def f(x: np.ndarray) -> object:
        return np.sum(np.sin(x[:-1]) * np.cos(x[1:])) + np.sum(x * x) / 2

    def g(x: np.ndarray) -> np.ndarray:
        out = x.copy()
        out[:-1] += np.cos(x[:-1]) * np.cos(x[1:])
        out[1:] -= np.sin(x[:-1]) * np.sin(x[1:])
        return out

    return f, g, 6, True


def _exp_quartic(rng: np.random.Generator) -> tuple[Fn, Fn, int, bool]:
    def f(x: np.ndarray) -> object:
        return np.sum(np.exp(x / 2) + x**4 / 4)

    def g(x: np.ndarray) -> np.ndarray:
        return np.exp(x / 2) / 2 + x**3

    return f, g, 6, True


def _tanh_layer(rng: np.random.Generator) -> tuple[Fn, Fn, int, bool]:
    A, target = rng.normal(size=(8, 6)), rng.normal(size=8)

    def f(x: np.ndarray) -> object:
        r = np.tanh(A.astype(_real(x)) @ x) - target.astype(_real(x))
        return np.sum(r * r) / 2

    def g(x: np.ndarray) -> np.ndarray:
        Ad = A.astype(x.dtype)
        t = np.tanh(Ad @ x)
        return Ad.T @ ((t - target.astype(x.dtype)) * (1 - t * t))

    return f, g, 6, True


def _pseudo_huber(rng: np.random.Generator) -> tuple[Fn, Fn, int, bool]:
    B, c, delta = rng.normal(size=(10, 7)), rng.normal(size=10), 0.5

    def f(x: np.ndarray) -> object:
        r = B.astype(_real(x)) @ x - c.astype(_real(x))
        return np.sum(delta**2 * (np.sqrt(1 + (r / delta) ** 2) - 1))

    def g(x: np.ndarray) -> np.ndarray:
        Bd = B.astype(x.dtype)
        r = Bd @ x - c.astype(x.dtype)
        return Bd.T @ (r / np.sqrt(1 + (r / delta) ** 2))

    return f, g, 7, True


FUNCTIONS = {
    "article's loss": _article,
    "logistic loss": _logistic,
    "Rosenbrock": _rosenbrock,
    "softmax cross-entropy": _softmax,
    "sin-cos chain": _trig,
    "exp + quartic": _exp_quartic,
    "tanh layer": _tanh_layer,
    "pseudo-Huber": _pseudo_huber,
}


def corpus(condition: str, points: int) -> list[Case]:
    """Every function at ``points`` seeded points, in one condition."""
    cases = []
    for k, (name, make) in enumerate(FUNCTIONS.items()):
        for p in range(points):
            rng = np.random.default_rng([k, p])
            f, g, d, complex_ok = make(rng)
            x = rng.normal(size=d) * rng.uniform(0.5, 1.5)
            if condition == "float32":
                cases.append(Case(name, _single(f), _single(g), x.astype(np.float32), complex_ok))
            elif condition == "badly scaled":
                s = 10.0 ** rng.uniform(-3, 3, size=d)
                c = 10.0 ** rng.uniform(-3, 3)
                cases.append(Case(name, _scaled_f(f, s, c), _scaled_g(g, s, c), x * s, complex_ok))
            else:
                cases.append(Case(name, f, g, x, complex_ok))
    return cases


def _single(fn: Fn) -> Fn:
    # A float32 function stays one whatever it is given: scipy and numdifftools pass float64.
    return lambda x: fn(x.astype(np.complex64 if np.iscomplexobj(x) else np.float32))


def _scaled_f(f: Fn, s: np.ndarray, c: float) -> Fn:
    return lambda z: c * f(z / s)  # type: ignore[operator]


def _scaled_g(g: Fn, s: np.ndarray, c: float) -> Fn:
    return lambda z: c * np.asarray(g(z / s)) / s


def planted(case: Case, r: float) -> Fn:
    """The case's gradient with its most influential coordinate multiplied by 1 + r."""
    g0 = np.asarray(case.grad(case.x.copy()), dtype=np.float64)
    k = int(np.argmax(np.abs(case.x.astype(np.float64) * g0)))

    def wrong(x: np.ndarray) -> np.ndarray:
        out = np.array(case.grad(x), dtype=np.float64)
        out[k] *= 1 + r
        return out.astype(x.dtype)

    return wrong


# ---------------------------------------------------------------------------- the checkers
class Counted:
    """f, counting its calls."""

    def __init__(self, f: Fn) -> None:
        self.f, self.calls = f, 0

    def __call__(self, x: np.ndarray) -> object:
        self.calls += 1
        return self.f(x)


def ours(f: Fn, g: Fn, x: np.ndarray) -> bool:
    return not linreg.gradcheck(f, g, x, raise_exception=False).passed


def ours_fast(f: Fn, g: Fn, x: np.ndarray) -> bool:
    return not linreg.gradcheck(f, g, x, fast=True, raise_exception=False).passed


def ours_complex(f: Fn, g: Fn, x: np.ndarray) -> bool:
    return not linreg.gradcheck(f, g, x, complex_step=True, raise_exception=False).passed


def torch_rule(f: Fn, g: Fn, x: np.ndarray) -> bool:
    eps = x.dtype.type(TORCH_RULE["eps"])
    numeric = np.empty(x.size)
    for i in range(x.size):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        numeric[i] = (float(f(up)) - float(f(down))) / (2 * float(eps))  # type: ignore[arg-type]
    analytic = np.asarray(g(x.copy()), dtype=np.float64)
    return not np.allclose(analytic, numeric, rtol=TORCH_RULE["rtol"], atol=TORCH_RULE["atol"])


def jax_rule(f: Fn, g: Fn, x: np.ndarray) -> bool:
    tol = JAX_RULE["float32"] if x.dtype == np.float32 else JAX_RULE["float64"]
    t = np.random.RandomState(0).randn(x.size).astype(x.dtype)
    eps = x.dtype.type(JAX_RULE["eps"])
    numeric = (float(f(x + eps * t)) - float(f(x - eps * t))) * (0.5 / float(eps))  # type: ignore[arg-type]
    analytic = float(np.dot(np.asarray(g(x.copy())), t))
    return not abs(analytic - numeric) <= tol + tol * abs(numeric)


def scipy_check_grad(f: Fn, g: Fn, x: np.ndarray) -> bool:
    from scipy.optimize import check_grad

    error = check_grad(f, g, x.copy())
    return not error <= SCIPY_RELATIVE * float(np.linalg.norm(np.asarray(g(x.copy()), dtype=np.float64)))


def numdifftools_allclose(f: Fn, g: Fn, x: np.ndarray) -> bool:
    import numdifftools as nd

    estimate = nd.Gradient(f)(x.copy())
    return not np.allclose(np.asarray(g(x.copy()), dtype=np.float64), estimate)


CHECKERS: dict[str, Callable[[Fn, Fn, np.ndarray], bool]] = {
    "linreg.gradcheck": ours,
    "linreg.gradcheck fast=True": ours_fast,
    "linreg.gradcheck complex_step=True": ours_complex,
    "torch gradcheck's rule (emulated)": torch_rule,
    "jax check_grads' rule (emulated)": jax_rule,
    "scipy check_grad, 1e-6 relative": scipy_check_grad,
    "numdifftools + np.allclose": numdifftools_allclose,
}


# ---------------------------------------------------------------------------- running
@dataclass
class Row:
    false_alarms: int
    correct: int
    detected: list[int]
    planted_cases: int
    evaluations: float


def run(checker: Callable[[Fn, Fn, np.ndarray], bool], cases: list[Case], complex_only: bool) -> Row | None:
    if complex_only:
        cases = [c for c in cases if c.complex_ok]
    if not cases:
        return None
    alarms, calls = 0, []
    detected = [0] * len(PLANTED)
    for case in cases:
        counted = Counted(case.f)
        alarms += checker(counted, case.grad, case.x.copy())
        calls.append(counted.calls)
        for i, r in enumerate(PLANTED):
            detected[i] += checker(case.f, planted(case, r), case.x.copy())
    return Row(alarms, len(cases), detected, len(cases), float(np.mean(calls)))


def smallest_detected(row: Row) -> str:
    """The smallest planted error flagged everywhere (with every larger one); n/a if right ones are too."""
    if row.false_alarms:
        return "n/a"
    smallest = "none"
    for r, hits in zip(PLANTED, row.detected, strict=True):
        if hits < row.planted_cases:
            break
        smallest = f"{r:.0e}"
    return smallest


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import numdifftools
    import scipy

    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
        f"numdifftools {numdifftools.__version__}"
    )


def table(condition: str, rows: dict[str, Row | None]) -> str:
    cols = ["checker", "false alarms", *[f"{r:.0e}" for r in PLANTED], "all from", "f calls"]
    lines = [cols]
    for name, row in rows.items():
        if row is None:
            continue
        lines.append(
            [
                name,
                f"{row.false_alarms}/{row.correct}",
                *[f"{d}/{row.planted_cases}" for d in row.detected],
                smallest_detected(row),
                f"{row.evaluations:.0f}",
            ]
        )
    widths = [max(len(r[i]) for r in lines) for i in range(len(cols))]
    out = [f"{condition}: planted errors flagged, by relative size"]
    for r in lines:
        out.append(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=5, help="points per function (default 5)")
    options = parser.parse_args(argv)
    # Checkers probe far from x (an absolute step on a badly scaled point): overflow there is theirs.
    np.seterr(all="ignore")
    print(f"machine: {machine()}")
    print(f"corpus: {len(FUNCTIONS)} functions x {options.points} points per condition\n")
    started = time.perf_counter()
    for condition in CONDITIONS:
        cases = corpus(condition, options.points)
        rows = {
            name: run(checker, cases, complex_only=checker is ours_complex)
            for name, checker in CHECKERS.items()
        }
        print(table(condition, rows) + "\n")
    print(f"ran in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
