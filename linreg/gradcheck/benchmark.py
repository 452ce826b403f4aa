"""linreg.gradcheck against torch's, jax's, autograd's, scipy's and numdifftools' checkers.

Run it with one command from a checkout (it installs the ``benchmark`` extra:
scipy, numdifftools, jax, autograd)::

    make benchmark-gradcheck

or, wherever linreg is installed with that extra, ``python -m linreg.gradcheck.benchmark``.
It prints the machine, then one table per category and a summary; it asserts
nothing (a benchmark, not a test) and takes a few minutes.

**The corpus** (:func:`corpus`): each category holds several functions at
several points, with their correct gradients (or Jacobians):

* ``well-conditioned``: the article's loss, a logistic loss, Rosenbrock, a
  softmax cross-entropy, a sine-cosine chain, a tanh layer, a pseudo-Huber loss;
* ``ill-conditioned``: exp at 20 to 40, log near 0, softplus far out, log-sum-exp
  near 1000, an eighth power;
* ``badly scaled``: z_i = s_i x_i and F(z) = c f(z / s), s_i from 1e-6 to 1e6 in
  one vector, c from 1e-3 to 1e3;
* ``near-zero gradient``: a few 1e-6 from a minimum;
* ``kink 1e-3``, ``kink 1e-5``, ``kink 1e-7``: one argument of ``abs`` or
  ``relu`` (a lasso, a relu layer, a shifted absolute value, a hinge loss) that
  far from its kink;
* ``float32``: computed in float32 throughout;
* ``n = 1000``: a thousand values;
* ``nested pytree``: small networks' parameters as dicts, lists and tuples;
* ``Jacobian``: 4 x 4 Jacobians of vector functions.

Each gradient is checked as it is (a flag is a *false alarm*), with a *planted
error* (the value that moves f the most multiplied by 1 + r, r = 1e-2 to 1e-8)
and with the classic bugs (transposed where a square matrix is, doubled, sign
flipped, a mean taken as a sum).

**The checkers.** linreg.gradcheck at its defaults only. The anchors at every
setting of a grid (:data:`ANCHORS`), since tuned settings are what their users
reach for; a category's *best anchor* is the setting that raised no false alarm
there and found the most errors:

* torch.autograd.gradcheck's rule, **emulated**: central differences at an
  absolute step, ``|a - n| <= atol + rtol |n|`` per value, on double inputs.
  torch is not installed: the package index has no CPU-only wheel of it, and the
  default one pulls in several GB of CUDA libraries for a rule of a few lines.
* jax.test_util.check_grads, **the real one** (forward mode, order 1), on
  functions whose derivative rule is the gradient under test (``jax.custom_jvp``
  around ``jax.pure_callback``);
* autograd.test_util.check_grads, **the real one** (reverse mode, order 1), the
  gradient under test as the vector-Jacobian product of an ``autograd.extend``
  primitive; its tolerances are module constants, set per setting;
* scipy.optimize.check_grad (a distance, flagged above a fraction of |grad|);
* scipy.differentiate.jacobian (an error-aware rule: flagged where the gap
  exceeds k times its error estimate);
* numdifftools.Gradient / Jacobian compared with ``numpy.allclose``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import numpy as np

from linreg.gradcheck.checks import gradcheck
from linreg.gradcheck.trees import Tree

__all__ = ["ANCHORS", "BUGS", "CATEGORIES", "PLANTED", "Case", "corpus", "main"]

PLANTED = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8]
BUGS = ["transposed", "doubled", "sign flip", "mean as sum"]
CATEGORIES = [
    "well-conditioned",
    "ill-conditioned",
    "badly scaled",
    "near-zero gradient",
    "kink 1e-3",
    "kink 1e-5",
    "kink 1e-7",
    "float32",
    "n = 1000",
    "nested pytree",
    "Jacobian",
]

Fn = Callable[..., Any]


# ---------------------------------------------------------------------------- the corpus
@dataclass
class Case:
    """One function at one point, with its correct derivative."""

    category: str
    name: str
    f: Fn
    grad: Fn
    x: Any
    terms: int = 1  # how many terms a mean divides by (the mean-as-sum bug multiplies by it)
    square: bool = False  # a square matrix among the derivative's arrays (the transposed bug applies)


def _real(x: Any) -> Any:
    # The real type matching x, so data meet x in its own precision (complex x: a complex step).
    return np.empty(0, dtype=np.asarray(x).dtype).real.dtype


def _cast(a: np.ndarray, x: Any) -> np.ndarray:
    return a.astype(_real(x))


def _well(rng: np.random.Generator) -> Iterator[tuple[str, Fn, Fn, np.ndarray, int]]:
    X, y = rng.normal(size=(30, 5)), rng.normal(size=30)

    def article(t: np.ndarray) -> Any:
        r = _cast(X, t) @ t[:-1] + t[-1] - _cast(y, t)
        return np.sum(r * r) / (2 * len(y))

    def article_g(t: np.ndarray) -> np.ndarray:
        r = X @ t[:-1] + t[-1] - y
        return np.append(X.T @ r, np.sum(r)) / len(y)

    yield "article's loss", article, article_g, rng.normal(size=6), 30
    L, labels = rng.normal(size=(40, 6)), rng.choice([-1.0, 1.0], size=40)

    def logistic(w: np.ndarray) -> Any:
        return np.mean(np.logaddexp(0, -_cast(labels, w) * (_cast(L, w) @ w)))

    def logistic_g(w: np.ndarray) -> np.ndarray:
        return L.T @ (-labels / (1 + np.exp(labels * (L @ w)))) / len(labels)

    yield "logistic loss", logistic, logistic_g, rng.normal(size=6), 40

    def rosen(x: np.ndarray) -> Any:
        return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    def rosen_g(x: np.ndarray) -> np.ndarray:
        out = np.zeros_like(x)
        out[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
        out[1:] += 200 * (x[1:] - x[:-1] ** 2)
        return out

    yield "Rosenbrock", rosen, rosen_g, rng.normal(size=6), 5
    A = rng.normal(size=(4, 6))

    def softmax_ce(x: np.ndarray) -> Any:
        z = _cast(A, x) @ x
        top = np.max(z.real) if np.iscomplexobj(z) else np.max(z)
        return top + np.log(np.sum(np.exp(z - top))) - z[0]

    def softmax_ce_g(x: np.ndarray) -> np.ndarray:
        z = A @ x
        p = np.exp(z - np.max(z))
        p = p / np.sum(p)
        p[0] -= 1
        return A.T @ p

    yield "softmax cross-entropy", softmax_ce, softmax_ce_g, rng.normal(size=6), 1

    def trig(x: np.ndarray) -> Any:
        return np.sum(np.sin(x[:-1]) * np.cos(x[1:])) + np.sum(x * x) / 2

    def trig_g(x: np.ndarray) -> np.ndarray:
        out = x.copy()
        out[:-1] += np.cos(x[:-1]) * np.cos(x[1:])
        out[1:] -= np.sin(x[:-1]) * np.sin(x[1:])
        return out

    yield "sin-cos chain", trig, trig_g, rng.normal(size=6), 5
    B, target = rng.normal(size=(8, 6)), rng.normal(size=8)

    def tanh_layer(x: np.ndarray) -> Any:
        r = np.tanh(_cast(B, x) @ x) - _cast(target, x)
        return np.sum(r * r) / 2

    def tanh_layer_g(x: np.ndarray) -> np.ndarray:
        t = np.tanh(B @ x)
        return B.T @ ((t - target) * (1 - t * t))

    yield "tanh layer", tanh_layer, tanh_layer_g, rng.normal(size=6), 8
    C, c, delta = rng.normal(size=(10, 7)), rng.normal(size=10), 0.5

    def huber(x: np.ndarray) -> Any:
        r = _cast(C, x) @ x - _cast(c, x)
        return np.sum(delta**2 * (np.sqrt(1 + (r / delta) ** 2) - 1))

    def huber_g(x: np.ndarray) -> np.ndarray:
        r = C @ x - c
        return C.T @ (r / np.sqrt(1 + (r / delta) ** 2))

    yield "pseudo-Huber", huber, huber_g, rng.normal(size=7), 10


def _ill(rng: np.random.Generator) -> Iterator[tuple[str, Fn, Fn, np.ndarray, int]]:
    yield "exp at 20-40", lambda x: np.sum(np.exp(x)), np.exp, rng.uniform(20, 40, size=5), 5
    yield (
        "log near 0",
        lambda x: np.sum(np.log(x)) + np.sum(x),
        lambda x: 1 / x + 1,
        10.0 ** rng.uniform(-8, -3, size=5),
        5,
    )
    a = rng.choice([-1.0, 1.0], size=5) * rng.uniform(1, 2, size=5)

    def softplus(x: np.ndarray) -> Any:
        return np.sum(np.logaddexp(0, a * x))

    def softplus_g(x: np.ndarray) -> np.ndarray:
        return a / (1 + np.exp(-a * x))

    yield "softplus far out", softplus, softplus_g, rng.uniform(10, 25, size=5) * np.sign(a), 5
    A = rng.normal(size=(6, 5))

    def lse(x: np.ndarray) -> Any:
        z = _cast(A, x) @ x
        top = np.max(z.real) if np.iscomplexobj(z) else np.max(z)
        return top + np.log(np.sum(np.exp(z - top)))

    def lse_g(x: np.ndarray) -> np.ndarray:
        z = A @ x
        p = np.exp(z - np.max(z))
        return A.T @ (p / np.sum(p))

    x = rng.normal(size=5)
    x *= 1000 / np.max(A @ x)  # the largest logit at 1000
    yield "log-sum-exp near 1000", lse, lse_g, x, 6
    yield "eighth power", lambda x: np.sum(x**8) / 8, lambda x: x**7, rng.uniform(2, 6, size=5), 5


def _near_zero(rng: np.random.Generator) -> Iterator[tuple[str, Fn, Fn, np.ndarray, int]]:
    X, y = rng.normal(size=(30, 4)), rng.normal(size=30)
    A = np.column_stack([X, np.ones(30)])
    optimum = np.linalg.lstsq(A, y, rcond=None)[0]

    def article(t: np.ndarray) -> Any:
        r = _cast(A, t) @ t - _cast(y, t)
        return np.sum(r * r) / (2 * len(y))

    def article_g(t: np.ndarray) -> np.ndarray:
        return A.T @ (A @ t - y) / len(y)

    yield "article's loss near its optimum", article, article_g, optimum + 1e-6 * rng.normal(size=5), 30
    H = rng.normal(size=(5, 5))
    H = H @ H.T + np.eye(5)
    c = rng.normal(size=5)

    def bowl(x: np.ndarray) -> Any:
        d = x - c
        return d @ H @ d / 2 + np.sum(d**4) / 4

    def bowl_g(x: np.ndarray) -> np.ndarray:
        d = x - c
        return H @ d + d**3

    yield "quadratic + quartic near its minimum", bowl, bowl_g, c + 1e-6 * rng.normal(size=5), 5

    def rosen(x: np.ndarray) -> Any:
        return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)

    def rosen_g(x: np.ndarray) -> np.ndarray:
        out = np.zeros_like(x)
        out[:-1] = -400 * x[:-1] * (x[1:] - x[:-1] ** 2) - 2 * (1 - x[:-1])
        out[1:] += 200 * (x[1:] - x[:-1] ** 2)
        return out

    yield "Rosenbrock near (1, ..., 1)", rosen, rosen_g, 1 + 1e-6 * rng.normal(size=5), 4
    c2 = rng.normal(size=5)

    def logcosh(x: np.ndarray) -> Any:
        return np.sum(np.log(np.cosh(x - c2)))

    def logcosh_g(x: np.ndarray) -> np.ndarray:
        return np.tanh(x - c2)

    yield "log-cosh near its minimum", logcosh, logcosh_g, c2 + 1e-6 * rng.normal(size=5), 5


def _kinks(rng: np.random.Generator, delta: float) -> Iterator[tuple[str, Fn, Fn, np.ndarray, int]]:
    sign = rng.choice([-1.0, 1.0])
    X, y, lam = rng.normal(size=(20, 5)), rng.normal(size=20), 0.3

    def lasso(w: np.ndarray) -> Any:
        r = _cast(X, w) @ w - _cast(y, w)
        return np.sum(r * r) / (2 * len(y)) + lam * np.sum(np.abs(w))

    def lasso_g(w: np.ndarray) -> np.ndarray:
        return X.T @ (X @ w - y) / len(y) + lam * np.sign(w)

    w = rng.normal(size=5)
    w[rng.integers(5)] = sign * delta
    yield "lasso", lasso, lasso_g, w, 20
    A, b, v = rng.normal(size=(6, 5)), rng.normal(size=6), rng.normal(size=6)
    x = rng.normal(size=5)
    k = int(rng.integers(6))
    b[k] = sign * delta - A[k] @ x  # pre-activation k sits delta from relu's kink

    def relu_layer(x: np.ndarray) -> Any:
        z = _cast(A, x) @ x + _cast(b, x)
        return _cast(v, x) @ np.maximum(z, 0) + np.sum(x * x) / 2

    def relu_layer_g(x: np.ndarray) -> np.ndarray:
        z = A @ x + b
        return A.T @ (v * (z > 0)) + x

    yield "relu layer", relu_layer, relu_layer_g, x, 6
    c = rng.uniform(0.5, 2.0, size=5)
    x = c + rng.normal(size=5)
    x[rng.integers(5)] = 0.0
    j = int(np.flatnonzero(x == 0)[0])
    x[j] = c[j] + sign * delta

    def shifted_abs(x: np.ndarray) -> Any:
        return np.sum(np.abs(x - c)) + np.sum(np.cos(x))

    def shifted_abs_g(x: np.ndarray) -> np.ndarray:
        return np.sign(x - c) - np.sin(x)

    yield "shifted absolute value", shifted_abs, shifted_abs_g, x, 5
    H, labels = rng.normal(size=(15, 5)), rng.choice([-1.0, 1.0], size=15)
    w = rng.normal(size=5)
    m = int(rng.integers(15))
    # Move w along H[m] so that sample m's margin is 1 + delta exactly (the hinge's kink at 1).
    margin = labels[m] * (H[m] @ w)
    w = w + (1 + sign * delta - margin) * labels[m] * H[m] / (H[m] @ H[m])

    def hinge(w: np.ndarray) -> Any:
        return np.mean(np.maximum(0, 1 - _cast(labels, w) * (_cast(H, w) @ w))) + np.sum(w * w) / 20

    def hinge_g(w: np.ndarray) -> np.ndarray:
        active = 1 - labels * (H @ w) > 0
        return -(H.T @ (labels * active)) / len(labels) + w / 10

    yield "hinge loss", hinge, hinge_g, w, 15


def _float32(rng: np.random.Generator) -> Iterator[tuple[str, Fn, Fn, np.ndarray, int]]:
    for name, f, g, x, terms in _well(rng):
        if name in ("Rosenbrock",):
            continue
        yield name + " (float32)", _single(f), _single(g), x.astype(np.float32), terms


def _single(fn: Fn) -> Fn:
    # A float32 function stays one whatever it is given: scipy and numdifftools pass float64.
    def single(x: Any) -> Any:
        return fn(np.asarray(x).astype(np.complex64 if np.iscomplexobj(x) else np.float32))

    return single


def _large(rng: np.random.Generator) -> Iterator[tuple[str, Fn, Fn, np.ndarray, int]]:
    X, y = rng.normal(size=(60, 999)) / 30, rng.normal(size=60)

    def article(t: np.ndarray) -> Any:
        r = _cast(X, t) @ t[:-1] + t[-1] - _cast(y, t)
        return np.sum(r * r) / (2 * len(y))

    def article_g(t: np.ndarray) -> np.ndarray:
        r = X @ t[:-1] + t[-1] - y
        return np.append(X.T @ r, np.sum(r)) / len(y)

    yield "article's loss, 999 features", article, article_g, rng.normal(size=1000), 60
    yield (
        "cos + square",
        lambda x: np.sum(np.cos(x) + x * x),
        lambda x: 2 * x - np.sin(x),
        rng.normal(size=1000),
        1000,
    )


def _trees(rng: np.random.Generator) -> Iterator[tuple[str, Fn, Fn, Any, int]]:
    X, y = rng.normal(size=(12, 3)), rng.normal(size=12)

    def mlp(p: dict) -> Any:
        h = np.tanh(_cast(X, p["hidden"]["W"]) @ p["hidden"]["W"].T + p["hidden"]["b"])
        r = h @ p["out"]["w"] + p["out"]["b"] - _cast(y, p["out"]["w"])
        return np.sum(r * r) / (2 * len(y))

    def mlp_g(p: dict) -> dict:
        W, bh, w, bo = p["hidden"]["W"], p["hidden"]["b"], p["out"]["w"], p["out"]["b"]
        h = np.tanh(X @ W.T + bh)
        r = (h @ w + bo - y) / len(y)
        dh = np.outer(r, w) * (1 - h * h)
        return {"hidden": {"W": dh.T @ X, "b": dh.sum(axis=0)}, "out": {"w": h.T @ r, "b": float(r.sum())}}

    params = {
        "hidden": {"W": rng.normal(size=(3, 3)), "b": rng.normal(size=3)},
        "out": {"w": rng.normal(size=3), "b": float(rng.normal())},
    }
    yield "two-layer network, nested dicts", mlp, mlp_g, params, 12
    A = rng.normal(size=(2, 2))

    def chain(p: dict) -> Any:
        (W1, b1), (W2, b2) = p["layers"]
        z = np.sin(W1 @ _cast(A, W1)[0] + b1)
        return np.sum((W2 @ z + b2) ** 2) / 2 + p["scale"] ** 2

    def chain_g(p: dict) -> dict:
        (W1, b1), (W2, b2) = p["layers"]
        a0 = A[0]
        u = W1 @ a0 + b1
        z = np.sin(u)
        out = W2 @ z + b2
        dz = W2.T @ out
        du = dz * np.cos(u)
        return {"layers": [(np.outer(du, a0), du), (np.outer(out, z), out)], "scale": 2 * p["scale"]}

    params2 = {
        "layers": [
            (rng.normal(size=(2, 2)), rng.normal(size=2)),
            (rng.normal(size=(2, 2)), rng.normal(size=2)),
        ],
        "scale": float(rng.normal()),
    }
    yield "two layers as a list of tuples", chain, chain_g, params2, 1


def _jacobians(rng: np.random.Generator) -> Iterator[tuple[str, Fn, Fn, np.ndarray, int]]:
    A = rng.normal(size=(4, 4))
    yield (
        "tanh(A x)",
        lambda x: np.tanh(_cast(A, x) @ x),
        lambda x: (1 - np.tanh(A @ x) ** 2)[:, None] * A,
        rng.normal(size=4),
        1,
    )

    def softmax(x: np.ndarray) -> Any:
        e = np.exp(x - (np.max(x.real) if np.iscomplexobj(x) else np.max(x)))
        return e / np.sum(e)

    def softmax_j(x: np.ndarray) -> np.ndarray:
        p = softmax(x)
        return np.diag(p) - np.outer(p, p)

    yield "softmax", softmax, softmax_j, rng.normal(size=4), 1

    def mixed(x: np.ndarray) -> Any:
        return np.stack([x[0] * x[1], np.sin(x[2]), np.exp(x[3]) * x[0], x[1] ** 2 + x[2] ** 2])

    def mixed_j(x: np.ndarray) -> np.ndarray:
        return np.array(
            [
                [x[1], x[0], 0.0, 0.0],
                [0.0, 0.0, np.cos(x[2]), 0.0],
                [np.exp(x[3]), 0.0, 0.0, np.exp(x[3]) * x[0]],
                [0.0, 2 * x[1], 2 * x[2], 0.0],
            ]
        )

    yield "products, sine, exponential", mixed, mixed_j, rng.normal(size=4), 1


def _scaled(rng: np.random.Generator) -> Iterator[tuple[str, Fn, Fn, np.ndarray, int]]:
    for name, f, g, x, terms in _well(rng):
        if name in ("softmax cross-entropy", "pseudo-Huber"):
            continue
        s = 10.0 ** rng.uniform(-6, 6, size=x.size)
        s[rng.integers(x.size)] = 1e-6  # every vector spans the whole range
        s[rng.integers(x.size)] = 1e6
        c = 10.0 ** rng.uniform(-3, 3)
        yield name + " (rescaled)", _scaled_f(f, s, c), _scaled_g(g, s, c), x * s, terms


def _scaled_f(f: Fn, s: np.ndarray, c: float) -> Fn:
    return lambda z: c * f(z / s)


def _scaled_g(g: Fn, s: np.ndarray, c: float) -> Fn:
    return lambda z: c * np.asarray(g(z / s)) / s


_MAKERS: dict[str, Callable[[np.random.Generator], Iterator[tuple[str, Fn, Fn, Any, int]]]] = {
    "well-conditioned": _well,
    "ill-conditioned": _ill,
    "badly scaled": _scaled,
    "near-zero gradient": _near_zero,
    "kink 1e-3": lambda rng: _kinks(rng, 1e-3),
    "kink 1e-5": lambda rng: _kinks(rng, 1e-5),
    "kink 1e-7": lambda rng: _kinks(rng, 1e-7),
    "float32": _float32,
    "n = 1000": _large,
    "nested pytree": _trees,
    "Jacobian": _jacobians,
}
_POINTS = {"n = 1000": 1, "well-conditioned": 2, "float32": 1}


def corpus(points: int = 2, categories: list[str] | None = None) -> list[Case]:
    """Every category's functions at ``points`` seeded points each (one for n = 1000 and float32)."""
    cases = []
    for c, category in enumerate(categories or CATEGORIES):
        for p in range(_POINTS.get(category, points)):
            rng = np.random.default_rng([c, p, 2026])
            for name, f, g, x, terms in _MAKERS[category](rng):
                square = any(
                    np.ndim(leaf) == 2 and np.shape(leaf)[0] == np.shape(leaf)[1] for leaf in _leaves(x)
                )
                jac = category == "Jacobian"
                cases.append(Case(category, name, f, g, x, terms, square or jac))
    return cases


