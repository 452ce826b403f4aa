"""Check an analytic gradient, Jacobian or Hessian against finite differences.

In the spirit of ``torch.autograd.gradcheck`` and ``jax.test_util.check_grads``,
for functions written by hand in NumPy. ``x`` may be an array, a float, or a
dict, tuple or list nesting them (the article's ``{'w': w, 'b': b}``), and the
gradient comes back in the same structure:

>>> import numpy as np
>>> f = lambda x: float(np.sum(x ** 3))
>>> gradcheck(f, lambda x: 3 * x ** 2, np.array([1.0, -2.0])).passed
True

A wrong gradient raises, naming each coordinate that is off:

>>> gradcheck(f, lambda x: 2 * x ** 2, np.array([1.0, -2.0]))
Traceback (most recent call last):
...
linreg.gradcheck.GradcheckError: gradient check failed: 2 of 2 values disagree with finite differences
  where  analytic  numeric  numeric/analytic  abs error  allowed abs  rel error ...
  x[1]   8         12       1.5               4          ...

The parts, one module each:

* :mod:`linreg.gradcheck.checks` -- the public checks: :func:`gradcheck`,
  :func:`hessian_check`, :func:`hvp_check`, :func:`numerical_gradient`;
* :mod:`linreg.gradcheck.differences` -- finite differences and their error
  estimates: per-coordinate steps, measured noise, the complex step, refinement;
* :mod:`linreg.gradcheck.trees` -- nested parameters (pytrees): flatten, rebuild, name;
* :mod:`linreg.gradcheck.results` -- :class:`GradcheckResult`, its report, the errors;
* :mod:`linreg.gradcheck.calls` -- arguments and calls of the user's functions;
* :mod:`linreg.gradcheck.strategies` -- Hypothesis strategies and one-line
  properties (needs the ``hypothesis`` extra; not imported here).

``import linreg.gradcheck`` gives this module; ``from linreg.gradcheck import
gradcheck`` the function. The module can also be called as the function, so that
``from linreg import gradcheck`` and ``linreg.gradcheck(f, grad, x)`` keep working.
"""

from __future__ import annotations

import inspect
import sys
import types
from typing import Any

from linreg.gradcheck.checks import gradcheck, hessian_check, hvp_check, numerical_gradient
from linreg.gradcheck.differences import SAFETY
from linreg.gradcheck.results import (
    GradcheckError,
    GradcheckResult,
    InputModifiedError,
    NotSmoothEnough,
)

__all__ = [
    "SAFETY",
    "GradcheckError",
    "GradcheckResult",
    "InputModifiedError",
    "NotSmoothEnough",
    "gradcheck",
    "hessian_check",
    "hvp_check",
    "numerical_gradient",
]


class _CallableModule(types.ModuleType):
    """This package, callable as :func:`gradcheck` (``from linreg import gradcheck`` gives it)."""

    def __call__(self, *args: Any, **kwargs: Any) -> GradcheckResult:
        __tracebackhide__ = True
        return gradcheck(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
__signature__ = inspect.signature(gradcheck)
