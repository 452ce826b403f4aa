"""Old name of :mod:`linreg.gradcheck.strategies` (Hypothesis strategies), still working."""

from linreg.gradcheck.strategies import *  # noqa: F403
from linreg.gradcheck.strategies import __all__ as __all__