def _leaves(x: Any) -> list[Any]:
    if isinstance(x, dict):
        return [leaf for v in x.values() for leaf in _leaves(v)]
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in _leaves(v)]
    return [x]


# ---------------------------------------------------------------------------- wrong gradients
def wrong(case: Case, kind: str) -> Fn | None:
    """The case's gradient with a planted error (``kind`` a relative size) or a classic bug."""
    tree = Tree(case.x)
    jac = case.category == "Jacobian"
    lead = np.shape(case.f(case.x)) if jac else ()
    g0 = tree.flatten_like(case.grad(case.x), "grad(x)", lead)  # (M, N)
    influence = np.abs(g0 * tree.values[None, :])
    k = np.unravel_index(int(np.argmax(influence)), g0.shape)

    if kind == "transposed" and not case.square:
        return None

    def bad(x: Any) -> Any:
        g = tree.flatten_like(case.grad(x), "grad(x)", lead).copy()
        if kind == "doubled":
            g = 2 * g
        elif kind == "sign flip":
            g = -g
        elif kind == "mean as sum":
            g = g * case.terms if case.terms > 1 else g * 2
        elif kind == "transposed":
            if jac:
                g = g.T.copy()
            else:
                for leaf in tree.leaves:
                    if len(leaf.shape) == 2 and leaf.shape[0] == leaf.shape[1]:
                        part = g[0, leaf.start : leaf.start + leaf.size].reshape(leaf.shape)
                        g[0, leaf.start : leaf.start + leaf.size] = part.T.ravel()
        else:
            g[k] *= 1 + float(kind)
        return tree.unflatten(g, lead)

    if kind in BUGS:
        # A bug that leaves this gradient as it is (a symmetric Jacobian transposed) is no bug here.
        same = tree.flatten_like(bad(case.x), "grad(x)", lead)
        if np.array_equal(same, g0):
            return None
    return bad


