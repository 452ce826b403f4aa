"""The dictionaries the article's functions pass around, typed (plain dicts at run time)."""

from __future__ import annotations

from typing import TypedDict

import numpy as np


class Params(TypedDict):
    """Model parameters: ``w`` of shape (n_features, 1) and the scalar ``b``."""

    w: np.ndarray
    b: float


class Grads(TypedDict):
    """Gradients of the loss: ``dw`` of shape (n_features, 1) and the scalar ``db``."""

    dw: np.ndarray
    db: float
