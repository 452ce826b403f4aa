"""The spec rejects wrong implementations of the article, naming the claim each mistake breaks.

Each file in tests/implementations/ other than reader.py is a reader's implementation with
one typical mistake. The spec runs against it as a user would run it
(``pytest --impl=tests/implementations/<file>``, in a background interpreter; see
tests/tooling/runs.py) on the claims the mistake is about, and must fail with those claims
in its failure summary lines, and name the implementation it judged in its header.
"""

from __future__ import annotations

import re

import pytest
from tooling import runs
from tooling.model import ROOT
from tooling.runs import Outcome, Run

SECTION = {
    n: f"tests/test_section{n}_{name}.py"
    for n, name in [(1, "model_and_loss"), (2, "implementation"), (4, "evaluation"), (6, "conclusion")]
}
IMPLEMENTATIONS = "tests/implementations"

#: Claims whose figures come from training: a loop that does not step by alpha times its
#: gradient must fail every one of them.
TRAINING_CLAIMS = {
    "claim-3.3",
    "claim-3.4",
    "claim-3.5",
    "claim-4.3",
    "claim-4.4",
    "claim-4.5",
    "claim-4.6",
    "claim-4.8",
    "claim-5.3",
    "claim-5.4",
    "claim-5.5",
    "claim-5.6",
    "claim-6.3",
    "claim-6.5",
}

#: The claims that hold wherever training starts, and their step modules (without the run of
#: the article's 200,000 epochs, whose figures remember the start).
START_INDEPENDENT = "claim-2.1 or claim-1.4 or claim-2.4 or claim-2.5 or claim-3.5"
START_MODULES = (
    SECTION[1],
    SECTION[2],
    "tests/test_section3_training.py",
    "tests/test_properties_descent.py",
)

#: name -> (the run, the claims it must fail). Started as soon as collection finishes.
CASES: dict[str, tuple[Run, set[str]]] = {
    "halved_step": (
        Run.judging(f"{IMPLEMENTATIONS}/halved_step.py", " or ".join(sorted(TRAINING_CLAIMS))),
        TRAINING_CLAIMS,
    ),
    "summed_bias_gradient": (
        Run.judging(f"{IMPLEMENTATIONS}/summed_bias_gradient.py", "claim-2.3", (SECTION[2],)),
        {"claim-2.3"},
    ),
    "flat_weights": (
        Run.judging(f"{IMPLEMENTATIONS}/flat_weights.py", "claim-2.1", (SECTION[2],)),
        {"claim-2.1"},
    ),
    "loss_after_step": (
        Run.judging(f"{IMPLEMENTATIONS}/loss_after_step.py", "claim-2.5", (SECTION[2],)),
        {"claim-2.5"},
    ),
    "predict_without_bias": (
        Run.judging(f"{IMPLEMENTATIONS}/predict_without_bias.py", "claim-4.1", (SECTION[4],)),
        {"claim-4.1"},
    ),
    "loss_without_half": (
        Run.judging(
            f"{IMPLEMENTATIONS}/loss_without_half.py", "claim-1.2 or claim-2.3", (SECTION[1], SECTION[2])
        ),
        {"claim-1.2", "claim-2.3"},
    ),
    "r2_about_predictions": (
        Run.judging(f"{IMPLEMENTATIONS}/r2_about_predictions.py", "claim-4.2", (SECTION[4],)),
        {"claim-4.2"},
    ),
    "r2_ratio": (Run.judging(f"{IMPLEMENTATIONS}/r2_ratio.py", "claim-4.2", (SECTION[4],)), {"claim-4.2"}),
    "prediction_without_bias": (
        Run.judging(f"{IMPLEMENTATIONS}/prediction_without_bias.py", "claim-1.1", (SECTION[1],)),
        {"claim-1.1"},
    ),
    "unsquared_loss": (
        Run.judging(f"{IMPLEMENTATIONS}/unsquared_loss.py", "claim-1.2", (SECTION[1],)),
        {"claim-1.2"},
    ),
    "ridge_penalty": (
        Run.judging(
            f"{IMPLEMENTATIONS}/ridge_penalty.py", "claim-1.2 or claim-6.1", (SECTION[1], SECTION[6])
        ),
        {"claim-1.2", "claim-6.1"},
    ),
    "transposed_gradient": (
        Run.judging(f"{IMPLEMENTATIONS}/transposed_gradient.py", "claim-2.2", (SECTION[2],)),
        {"claim-2.2"},
    ),
    "ascent": (Run.judging(f"{IMPLEMENTATIONS}/ascent.py", "claim-6.1", (SECTION[6],)), {"claim-6.1"}),
    "clamped_predict": (
        Run.judging(f"{IMPLEMENTATIONS}/clamped_predict.py", "claim-4.1", (SECTION[4],)),
        {"claim-4.1"},
    ),
    "subset_gradient": (
        Run.judging(f"{IMPLEMENTATIONS}/subset_gradient.py", "claim-2.3", (SECTION[2],)),
        {"claim-2.3"},
    ),
    # Two independent mistakes: both claims are root causes (test below).
    "two_mistakes": (
        Run.judging(f"{IMPLEMENTATIONS}/two_mistakes.py", "claim-1.2 or claim-2.5", (SECTION[1], SECTION[2])),
        {"claim-1.2", "claim-2.5"},
    ),
    # Found by make mutation (docs/mutation.md): other defaults for linear_train.
    "other_defaults": (
        Run.judging(f"{IMPLEMENTATIONS}/other_defaults.py", "claim-2.5", (SECTION[2],)),
        {"claim-2.5"},
    ),
    "refuses_large_rate": (
        Run.judging(
            f"{IMPLEMENTATIONS}/refuses_large_rate.py", "claim-2.4 or claim-6.4", (SECTION[2], SECTION[6])
        ),
        {"claim-2.4", "claim-6.4"},
    ),
    **{
        start: (Run.judging(f"{IMPLEMENTATIONS}/{start}.py", START_INDEPENDENT, START_MODULES), {"claim-2.1"})
        for start in ("random_start", "ones_start")
    },
}
#: Starting elsewhere is one mistake (claim 2.1): judged on the claims that hold from any start,
#: these implementations must fail that one and nothing else (the figures of the article's run
#: that remember the start fail too; ``make mutants`` shows them).
ONLY = {"random_start", "ones_start"}
# Each run also selects every claim its claims build on, so that its root causes are right.
PYTEST_RUNS = {name: run.with_foundations() for name, (run, _) in CASES.items()}