# ---------------------------------------------------------------------------- the checkers
def _optional(name: str) -> Any:
    """An anchor's module (the benchmark extra installs them), imported when first needed."""
    return importlib.import_module(name)


class Counted:
    """f, counting its calls (those that raise too)."""

    def __init__(self, f: Fn) -> None:
        self.f, self.calls = f, 0

    def __call__(self, *args: Any) -> Any:
        self.calls += 1
        return self.f(*args)


@dataclass(frozen=True)
class Setting:
    family: str
    label: str
    run: Callable[[Case, Fn, Fn], bool]  # (case, counted f, grad) -> flagged
    scalar_only: bool = False
    small_only: bool = False  # too slow for n = 1000


def _ours(case: Case, f: Fn, g: Fn) -> bool:
    return gradcheck(f, g, case.x, raise_exception=False).verdict == "failed"


def _ours_real(case: Case, f: Fn, g: Fn) -> bool:
    return gradcheck(f, g, case.x, complex_step=False, raise_exception=False).verdict == "failed"


def _ours_undecided(case: Case, f: Fn, g: Fn) -> bool:
    return gradcheck(f, g, case.x, raise_exception=False).verdict == "undecided"


def _flat(case: Case, f: Fn, g: Fn) -> tuple[np.ndarray, Fn, Fn]:
    tree = Tree(case.x)
    jac = case.category == "Jacobian"

    def F(theta: np.ndarray) -> Any:
        return f(tree.build(np.asarray(theta, dtype=np.float64))[0])

    def G(theta: np.ndarray) -> np.ndarray:
        theta = np.asarray(theta, dtype=np.float64)
        point = tree.build(theta)[0]
        lead = np.shape(case.f(point)) if jac else ()
        return tree.flatten_like(g(point), "grad(x)", lead).reshape((*lead, tree.size))

    return tree.values.astype(np.float64), F, G


