"""The spec's tooling: choosing the implementation under test, and reporting a failure in the spec's words."""

from __future__ import annotations

from pathlib import Path

import pytest
from tooling import runs
from tooling.failures import Mismatch, describe_error, short, spec_failure
from tooling.model import ROOT
from tooling.runs import Run

READER = (ROOT / "tests" / "implementations" / "reader.py").read_text(encoding="utf-8")


def _module(tmp_path: Path, text: str, name: str = "mine.py") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


MISSING_PREDICT = "tests/implementations/missing_predict.py"
PYTEST_RUNS = {
    "missing predict": Run((f"--impl={MISSING_PREDICT}", "--collect-only", "-q", "tests/test_packaging.py")),
    "read as prose": Run(
        (
            "--gherkin-terminal-reporter",
            "-v",
            "-m",
            "claim-3.1 or claim-3.2",
            "tests/test_section3_training.py",
        )
    ),
}


def test_pytest_refuses_it_in_one_line() -> None:
    # As pytest.main runs for the command line; the refusal comes from configuration, before
    # anything is collected.
    outcome = runs.outcome(PYTEST_RUNS["missing predict"])
    lines = [line for line in outcome.output.splitlines() if line.strip()]
    assert outcome.status == pytest.ExitCode.USAGE_ERROR
    assert lines == [
        f"ERROR: --impl {MISSING_PREDICT}: it has no predict; the article's code defines predict(X, params)"
    ]


# ---------------------------------------------------------------- failures in the spec's words
def test_a_mismatch_reads_expected_then_measured() -> None:
    assert describe_error(Mismatch("15011.45", "15011.46")) == "expected 15011.45, measured 15011.46"


def test_long_arrays_and_lines_are_cut() -> None:
    text = short("values " + " ".join(str(float(i)) for i in range(1000)))
    assert "(1000 numbers)" in text
    assert len(text) <= 240


def test_a_failure_report_names_claim_verdict_scenario_and_step() -> None:
    report = spec_failure(
        subject="claim-3.3 (erratum)",
        title="Scenario: The loss at the first epoch",
        step="Then the loss at epoch 1 is 15011.45 to two decimals",
        error=Mismatch("15011.45", "15011.46"),
        location=("section3_training.feature", 53),
    )
    assert report.reprcrash.message == (
        "claim-3.3 (erratum): Then the loss at epoch 1 is 15011.45 to two decimals: "
        "expected 15011.45, measured 15011.46"
    )
    assert report.lines[1] == "  Scenario: The loss at the first epoch"
    assert report.lines[-1] == "  at section3_training.feature:53"


def test_the_spec_reads_as_prose_at_v() -> None:
    # `make spec`: each feature and rule once, the rule with its claim, verdict and the
    # article's words, and every step of every scenario with its status.
    output = runs.outcome(PYTEST_RUNS["read as prose"]).output
    assert output.count("Feature: Training on the diabetes data (article, section 3)") == 1
    assert "  Rule: The diabetes data holds 442 samples of 10 features  [claim-3.1 · holds]" in output
    assert '    Article: "442 samples with 10 physiological features" (section 3)' in output
    assert output.count("Rule: The first 80 % of the shuffled rows") == 1  # one rule, five scenarios
    assert "          ✓ Then X_train has the shape (353, 10)" in output
