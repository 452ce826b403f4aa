"""Speed and memory of the article's experiment at 200,000 epochs.

Targets (issue 3): ``linreg reproduce`` prints its table and writes the PNG in under
10 s on the project's 2-core machine; training keeps memory linear in the number of
epochs (the loss history) and nothing of size epochs x features. Issue 10: the history
is a float64 array, 8 bytes an epoch.

Run with ``make benchmark`` (``--benchmark-enable``); otherwise these are not collected
(see the top-level conftest.py): the suite shares one 200,000-epoch run through the
``article_run`` fixture and never runs another.
"""

from __future__ import annotations

import tracemalloc

import pytest
from benchmark_machine import describe, line

from linreg import linear_train
from linreg.cli import main
from linreg.experiment import EPOCHS, LEARNING_RATE, load_diabetes_split

REPRODUCE_SECONDS = 10.0
# The history is one float64 array: 8 bytes an epoch, 1.6 MB at 200,000 epochs. Beyond
# it, numpy's temporaries are O(n x d), a few kB here: 64 kB covers them.
BYTES_PER_EPOCH = 8
OTHER_BYTES = 64 * 1024


@pytest.fixture(autouse=True)
def machine(benchmark):
    print(f"\n[machine] {line()}")
    benchmark.extra_info["machine"] = describe()


def test_reproduce_at_200000_epochs(benchmark, tmp_path):
    status = benchmark.pedantic(main, args=(["reproduce", "--out", str(tmp_path)],), rounds=1, iterations=1)
    print(f"[reproduce] {EPOCHS:,} epochs, table and PNG: {benchmark.stats.stats.max:.2f} s")
    assert status == 0
    assert (tmp_path / "loss_curve.png").stat().st_size > 0
    assert benchmark.stats.stats.max < REPRODUCE_SECONDS


def test_training_memory_is_the_loss_history(benchmark):
    split = load_diabetes_split()

    def peak_bytes() -> int:
        tracemalloc.start()
        try:
            linear_train(split.X_train, split.y_train, LEARNING_RATE, EPOCHS)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak = benchmark.pedantic(peak_bytes, rounds=1, iterations=1)
    benchmark.extra_info["peak_bytes"] = peak
    print(f"[training] {EPOCHS:,} epochs: peak {peak / 1e6:.2f} MB traced")
    assert peak < BYTES_PER_EPOCH * EPOCHS + OTHER_BYTES