def torch_rule(eps: float, atol: float, rtol: float) -> Callable[[Case, Fn, Fn], bool]:
    def run(case: Case, f: Fn, g: Fn) -> bool:
        x, F, G = _flat(case, f, g)
        F(x)  # torch evaluates f(x) first
        cols = []
        for i in range(x.size):
            up, down = x.copy(), x.copy()
            up[i] += eps
            down[i] -= eps
            cols.append(
                (np.asarray(F(up), dtype=np.float64) - np.asarray(F(down), dtype=np.float64)) / (2 * eps)
            )
        numeric = np.stack(cols, axis=-1)
        analytic = G(x)
        return not np.allclose(analytic, numeric, rtol=rtol, atol=atol)

    return run


def jax_check(eps: float | None, tol: float | None) -> Callable[[Case, Fn, Fn], bool]:
    def run(case: Case, f: Fn, g: Fn) -> bool:
        jax = _optional("jax")
        jnp = _optional("jax.numpy")
        check_grads = _optional("jax.test_util").check_grads

        x, F, G = _flat(case, f, g)
        dtype = np.float32 if case.category == "float32" else np.float64
        x = x.astype(dtype)
        shape = np.shape(F(x))
        out_type = jax.ShapeDtypeStruct(shape, dtype)

        @jax.custom_jvp
        def fun(t: Any) -> Any:
            return jax.pure_callback(lambda v: np.asarray(F(np.asarray(v)), dtype=dtype), out_type, t)

        @fun.defjvp
        def fun_jvp(primals: Any, tangents: Any) -> Any:
            (t,), (dt,) = primals, tangents
            jac_type = jax.ShapeDtypeStruct((*shape, x.size), dtype)
            J = jax.pure_callback(lambda v: np.asarray(G(np.asarray(v)), dtype=dtype), jac_type, t)
            return fun(t), jnp.tensordot(J, dt, axes=1)

        try:
            # Compiled once per check (pure_callback dispatch is slow eagerly); the rule is check_grads'.
            check_grads(jax.jit(fun), (jnp.asarray(x),), order=1, modes=("fwd",), eps=eps, atol=tol, rtol=tol)
        except AssertionError:
            return True
        finally:
            jax.clear_caches()  # each check compiles a new function: keep memory flat
        return False

    return run


