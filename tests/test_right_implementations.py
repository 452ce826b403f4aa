"""The spec passes right implementations written in other styles than the article's.

Each file tests/implementations/right_*.py computes the article's five functions right, in
another order or form of arithmetic: a loop over the samples or over the features, einsum, the
Gram matrix X^T X / n, a history of Python floats, a 0-d array for the bias. Their last bits
differ from numpy's, which no step may hold against them (tooling.rounding). ``right_flat.py``
has every number right and every shape flat: it must fail the claims about shapes and no other.

Judging one on every claim takes a run of the article's 200,000 epochs (seconds, for a loop over
the samples minutes), more than the suite can spend on each: here each is judged on the claims
its style touches, in a background interpreter (tests/tooling/runs.py); ``make styles`` judges
every one on every claim (tests/tooling/styles.py).
"""

from __future__ import annotations

import pytest
from tooling import runs
from tooling.runs import Outcome, Run

IMPLEMENTATIONS = "tests/implementations"
S1, S2, S3, S4 = (
    "tests/test_section1_model_and_loss.py",
    "tests/test_section2_implementation.py",
    "tests/test_section3_training.py",
    "tests/test_section4_evaluation.py",
)
GRADIENTS, DESCENT = "tests/test_properties_gradients.py", "tests/test_properties_descent.py"

#: The claims about shapes: the weights and the prediction as columns, what one evaluation returns.
SHAPE_CLAIMS = {"claim-1.1", "claim-2.1", "claim-2.2", "claim-4.1"}

#: name -> (the claims its style touches, their step modules, the claims it must fail).
STYLES: dict[str, tuple[str, tuple[str, ...], set[str]]] = {
    # Its loss, gradients and predictions sum sample by sample; training is too slow to judge here.
    "right_sample_loop": (
        "claim-1.1 or claim-1.2 or claim-1.3 or claim-2.2 or claim-2.3",
        (S1, S2, GRADIENTS),
        set(),
    ),
    # Feature by feature: the prediction, the gradients, predict.
    "right_feature_loop": (
        "claim-1.1 or claim-1.2 or claim-2.3 or claim-4.1",
        (S1, S2, S4, GRADIENTS),
        set(),
    ),
    # einsum's own order of summation in every function.
    "right_einsum": (
        "claim-1.1 or claim-1.2 or claim-2.3 or claim-4.1 or claim-4.2",
        (S1, S2, S4, GRADIENTS),
        set(),
    ),
    # Training from the Gram matrix: its history and gradients, every epoch held to its update.
    "right_gram": ("claim-2.4 or claim-2.5 or claim-3.5", (S2, S3, DESCENT), set()),
    # A history of floats, parameters updated in place.
    "right_list_history": ("claim-2.5 or claim-3.5 or claim-4.2", (S2, S3, S4), set()),
    # A 0-d array bias in and out of every function.
    "right_array_bias": ("claim-2.1 or claim-2.2 or claim-2.5 or claim-4.1", (S2, S4), set()),
    # Flat shapes: the claims about shapes fail, the loss and its gradients (read the same
    # whatever their shape) pass.
    "right_flat": (
        "claim-1.1 or claim-1.2 or claim-1.3 or claim-2.1 or claim-2.2 or claim-2.3 or claim-4.1",
        (S1, S2, S4, GRADIENTS),
        SHAPE_CLAIMS,
    ),
}
PYTEST_RUNS = {
    name: Run.judging(f"{IMPLEMENTATIONS}/{name}.py", select, modules)
    for name, (select, modules, _) in STYLES.items()
}


@pytest.fixture(scope="module")
def judged() -> dict[str, Outcome]:
    return {name: runs.outcome(run) for name, run in PYTEST_RUNS.items()}


@pytest.mark.parametrize("name", STYLES)
def test_the_spec_passes_it_on_the_claims_its_style_touches(judged: dict[str, Outcome], name: str) -> None:
    judgement, (_, _, fails) = judged[name], STYLES[name]
    assert judgement.selected, f"{name}: no test selected ({judgement.closing})"
    expected = pytest.ExitCode.TESTS_FAILED if fails else pytest.ExitCode.OK
    assert judgement.status == expected, f"{name}: {judgement.closing}\n{judgement.output[-3000:]}"
    assert judgement.failed_claims == fails, (
        f"{name} should fail {sorted(fails) or 'nothing'}; its run failed {sorted(judgement.failed_claims)}"
    )
