"""The spec's own conventions (features/README.md), checked on the parsed feature files.

Feature files are read with pytest-bdd's own Gherkin parser, the one that runs them, so what
is checked here is what pytest-bdd sees. The raw document is used rather than pytest-bdd's
``Feature`` because the latter keys scenarios by name, hiding exactly the duplicates we look for.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import pytest
from pytest_bdd.gherkin_parser import GherkinDocument, Rule, get_gherkin_document

ROOT = Path(__file__).resolve().parent.parent
FEATURES = sorted((ROOT / "features").glob("*.feature"))
VERDICTS = {"holds", "conditional", "erratum"}
CLAIM = re.compile(r"claim-\d+\.\d+")
SECTION = re.compile(r"section-\d+")


@pytest.fixture(scope="module")
def registered(pytestconfig: pytest.Config) -> set[str]:
    """Marker names registered in pyproject.toml, as pytest itself read them."""
    return {line.split(":", 1)[0].strip() for line in pytestconfig.getini("markers")}


def _bound_feature_files() -> set[str]:
    """Every string literal passed to ``scenarios(...)`` by a tests/test_*.py module."""
    bound = set()
    for module in (ROOT / "tests").glob("test_*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "scenarios":
                bound |= {
                    a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)
                }
    return bound


def _tags(node) -> list[str]:
    return [tag.name.lstrip("@") for tag in node.tags]


def _rules(document: GherkinDocument) -> list[Rule]:
    return [child.rule for child in document.feature.children if child.rule is not None]


@pytest.fixture(params=FEATURES, ids=[path.name for path in FEATURES])
def document(request) -> GherkinDocument:
    return get_gherkin_document(str(request.param))


def test_there_are_feature_files() -> None:
    assert FEATURES


@pytest.mark.parametrize("path", FEATURES, ids=[path.name for path in FEATURES])
def test_every_feature_file_is_bound_by_a_test_module(path: Path) -> None:
    assert path.name in _bound_feature_files(), f'no tests/test_*.py calls scenarios("{path.name}")'


def test_every_feature_carries_one_registered_section_tag(
    document: GherkinDocument, registered: set[str]
) -> None:
    sections = [tag for tag in _tags(document.feature) if SECTION.fullmatch(tag)]
    assert len(sections) == 1, sections
    assert sections[0] in registered


def test_every_feature_has_a_narrative(document: GherkinDocument) -> None:
    assert document.feature.description.strip(), document.feature.name


def test_every_claim_rule_has_one_registered_claim_and_one_verdict(
    document: GherkinDocument, registered: set[str]
) -> None:
    contract_feature = "contract" in _tags(document.feature)
    for rule in _rules(document):
        tags = _tags(rule)
        claims = [tag for tag in tags if CLAIM.fullmatch(tag)]
        verdicts = [tag for tag in tags if tag in VERDICTS]
        if contract_feature or "contract" in tags:
            # Input checking is linreg's guarantee, not the article's claim: no claim, no verdict.
            assert not claims and not verdicts, (rule.name, tags)
            continue
        assert len(claims) == 1, (rule.name, claims)
        assert claims[0] in registered, (rule.name, claims[0])
        assert len(verdicts) == 1, (rule.name, verdicts)
        assert any(line.strip().startswith("Article:") for line in rule.description.splitlines()), (
            f"rule {rule.name!r} does not quote the article on an 'Article:' line"
        )


def test_every_rule_has_a_name_and_scenarios(document: GherkinDocument) -> None:
    for rule in _rules(document):
        assert rule.name.strip()
        assert any(child.scenario is not None for child in rule.children), rule.name


def test_each_claim_is_stated_by_one_rule_only() -> None:
    claims = Counter(
        tag
        for path in FEATURES
        for rule in _rules(get_gherkin_document(str(path)))
        for tag in _tags(rule)
        if CLAIM.fullmatch(tag)
    )
    assert not [claim for claim, count in claims.items() if count > 1]


def test_scenario_names_are_unique_within_a_feature(document: GherkinDocument) -> None:
    names = Counter(
        child.scenario.name
        for container in [document.feature, *_rules(document)]
        for child in container.children
        if child.scenario is not None
    )
    assert not [name for name, count in names.items() if count > 1]