def autograd_check(eps: float, tol: float) -> Callable[[Case, Fn, Fn], bool]:
    def run(case: Case, f: Fn, g: Fn) -> bool:
        util = _optional("autograd.test_util")
        extend = _optional("autograd.extend")
        defvjp, primitive = extend.defvjp, extend.primitive

        x, F, G = _flat(case, f, g)

        @primitive
        def fun(t: np.ndarray) -> Any:
            return np.asarray(F(t), dtype=np.float64)

        defvjp(fun, lambda ans, t: lambda v: np.tensordot(v, G(t), axes=np.ndim(v)))
        old = util.EPS, util.TOL, util.RTOL
        util.EPS, util.TOL, util.RTOL = eps, tol, tol
        np.random.seed(0)  # noqa: NPY002 - autograd draws its directions from NumPy's global generator
        try:
            util.check_grads(fun, modes=["rev"], order=1)(x)
        except AssertionError:
            return True
        finally:
            util.EPS, util.TOL, util.RTOL = old
        return False

    return run


def scipy_check_grad(epsilon: float, relative: float) -> Callable[[Case, Fn, Fn], bool]:
    def run(case: Case, f: Fn, g: Fn) -> bool:
        check_grad = _optional("scipy.optimize").check_grad

        x, F, G = _flat(case, f, g)
        error = check_grad(lambda t: float(F(t)), G, x, epsilon=epsilon)
        return not error <= relative * float(np.linalg.norm(G(x)))

    return run


