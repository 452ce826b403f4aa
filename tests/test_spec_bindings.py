"""The spec's own conventions (features/README.md), checked on the parsed feature files.

Also: the test ids they are bound under (each starts with its claim), what each claim builds
on, and the root causes found from it (tooling/causes.py), on made-up runs.

The feature files are read by :func:`tooling.model.parse_spec`, with pytest-bdd's own Gherkin
parser (the one that runs them), so what is checked here is what pytest-bdd and the
claims ledger see. The ledger's own checks (stale, links, measured figures) are in
test_ledger.py.
"""

from __future__ import annotations

import ast
import importlib
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from tooling import runs
from tooling.binding import EXAMPLE_ARGUMENT
from tooling.model import (
    ARTICLE_PREFIX,
    ROOT,
    VERDICTS,
    FeatureRef,
    Model,
    Results,
    ScenarioResult,
    build,
    parse_spec,
    registered_markers,
    step_module,
)
from tooling.runs import Run

SPEC = parse_spec()
MARKERS = registered_markers()
CLAIMS = [name for name in MARKERS if name.startswith("claim-")]


def _bound_feature_files() -> dict[str, set[str]]:
    """tests/test_*.py module -> the feature files it binds (the first argument of ``bind(...)``)."""
    bound: dict[str, set[str]] = {}
    for module in sorted((ROOT / "tests").glob("test_*.py")):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"bind", "scenarios"}:
                bound.setdefault(module.relative_to(ROOT).as_posix(), set()).update(
                    a.value for a in node.args[:1] if isinstance(a, ast.Constant) and isinstance(a.value, str)
                )
    return bound


def _is_contract(feature: FeatureRef) -> bool:
    return "contract" in feature.tags


by_feature = pytest.mark.parametrize("feature", SPEC.features, ids=[f.path for f in SPEC.features])


def test_the_feature_files_bound_are_the_feature_files_present() -> None:
    # Each by its conventional module, which the ledger's "Steps" column links to; and no
    # module names a file that is not there.
    present = {step_module(f.path): {f.path.removeprefix("features/")} for f in SPEC.features}
    assert _bound_feature_files() == present


@by_feature
def test_every_feature_has_a_narrative(feature: FeatureRef) -> None:
    assert feature.description.strip(), feature.name


@by_feature
def test_every_article_feature_carries_one_registered_section_tag(feature: FeatureRef) -> None:
    # Input checking is linreg's guarantee, no section of the article: `-m section-2` must not
    # run it.
    expected = 0 if _is_contract(feature) else 1
    assert len(feature.sections) == expected, f"{feature.path}: {feature.sections}"
    assert all(section in MARKERS for section in feature.sections)


@by_feature
def test_every_rule_has_a_name_and_scenarios(feature: FeatureRef) -> None:
    for rule in (r for r in SPEC.rules if r.feature == feature.path):
        assert rule.name, f"{feature.path}:{rule.line}"
        assert rule.scenarios, rule.name


@by_feature
def test_every_claim_rule_has_one_claim_one_verdict_and_the_articles_words(feature: FeatureRef) -> None:
    for rule in (r for r in SPEC.rules if r.feature == feature.path):
        verdicts = [t for t in rule.tags if t in VERDICTS]
        if _is_contract(feature) or "contract" in rule.tags:
            # Input checking is linreg's guarantee, not the article's claim: no claim, no verdict.
            assert not rule.claims and not verdicts, (rule.name, sorted(rule.tags))
            continue
        assert len(rule.claims) == 1, (rule.name, rule.claims)
        assert len(verdicts) == 1, (rule.name, verdicts)
        assert rule.article, f"rule {rule.name!r} does not quote the article on an {ARTICLE_PREFIX!r} line"


@by_feature
def test_scenario_names_are_unique_within_a_feature(feature: FeatureRef) -> None:
    names = Counter(s.name for s in SPEC.scenarios_of(feature.path))
    assert [name for name, count in names.items() if count > 1] == []


def test_every_claim_tag_is_registered() -> None:
    # Wherever it stands (feature, rule or scenario), so a typo cannot invent a claim.
    tagged = {tag: where for tag, where in SPEC.tags.items() if tag.startswith("claim-")}
    assert {tag: where for tag, where in tagged.items() if tag not in CLAIMS} == {}


def test_every_registered_claim_is_stated_by_exactly_one_rule_with_scenarios() -> None:
    stated = Counter(claim for rule in SPEC.rules if rule.scenarios for claim in rule.claims)
    assert {claim: stated[claim] for claim in CLAIMS if stated[claim] != 1} == {}


# ---------------------------------------------------------------- readable test ids
TEST_MODULES = sorted(p.stem for p in (ROOT / "tests").glob("test_*.py"))


