"""Linear regression from scratch, as a popular tutorial builds it, audited.

Glossary (the article's symbols)
--------------------------------
X       design matrix, shape (n_samples, n_features); n is n_samples, d is n_features
y       targets, a column of shape (n_samples, 1)
w       weights, shape (n_features, 1)
b       bias (intercept), a scalar
y_hat   predictions X @ w + b, shape (n_samples, 1)
loss    sum((y_hat - y) ** 2) / (2 n): the mean squared error with a factor 1/2
dw, db  gradients of the loss in w and b
alpha   the learning rate; stable below 2 / lambda_max((1/n) [X 1]^T [X 1])

The article's functions keep its names and signatures: :func:`initialize_params`,
:func:`linear_loss`, :func:`linear_train`, :func:`predict`, :func:`r2_score`.
Oracles the spec holds them against: :func:`least_squares` (``numpy.linalg.lstsq``),
:func:`gradcheck` (finite differences) and scikit-learn. What gradient descent should
do, in closed form: :func:`stable_learning_rate`, :func:`gradient_descent_closed_form`
and, for long runs, :func:`gradient_descent_history`.
"""

import sys
from typing import TYPE_CHECKING

from linreg._types import Grads, Params
from linreg.analysis import (
    flatten_params,
    gradient_descent_closed_form,
    gradient_descent_history,
    hessian,
    least_squares,
    stable_learning_rate,
)
from linreg.core import (
    TrainingDiverged,
    initialize_params,
    linear_loss,
    linear_train,
    mean_squared_error,
    predict,
    r2_score,
)
from linreg.gradcheck import (
    GradcheckError,
    GradcheckResult,
    InputModifiedError,
    NotSmoothEnough,
    gradcheck,
    hessian_check,
    hvp_check,
    numerical_gradient,
)

if not TYPE_CHECKING:
    # linreg.gradcheck is the subpackage (so that `import linreg.gradcheck` gives the module),
    # callable as its gradcheck function (so that `from linreg import gradcheck` still checks).
    gradcheck = sys.modules["linreg.gradcheck"]

__all__ = [
    "GradcheckError",
    "GradcheckResult",
    "Grads",
    "InputModifiedError",
    "NotSmoothEnough",
    "Params",
    "TrainingDiverged",
    "flatten_params",
    "gradcheck",
    "gradient_descent_closed_form",
    "gradient_descent_history",
    "hessian",
    "hessian_check",
    "hvp_check",
    "initialize_params",
    "least_squares",
    "linear_loss",
    "linear_train",
    "mean_squared_error",
    "numerical_gradient",
    "predict",
    "r2_score",
    "stable_learning_rate",
]
__version__ = "0.1.0"