def scipy_differentiate(k: float, rtol: float) -> Callable[[Case, Fn, Fn], bool]:
    def run(case: Case, f: Fn, g: Fn) -> bool:
        jacobian = _optional("scipy.differentiate").jacobian

        x, F, G = _flat(case, f, g)
        shape = np.shape(F(x))

        def vectorised(t: np.ndarray) -> np.ndarray:
            # t has shape (n, ...): one point per trailing index.
            flat = t.reshape(t.shape[0], -1)
            out = np.stack(
                [np.asarray(F(flat[:, i]), dtype=np.float64) for i in range(flat.shape[1])], axis=-1
            )
            return out.reshape(shape + t.shape[1:])

        res = jacobian(vectorised, x)
        estimate, error = np.asarray(res.df), np.asarray(res.error)
        analytic = G(x)
        return bool(np.any(np.abs(analytic - estimate) > k * error + rtol * np.abs(estimate)))

    return run


def numdifftools_allclose(rtol: float, atol: float) -> Callable[[Case, Fn, Fn], bool]:
    def run(case: Case, f: Fn, g: Fn) -> bool:
        nd = _optional("numdifftools")

        x, F, G = _flat(case, f, g)
        if np.ndim(F(x)) == 0:
            estimate = nd.Gradient(lambda t: float(F(t)))(x)
        else:
            estimate = nd.Jacobian(lambda t: np.asarray(F(t), dtype=np.float64))(x)
        return not np.allclose(G(x), estimate, rtol=rtol, atol=atol)

    return run


