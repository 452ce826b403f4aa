"""The spec's tooling: choosing the implementation under test, and reporting a failure in the spec's words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tooling import runs
from tooling.failures import Mismatch, describe_error, short, spec_failure
from tooling.implementation import Implementation, ImplementationError
from tooling.model import ROOT
from tooling.runs import Run

READER = (ROOT / "tests" / "implementations" / "reader.py").read_text(encoding="utf-8")


def _module(tmp_path: Path, text: str, name: str = "mine.py") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_path_and_a_module_name_both_load(tmp_path: Path) -> None:
    assert Implementation.load(_module(tmp_path, READER)).module.linear_loss.__module__.startswith(
        "_impl_under_test_"
    )
    assert Implementation.load("linreg").is_linreg


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("def r2_score(y_test, y_pred):", "def r_squared(y_test, y_pred):"), "it has no r2_score"),
        (
            ("def linear_train(X, y, learning_rate=0.01, epochs=10000):", "def linear_train(X, y):"),
            "linear_train",
        ),
        (
            ("def predict(X, params):", "def predict(X):"),
            "cannot be called as the article calls it, predict(X, params)",
        ),
        (
            ("import numpy as np", "import numpy as np\nraise RuntimeError('broken on import')"),
            "RuntimeError: broken on import",
        ),
    ],
    ids=["missing function", "too few parameters", "wrong signature", "import fails"],
)
def test_an_unusable_implementation_is_refused_naming_why(tmp_path: Path, change, message) -> None:
    target = _module(tmp_path, READER.replace(*change))
    with pytest.raises(ImplementationError, match=None) as error:
        Implementation.load(target)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


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


def test_no_such_module_is_one_line() -> None:
    with pytest.raises(ImplementationError, match="no module named 'no_such_regression'"):
        Implementation.load("no_such_regression")


def test_calls_never_touch_the_callers_arrays(tmp_path: Path) -> None:
    # A target that writes into its arguments (the article's loop updates w in place) must not
    # spoil the spec's shared data.
    writer = READER.replace("    n = X.shape[0]\n", "    n = X.shape[0]\n    X *= 2\n    y += 1\n")
    impl = Implementation.load(_module(tmp_path, writer))
    X, y = np.ones((3, 2)), np.zeros((3, 1))
    impl.linear_loss(X, y, np.zeros((2, 1)), 0.0)
    impl.train(X, y, 0.1, 3)
    assert X.tolist() == np.ones((3, 2)).tolist() and not y.any()


def test_training_prints_are_captured_and_divergence_is_read_off_the_values(tmp_path: Path) -> None:
    impl = Implementation.load(_module(tmp_path, READER))
    X, y = np.array([[1.0], [2.0]]), np.array([[1.0], [2.0]])
    training = impl.train(X, y, 100.0, 20_000)  # far above the stable rate: overflows to inf
    assert training.diverged
    assert training.printed == [line for line in training.printed if line.startswith("epoch ")]
    assert len(training.printed) == 2


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
