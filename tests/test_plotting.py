"""The loss curve of any length is drawn from a faithful reduction, in memory independent of it.

linreg's own promises (no article claim). That the PNG records the run it shows is checked in
test_cli.py and test_figure.py.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from PIL import Image

from linreg.plotting import STRETCHES, envelope, plot_loss_curve

positive = st.floats(1e-3, 1e6)


@given(arrays(np.float64, st.integers(1, 3_000), elements=positive), st.integers(1, 60))
def test_the_envelope_keeps_the_ends_and_the_extremes(values, stretches):
    epochs, kept = envelope(values, stretches)
    assert kept.size <= max(4 * stretches, values.size) and kept.size <= values.size
    assert np.all(np.diff(epochs) > 0)
    np.testing.assert_array_equal(kept, values[epochs - 1])
    assert (epochs[0], epochs[-1]) == (1, values.size)
    assert kept.min() == values.min() and kept.max() == values.max()


@given(arrays(np.float64, st.integers(1, 3_000), elements=positive), st.integers(1, 60))
def test_the_envelope_of_a_falling_curve_falls(values, stretches):
    falling = np.sort(values)[::-1]
    _, kept = envelope(falling, stretches)
    assert np.all(np.diff(kept) <= 0)


def test_a_one_epoch_rise_survives_the_reduction():
    # A million falling epochs with one rise at an arbitrary epoch: the reduced curve keeps
    # the peak, so the plot shows the rise that the table reports.
    values = np.linspace(2e4, 1e3, 1_000_000)
    values[654_321] = 3e4
    epochs, kept = envelope(values, 2048)
    assert 654_322 in epochs
    assert kept[epochs == 654_322][0] == 3e4


def test_matplotlib_is_handed_a_bounded_number_of_points(tmp_path, monkeypatch):
    # Drawing every point of a long run is what cost hundreds of MB (and a matplotlib
    # warning) at a million epochs: each curve handed to matplotlib is the envelope,
    # at most 4 points a stretch, whatever the number of epochs.
    from matplotlib.axes import Axes

    lengths: list[int] = []
    draw = Axes.plot

    def plot(self, x, *args, **kwargs):
        lengths.append(len(x))
        return draw(self, x, *args, **kwargs)

    monkeypatch.setattr(Axes, "plot", plot)
    history = 1e3 + 1.4e4 * np.exp(-np.arange(1_000_000) / 20_000)
    plot_loss_curve(history, tmp_path / "long.png", optimum_loss=900.0)
    # Three curves: the loss, its excess over the optimum and the one-exponential line.
    assert len(lengths) == 3 and max(lengths) <= 4 * STRETCHES
    with Image.open(tmp_path / "long.png") as image:
        assert "1000000 epochs" in image.text["Description"]


def test_the_reduction_allocates_nothing_the_size_of_the_history():
    # 4 million epochs, 32 MB: the envelope keeps 4 indices a stretch (64 KiB for 2,048
    # stretches) and its values, so 1 MiB bounds what it allocates; a mask, a copy or an
    # index array over the history would take 4 MB or more.
    history = 1e3 + 1.4e4 * np.exp(-np.arange(4_000_000) / 80_000)
    tracemalloc.start()
    try:
        envelope(history, STRETCHES)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    (tmp_path / "loss_curve.png").mkdir()
    with pytest.raises(IsADirectoryError):
        plot_loss_curve(np.array([3.0, 2.0, 1.0]), tmp_path / "loss_curve.png")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss_curve.png"]
    assert (tmp_path / "loss_curve.png").is_dir()