def _anchors() -> list[Setting]:
    settings = []
    for eps in (1e-6, 1e-4, 5e-3, 1e-8):
        for atol, rtol in ((1e-5, 1e-3), (1e-7, 1e-5), (1e-9, 1e-7), (1e-11, 1e-9)):
            label = f"eps={eps:g} atol={atol:g} rtol={rtol:g}" + (
                " (its default)" if eps == 1e-6 and atol == 1e-5 else ""
            )
            settings.append(Setting("torch gradcheck (emulated)", label, torch_rule(eps, atol, rtol)))
    for jax_eps in (None, 1e-6):
        for tol in (None, 1e-8):
            shown_eps = "default" if jax_eps is None else f"{jax_eps:g}"
            shown_tol = "default" if tol is None else f"{tol:g}"
            label = f"eps={shown_eps} tol={shown_tol}"
            settings.append(Setting("jax check_grads", label, jax_check(jax_eps, tol)))
    for eps in (1e-6, 1e-4):
        for tol in (1e-6, 1e-9):
            label = f"EPS={eps:g} TOL=RTOL={tol:g}" + (
                " (its default)" if eps == 1e-6 and tol == 1e-6 else ""
            )
            settings.append(Setting("autograd check_grads", label, autograd_check(eps, tol)))
    for epsilon in (1.4901161193847656e-08, 1e-6):
        for relative in (1e-4, 1e-6, 1e-8):
            label = f"epsilon={epsilon:.2g} flag above {relative:g} |grad|"
            settings.append(
                Setting("scipy check_grad", label, scipy_check_grad(epsilon, relative), scalar_only=True)
            )
    for k, rtol in ((1.0, 0.0), (4.0, 0.0), (4.0, 1e-8)):
        label = f"flag |a - df| > {k:g} error + {rtol:g} |df|"
        settings.append(Setting("scipy.differentiate", label, scipy_differentiate(k, rtol), small_only=True))
    for rtol, atol in ((1e-5, 1e-8), (1e-8, 0.0)):
        label = f"allclose rtol={rtol:g} atol={atol:g}" + (" (numpy's default)" if rtol == 1e-5 else "")
        settings.append(Setting("numdifftools", label, numdifftools_allclose(rtol, atol), small_only=True))
    return settings


OURS = [
    Setting("linreg.gradcheck", "defaults", _ours),
    Setting("linreg.gradcheck", "complex_step=False (real differences only)", _ours_real),
]
ANCHORS = [
    "torch gradcheck (emulated)",
    "jax check_grads",
    "autograd check_grads",
    "scipy check_grad",
    "scipy.differentiate",
    "numdifftools",
]


# ---------------------------------------------------------------------------- running
@dataclass
class Tally:
    """One setting's counts in one category."""

    correct: int = 0
    false_alarms: int = 0
    undecided: int = 0
    planted: list[int] = field(default_factory=lambda: [0] * len(PLANTED))
    planted_cases: int = 0
    bugs: int = 0
    bug_cases: int = 0
    calls: list[int] = field(default_factory=list)
    budget: list[int] = field(default_factory=list)  # 4 n + 10 for each case
    skipped: bool = False

    @property
    def found(self) -> int:
        return sum(self.planted) + self.bugs


def _flag(setting: Setting, case: Case, g: Fn) -> bool:
    try:
        return setting.run(case, case.f, g)
    except (ValueError, TypeError, FloatingPointError, np.linalg.LinAlgError):
        # A checker that cannot run on a wrong gradient (a shape it refuses) has flagged it.
        return True


def run_setting(setting: Setting, cases: list[Case]) -> Tally:
    tally = Tally()
    for case in cases:
        if (setting.scalar_only and case.category == "Jacobian") or (
            setting.small_only and Tree(case.x).size > 100
        ):
            tally.skipped = True
            continue
        counted = Counted(case.f)
        try:
            alarm = setting.run(case, counted, case.grad)
        except (ValueError, TypeError, FloatingPointError):
            alarm = True
        tally.correct += 1
        tally.false_alarms += alarm
        tally.calls.append(counted.calls)
        tally.budget.append(4 * Tree(case.x).size + 10)
        if setting.run is _ours:
            tally.undecided += _ours_undecided(case, case.f, case.grad)
        tally.planted_cases += 1
        for i, r in enumerate(PLANTED):
            bad = wrong(case, repr(r))
            assert bad is not None
            tally.planted[i] += _flag(setting, case, bad)
        for kind in BUGS:
            bad = wrong(case, kind)
            if bad is None:
                continue
            tally.bug_cases += 1
            tally.bugs += _flag(setting, case, bad)
    return tally