def test_scenarios_are_bound_under_their_claim_and_their_own_words() -> None:
    # The test id starts with the claim, so pytest's FAILED line names it at any width.
    module = importlib.import_module("test_section1_model_and_loss")
    assert "claim-1.2: Residuals of 1, -2 and 2 cost 1.5" in vars(module)
    contract = importlib.import_module("test_contract_input")
    assert any(name.startswith("contract: ") for name in vars(contract))


def test_outline_examples_are_labelled_by_their_row() -> None:
    module = importlib.import_module("test_section4_evaluation")
    outline = vars(module)[
        "claim-4.2: Predicting the mean shifted by <k> standard deviations scores minus <k> squared"
    ]
    (mark,) = [m for m in outline.pytestmark if m.name == "parametrize" and m.args[0] == EXAMPLE_ARGUMENT]
    assert [p.id for p in mark.args[1]] == ["1 | -1", "10 | -100", "1000 | -1000000"]


def _claims_marked(module: object, test: object) -> set[str]:
    marks = [*getattr(module, "pytestmark", []), *getattr(test, "pytestmark", [])]
    return {m.name for m in marks if m.name.startswith("claim-")}


@pytest.mark.parametrize("name", TEST_MODULES)
def test_every_test_of_a_claim_has_a_title_that_starts_with_it(name: str) -> None:
    # "claim-4.2: R^2 is never above 1, ...": a sentence, not a function's name, and the claim
    # first, as the report shows it under the claim and the FAILED line names it.
    module = importlib.import_module(name)
    collected = [
        (attribute, test)
        for attribute, test in vars(module).items()
        if callable(test) and attribute.startswith(("test", "claim-", "contract:", "Scenario"))
    ]
    for attribute, test in collected:
        claims = _claims_marked(module, test)
        if hasattr(test, "scenario_template"):
            rule = test.scenario_template.rule
            claims |= {t for t in (rule.tags if rule else ()) if t.startswith("claim-")}
        if not claims:
            continue
        claim, _, words = attribute.partition(": ")
        assert claim in claims and " " in words, f"{name}.{attribute} (claims {sorted(claims)})"


# ---------------------------------------------------------------- what each claim builds on
MODEL = build(None, SPEC)
ORDER = MODEL.most_basic_first()


def test_builds_on_names_registered_claims_other_than_its_own() -> None:
    for rule in SPEC.rules:
        assert set(rule.builds_on) <= set(CLAIMS), (rule.name, rule.builds_on)
        assert not set(rule.builds_on) & set(rule.claims), rule.name


def test_the_claims_can_be_ordered_most_basic_first() -> None:
    # Every claim after all it builds on; the design's layers: model and loss, structure and
    # start, gradients, the update loop, then what training and evaluation give.
    assert sorted(ORDER) == sorted(CLAIMS)
    for claim in MODEL.claims:
        assert all(ORDER.index(b) < ORDER.index(claim.id) for b in claim.builds_on), claim.id
    assert ORDER[:9] == [
        "claim-1.1",
        "claim-1.2",
        "claim-2.1",
        "claim-2.2",
        "claim-2.3",
        "claim-1.3",
        "claim-2.5",
        "claim-2.4",
        "claim-1.4",
    ]


def test_the_figures_of_a_training_run_build_on_the_start_the_gradients_and_the_loop() -> None:
    training = {"claim-3.3", "claim-3.4", "claim-4.3", "claim-4.4", "claim-4.6", "claim-4.8", "claim-6.5"}
    for claim in training:
        assert {"claim-2.1", "claim-2.3", "claim-2.5"} <= set(MODEL.foundations(claim)), claim
    # The data and scikit-learn's own figures build on nothing the implementation does.
    for claim in ("claim-1.1", "claim-2.1", "claim-3.1", "claim-3.2", "claim-4.1", "claim-5.1", "claim-5.2"):
        assert MODEL.foundations(claim) == [], claim


def test_a_circle_of_builds_on_lines_is_refused(tmp_path: Path) -> None:
    copy = shutil.copytree(ROOT / "features", tmp_path / "features")
    feature = copy / "section1_model_and_loss.feature"
    text = feature.read_text(encoding="utf-8")
    feature.write_text(
        text.replace("Builds on: claim-1.1\n", "Builds on: claim-1.1, claim-1.3\n"), encoding="utf-8"
    )
    with pytest.raises(ValueError, match="circle"):
        build(None, parse_spec(copy)).most_basic_first()


