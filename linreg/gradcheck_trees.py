"""Old name of :mod:`linreg.gradcheck.trees` (nested parameters), kept working."""

from linreg.gradcheck.trees import *  # noqa: F403
from linreg.gradcheck.trees import __all__ as __all__