@pytest.fixture(scope="module")
def judged() -> dict[str, Outcome]:
    return {name: runs.outcome(run) for name, run in PYTEST_RUNS.items()}


@pytest.mark.parametrize("name", CASES)
def test_the_spec_rejects_it_naming_the_claims_it_breaks(judged: dict[str, Outcome], name: str) -> None:
    judgement, (_, breaks) = judged[name], CASES[name]
    assert judgement.status == pytest.ExitCode.TESTS_FAILED, f"{name}: {judgement.closing}"
    missing = breaks - judgement.failed_claims
    assert not missing, (
        f"{name} should fail {sorted(missing)}; its run failed {sorted(judgement.failed_claims)}"
    )


@pytest.mark.parametrize("name", sorted(ONLY))
def test_it_fails_nothing_but_its_mistake(judged: dict[str, Outcome], name: str) -> None:
    judgement, (_, breaks) = judged[name], CASES[name]
    assert judgement.failed_claims == breaks, (
        f"{name} should fail only {sorted(breaks)}; its run failed {sorted(judgement.failed_claims)}"
    )


@pytest.mark.parametrize("name", CASES)
def test_the_run_names_the_implementation_it_judged(judged: dict[str, Outcome], name: str) -> None:
    run, _ = CASES[name]
    target = run.args[0].removeprefix("--impl=")
    assert judged[name].judged.endswith(target), judged[name].output[:500]


def test_the_readme_shows_a_failure_line_this_run_prints(judged: dict[str, Outcome]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"^FAILED .*$", readme, re.M)
    assert shown, "README.md shows no failure line"
    assert shown.group() in judged["loss_without_half"].output.splitlines()


#: Each mistake's own claim: the first root cause its run names (tests/tooling/causes.py).
OWN_CLAIM = {
    "prediction_without_bias": "claim-1.1",
    "loss_without_half": "claim-1.2",
    "unsquared_loss": "claim-1.2",
    "ridge_penalty": "claim-1.2",
    "flat_weights": "claim-2.1",
    "transposed_gradient": "claim-2.2",
    "summed_bias_gradient": "claim-2.3",
    "ascent": "claim-2.3",
    "halved_step": "claim-2.5",
    "loss_after_step": "claim-2.5",
    "predict_without_bias": "claim-4.1",
    "r2_about_predictions": "claim-4.2",
    "r2_ratio": "claim-4.2",
}


@pytest.mark.parametrize("name", OWN_CLAIM)
def test_its_own_claim_comes_first_among_the_root_causes(judged: dict[str, Outcome], name: str) -> None:
    # One mistake, its claim first: the summary ends with "root causes: claim-A, ...".
    lines = judged[name].output.rstrip().splitlines()
    closing = next(i for i in range(len(lines) - 1, -1, -1) if lines[i].startswith("root causes: "))
    assert closing >= len(lines) - 2, lines[-3:]  # the summary's last line, before pytest's count
    assert judged[name].root_causes[:1] == [OWN_CLAIM[name]], f"{name}: {lines[closing]}"


def test_two_independent_mistakes_are_two_root_causes_most_basic_first(judged: dict[str, Outcome]) -> None:
    assert judged["two_mistakes"].root_causes == ["claim-1.2", "claim-2.5"], judged["two_mistakes"].output[
        -600:
    ]


def test_the_readme_and_the_reviewing_guide_show_a_root_cause_summary_this_run_prints(
    judged: dict[str, Outcome],
) -> None:
    printed = judged["loss_without_half"].output.splitlines()
    for page in (ROOT / "README.md", ROOT / "docs" / "reviewing.md"):
        shown = re.findall(r"^(?:FAILED .*|root causes: .*)$", page.read_text(encoding="utf-8"), re.M)
        assert any(line.startswith("root causes: ") for line in shown), f"{page.name} shows no root causes"
        assert [line for line in shown if line not in printed] == [], page.name