# ---------------------------------------------------------------- root causes, on made-up runs
def _run(*tests: tuple[str, str, str | None]) -> Model:
    """A model whose results hold one test per (claim, status, FollowsFrom's claim or None)."""
    results = Results(
        scenarios=[
            ScenarioResult(
                nodeid=f"tests/test_x.py::{claim or 'test_other'}: {i}",
                feature="tests/test_x.py",
                line=i,
                name=str(i),
                status=status,
                duration=0.0,
                claims=[claim] if claim else [],
                follows_from=follows,
            )
            for i, (claim, status, follows) in enumerate(tests)
        ]
    )
    return build(None, SPEC, results=results)


def test_one_broken_claim_is_the_root_of_everything_built_on_it() -> None:
    # The loss without its half: 1.2 fails, and with it 2.3 and the figures of training.
    causes = _run(
        ("claim-1.1", "passed", None),
        ("claim-3.3", "failed", None),
        ("claim-2.3", "failed", None),
        ("claim-1.2", "failed", None),
        ("claim-2.5", "passed", None),
    ).causes
    assert causes.roots == ["claim-1.2"]
    assert causes.line == "root causes: claim-1.2"
    assert causes.follows == {
        "tests/test_x.py::claim-3.3: 1": ["claim-1.2"],
        "tests/test_x.py::claim-2.3: 2": ["claim-1.2"],
    }


def test_independent_mistakes_are_separate_roots_most_basic_first() -> None:
    causes = _run(
        ("claim-4.1", "failed", None), ("claim-2.1", "failed", None), ("claim-4.4", "failed", None)
    ).causes
    assert causes.roots == ["claim-2.1", "claim-4.1"]
    assert causes.follows["tests/test_x.py::claim-4.4: 2"] == ["claim-2.1", "claim-4.1"]


def test_a_root_named_by_the_judge_counts_even_when_its_own_tests_did_not_run() -> None:
    causes = _run(("claim-3.4", "failed", "claim-2.5"), ("claim-1.4", "failed", "claim-2.5")).causes
    assert causes.roots == ["claim-2.5"]
    assert list(causes.follows.values()) == [["claim-2.5"], ["claim-2.5"]]


def test_a_root_whose_foundations_did_not_run_says_which() -> None:
    causes = _run(("claim-2.3", "failed", None)).causes
    assert causes.roots == ["claim-2.3"]
    assert causes.unchecked == {"claim-2.3": ["claim-1.1", "claim-1.2", "claim-2.2"]}


def test_a_failure_outside_the_claims_is_its_own_root_and_nothing_is_named_without_a_failure() -> None:
    assert _run((None, "failed", None), ("claim-1.2", "failed", None)).causes.roots == [
        "claim-1.2",
        "tests/test_x.py",
    ]
    assert _run(("claim-1.2", "passed", None)).causes.line == ""


# ---------------------------------------------------------------- make spec
#: What `make spec` runs (--scenarios-only), collected in the suite's background interpreter.
PYTEST_RUNS = {
    "make spec": Run(("tests", "--scenarios-only", "--collect-only", "-q")),
    # The judge names a root no test of which ran (tooling/faults.py raises its FollowsFrom).
    "follows from": Run(
        (
            *("-m", "claim-4.1 or claim-4.2", "-q", "-rfE"),
            *("-W", "ignore::pytest.PytestAssertRewriteWarning"),  # tooling.faults: imported before
            *("-p", "tooling.faults", "--fault-follows=claim-4.1=claim-2.5"),
            "tests/test_section4_evaluation.py",
        )
    ),
}


def test_make_spec_runs_the_scenarios_of_the_articles_claims_and_nothing_else_in_article_order() -> None:
    outcome = runs.outcome(PYTEST_RUNS["make spec"])
    assert outcome.status == pytest.ExitCode.OK, outcome.output[-800:]
    ids = [line for line in outcome.output.splitlines() if "::" in line]
    # Every example of every scenario of a claim's rule, once; no CLI, input-contract or
    # gradient-checker test, no property.
    expected = sum(max(1, len(s.examples)) for rule in SPEC.rules if rule.claims for s in rule.scenarios)
    assert len(ids) == expected
    sections = [int(re.match(r"tests/test_section(\d)_\w+\.py::claim-\d", i).group(1)) for i in ids]
    assert sections == sorted(sections)


def test_a_root_the_judge_names_ends_the_summary_though_none_of_its_tests_ran() -> None:
    outcome = runs.outcome(PYTEST_RUNS["follows from"])
    assert outcome.root_causes == ["claim-2.5"], outcome.output[-600:]
    failed = [line for line in outcome.output.splitlines() if line.startswith("FAILED ")]
    assert failed, outcome.output[-600:]
    for line in failed:
        assert "::claim-4.1: " in line and line.count("follows from claim-2.5") == 1, line
