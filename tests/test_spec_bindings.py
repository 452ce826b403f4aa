"""The spec's own conventions (features/README.md), checked on the parsed feature files.

The feature files are read by :func:`tooling.model.parse_spec`, with pytest-bdd's own Gherkin
parser (the one that runs them), so what is checked here is what pytest-bdd and the
claims ledger see. The ledger's own checks (stale, links, measured figures) are in
test_ledger.py.
"""

from __future__ import annotations

import ast
from collections import Counter

import pytest
from tooling.model import (
    ARTICLE_PREFIX,
    ROOT,
    VERDICTS,
    FeatureRef,
    parse_spec,
    registered_markers,
    step_module,
)

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