def machine() -> str:
    """The CPU, cores, OS and the versions of everything compared."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = [f"Python {platform.python_version()}", f"numpy {np.__version__}"]
    for name in ("scipy", "numdifftools", "jax", "autograd"):
        try:
            versions.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{name} not installed")
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; " + ", ".join(versions)


def _row(name: str, t: Tally) -> list[str]:
    calls = f"{np.mean(t.calls):.0f}" if t.calls else "-"
    return [
        name,
        f"{t.false_alarms}/{t.correct}",
        *[f"{d}/{t.planted_cases}" for d in t.planted],
        f"{t.bugs}/{t.bug_cases}",
        calls,
    ]


def _format(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ).rstrip()


HEADER = ["checker", "false alarms", *[f"{r:.0e}" for r in PLANTED], "bugs", "f calls"]


def best_without_alarm(
    tallies: dict[str, Tally], settings: list[Setting], family: str
) -> tuple[str, Tally] | None:
    """The family's setting with no false alarm in this category that found the most."""
    candidates = [
        (s.label, tallies[s.label])
        for s in settings
        if s.family == family and tallies[s.label].correct and tallies[s.label].false_alarms == 0
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda c: (c[1].found, -np.mean(c[1].calls)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--points", type=int, default=2, help="points per function (default 2)")
    parser.add_argument("--only", nargs="*", default=None, help="categories to run (default all)")
    parser.add_argument("--anchors", nargs="*", default=None, help="anchor families to run (default all)")
    options = parser.parse_args(argv)
    # Checkers probe far from x (an absolute step on a badly scaled point): overflow there is theirs.
    np.seterr(all="ignore")
    warnings.simplefilter("ignore")
    try:
        _optional("jax").config.update("jax_enable_x64", True)
    except ImportError:
        pass
    families = options.anchors if options.anchors is not None else ANCHORS
    anchors = [s for s in _anchors() if s.family in families]
    settings = OURS + anchors
    categories = options.only or CATEGORIES
    cases = corpus(options.points, categories)
    print(f"machine: {machine()}")
    print(
        f"corpus: {len(cases)} points in {len(categories)} categories; planted errors "
        f"{PLANTED[0]:g} to {PLANTED[-1]:g} relative, and the bugs: {', '.join(BUGS)}\n"
    )
    started = time.perf_counter()
    results: dict[str, dict[str, Tally]] = {}
    for category in categories:
        chosen = [c for c in cases if c.category == category]
        results[category] = {s.label: run_setting(s, chosen) for s in settings}
        tallies = results[category]
        rows = [HEADER]
        rows.append(_row("linreg.gradcheck", tallies["defaults"]))
        rows.append(_row("linreg.gradcheck, real differences only", tallies[OURS[1].label]))
        for family in families:
            best = best_without_alarm(tallies, anchors, family)
            ran = [s for s in anchors if s.family == family and tallies[s.label].correct]
            if not ran:
                why = (
                    "not run here (scalar f only)"
                    if family == "scipy check_grad"
                    else "not run here (too slow)"
                )
                rows.append([f"{family}: {why}", *[""] * (len(HEADER) - 1)])
            elif best is None:
                rows.append([f"{family}: every setting raised false alarms", *[""] * (len(HEADER) - 1)])
            else:
                rows.append(_row(f"{family}, best: {best[0]}", best[1]))
        ours = tallies["defaults"]
        budget = max(t - b for t, b in zip(ours.calls, ours.budget, strict=True))
        print(f"{category} ({len(chosen)} points): each anchor at its best setting without false alarm here")
        print(_format(rows))
        print(
            f"linreg.gradcheck: {ours.undecided} undecided (abstained); calls - (4 n + 10) at most {budget}\n"
        )
        sys.stdout.flush()
    _summary(results, anchors, categories)
    print(f"\nran in {time.perf_counter() - started:.0f} s")
    return 0


def _summary(results: dict[str, dict[str, Tally]], anchors: list[Setting], categories: list[str]) -> None:
    index = PLANTED.index(1e-6)
    ours = [results[c]["defaults"] for c in categories]
    total = sum(t.planted_cases for t in ours)
    print("summary, at 1e-6:")
    print(
        f"  linreg.gradcheck: {sum(t.planted[index] for t in ours)} of {total} found, "
        f"{sum(t.false_alarms for t in ours)} false alarms, {sum(t.undecided for t in ours)} undecided"
    )
    for family in ANCHORS:
        labels = {s.label for s in anchors if s.family == family}
        if not labels:
            continue
        # Best-tuned: the setting whose 1e-6 detections most outnumber its false alarms (a setting
        # that flags every gradient, right or wrong, is tuned to nothing).
        tuned = max(
            sorted(labels),
            key=lambda label: sum(
                results[c][label].planted[index] - results[c][label].false_alarms for c in categories
            ),
        )
        found = sum(results[c][tuned].planted[index] for c in categories)
        cases = sum(results[c][tuned].planted_cases for c in categories)
        alarms = sum(results[c][tuned].false_alarms for c in categories)
        print(f"  {family}, best-tuned ({tuned}): {found} of {cases} found, {alarms} false alarms")
    behind = []
    for c in categories:
        t = results[c]["defaults"]
        for family in ANCHORS:
            best = best_without_alarm(results[c], anchors, family)
            if best is not None and best[1].found > t.found:
                behind.append(f"{c}: {family} ({best[0]}) found {best[1].found}, linreg.gradcheck {t.found}")
    print(
        "categories where an anchor without false alarm found more: "
        + ("; ".join(behind) if behind else "none")
    )
    worst = max(
        max(t - b for t, b in zip(results[c]["defaults"].calls, results[c]["defaults"].budget, strict=True))
        for c in categories
    )
    print(
        f"calls on a correct gradient: at most 4 n + 10 {'+ ' + str(worst) if worst > 0 else 'everywhere'}"
        f"{'' if worst > 0 else f' (the closest: {worst})'}"
    )


if __name__ == "__main__":
    sys.exit(main())
