"""Errors shared by linreg's modules (apart, so that no module imports another for its errors)."""

from __future__ import annotations

import numpy as np


class TrainingDiverged(FloatingPointError):
    """The loss stopped being finite during training (the learning rate is too large).

    Attributes
    ----------
    loss_history : ndarray of shape (k,)
        The losses recorded before training stopped: evidence of the growth.
    """

    # Shown as linreg.core.TrainingDiverged, where training raises it (and the docs name it).
    __module__ = "linreg.core"

    def __init__(self, message: str, loss_history: np.ndarray | None = None) -> None:
        super().__init__(message)
        self.loss_history = np.empty(0) if loss_history is None else loss_history
