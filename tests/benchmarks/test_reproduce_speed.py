"""Speed of `linreg reproduce` at the article's 200,000 epochs (target: under 10 s).

Run with ``make benchmark`` (``--benchmark-enable``). With benchmarks disabled (the
default) it is skipped: the suite shares one 200,000-epoch run through the
``article_run`` fixture and never runs another.
"""

from __future__ import annotations

import pytest

from linreg.cli import main


def test_reproduce_at_200000_epochs(benchmark, tmp_path, capsys):
    if benchmark.disabled:
        pytest.skip("benchmarks run only with --benchmark-enable")
    status = benchmark.pedantic(main, args=(["reproduce", "--out", str(tmp_path)],), rounds=1, iterations=1)
    assert status == 0
    assert (tmp_path / "loss_curve.png").stat().st_size > 0
