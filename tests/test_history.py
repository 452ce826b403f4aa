"""The loss history: an 8-byte-an-epoch array.

linreg's own promise (no article claim): ``linear_train`` returns its history as a float64
array, so a long run's memory is 8 bytes an epoch, not a Python float object each.
"""

from __future__ import annotations

import numpy as np

import linreg

TOY_X, TOY_Y = [[0.0], [1.0], [2.0]], [1.0, 3.0, 5.5]


def test_training_returns_its_history_as_a_float64_array():
    loss_his, _, _ = linreg.linear_train(TOY_X, TOY_Y, 0.3, 25)
    assert isinstance(loss_his, np.ndarray)
    assert (loss_his.shape, loss_his.dtype) == ((25,), np.float64)
    # The first entry is the all-zero model's loss: half the mean squared target.
    assert loss_his[0] == (1.0 + 9.0 + 30.25) / 6
