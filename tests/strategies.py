"""Data the spec runs on: seeded example problems for scenarios, Hypothesis strategies for properties.

Also the two adapters that view the article's loss as a function of one flat vector
theta = (w_1, ..., w_d, b), which is what :func:`linreg.gradcheck` takes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import linreg


@dataclass(frozen=True)
class Problem:
    """A regression problem and a point (w, b) at which to look at the loss.

    Attributes
    ----------
    X : ndarray of shape (n, d)
    y : ndarray of shape (n, 1)
    w : ndarray of shape (d, 1)
    b : float
    """

    X: np.ndarray
    y: np.ndarray
    w: np.ndarray
    b: float

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @property
    def d(self) -> int:
        return self.X.shape[1]

    @property
    def theta(self) -> np.ndarray:
        """(w, b) as one flat vector of length d + 1 (:func:`linreg.flatten_params`)."""
        return linreg.flatten_params({"w": self.w, "b": self.b})


def noisy_linear(n: int, d: int, noise: float = 0.1) -> Problem:
    """y = X w_true + b_true + noise, seeded by the shape so a scenario always sees the same data.

    The returned (w, b) is a random point, not the truth, so gradients there are not zero.
    """
    rng = np.random.default_rng([n, d])
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=(d, 1)) + 0.5 + noise * rng.normal(size=(n, 1))
    return Problem(X=X, y=y, w=rng.normal(size=(d, 1)), b=float(rng.normal()))


def split_theta(theta: np.ndarray) -> tuple[np.ndarray, float]:
    """The inverse of :func:`linreg.flatten_params`: (w of shape (d, 1), b)."""
    return theta[:-1].reshape(-1, 1), float(theta[-1])


def loss_without_half(problem: Problem):
    """The article's loss without its 1/2, the mean squared residual, as a function of theta.

    Computed here with numpy, as an oracle: nothing of the implementation under test.
    """
    return lambda theta: float(np.mean((problem.X @ theta[:-1, None] + theta[-1] - problem.y) ** 2))


# The article's loss through linreg, for the properties of linreg's gradient checker
# (tests/test_properties_gradcheck.py); the spec's steps go through the implementation under test.
def loss_in_theta(problem: Problem):
    """The article's loss as a scalar function of theta (the problem's data fixed)."""
    return lambda theta: linreg.linear_loss(problem.X, problem.y, *split_theta(theta))[1]


def gradient_in_theta(problem: Problem):
    """The article's (dw, db) as one flat vector, a function of theta."""

    def grad(theta: np.ndarray) -> np.ndarray:
        _, _, dw, db = linreg.linear_loss(problem.X, problem.y, *split_theta(theta))
        return linreg.flatten_params({"w": dw, "b": db})

    return grad


def quadratic_gradcheck_tolerance(problem: Problem, eps: float = 1e-6) -> dict[str, float]:
    """Tolerances for checking a gradient of the article's loss against central differences.

    The loss is a quadratic, so a central difference has no truncation error; what is left is
    rounding. Each loss value is a sum of n squares carrying a relative error of at most about
    (n + 3) machine epsilons, and the difference of two of them is divided by 2h, with
    h >= eps; so a numeric coordinate is off by at most about (n + 3) * eps_mach * |loss| / eps.
    We allow ten times that as ``atol`` and ``rtol = 1e-6``: a gradient 0.1 % off (rtol 1e-3)
    fails by three orders of magnitude wherever its coordinate is above ``atol / 1e-3``.
    """
    loss = abs(loss_in_theta(problem)(problem.theta))
    # Largest h actually taken (eps * max(1, |theta_i|)) only lowers the rounding error.
    rounding = (problem.n + 3) * np.finfo(float).eps * max(loss, 1.0) / eps
    return {"eps": eps, "atol": 10 * rounding, "rtol": 1e-6}


# ---------------------------------------------------------------- Hypothesis strategies
# The article's domain: finite, moderate reals. Magnitudes are 0 or at least 1e-6: a residual
# below ~1e-154 squares to 0 in float64, which would make "zero loss only at a perfect fit"
# false for reasons of float underflow, not of the article's maths. From values of at least
# 1e-6, any non-zero residual is at least ~1e-28 (an ulp of a product of two of them).
def finite(bound: float = 10.0, tiny: float = 1e-6) -> st.SearchStrategy[float]:
    return st.one_of(
        st.just(0.0),
        st.floats(tiny, bound),
        st.floats(-bound, -tiny),
    )


@st.composite
def problems(
    draw: st.DrawFn,
    min_samples: int = 1,
    max_samples: int = 12,
    max_features: int = 5,
    bound: float = 10.0,
) -> Problem:
    """Any data set of bounded finite values, and any point (w, b) in the same range."""
    n = draw(st.integers(min_samples, max_samples))
    d = draw(st.integers(1, max_features))
    return Problem(
        X=draw(arrays(np.float64, (n, d), elements=finite(bound))),
        y=draw(arrays(np.float64, (n, 1), elements=finite(bound))),
        w=draw(arrays(np.float64, (d, 1), elements=finite(bound))),
        b=draw(finite(bound)),
    )


@st.composite
def top_direction_problems(draw: st.DrawFn, max_samples: int = 12, max_features: int = 5) -> Problem:
    """Data whose optimum lies along the Hessian's top eigenvector, so that gradient descent
    from zero has its whole error in the direction a too-large learning rate amplifies.

    y = [X 1] v c for the top eigenvector v and a scale c >= 1, so theta* = c v and
    theta_0 - theta* = -c v. (w, b) is zero, gradient descent's start.
    """
    base = draw(problems(min_samples=1, max_samples=max_samples, max_features=max_features))
    A = np.hstack([base.X, np.ones((base.n, 1))])
    _, V = np.linalg.eigh(linreg.hessian(base.X))
    scale = draw(st.floats(1.0, 100.0))
    y = A @ V[:, -1:] * scale
    w, b = linreg.initialize_params(base.d)
    return Problem(X=base.X, y=y, w=w, b=b)
