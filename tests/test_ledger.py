"""The claims ledger (docs/claims.md) and README's summary equal a fresh generation.

A renamed, added or removed scenario, a changed verdict or a changed measured
figure makes the committed files stale, and these tests fail until ``make claims``
regenerates them. The generation reuses the session's ``article_run``. The conventions the ledger
relies on (one claim and one verdict per rule, registered claims) are checked in
test_spec_bindings.py.
"""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path

import pytest
from tooling.ledger import CLAIMS_MD, README, render, replace_summary
from tooling.model import FEATURES, MEASURED, ROOT, build, parse_spec

from linreg.experiment import ArticleRun


def _stale_message(name: str, committed: str, fresh: str) -> str:
    diff = "".join(
        difflib.unified_diff(committed.splitlines(True), fresh.splitlines(True), name, "generated", n=1)
    )
    return f"{name} is stale; run `make claims` and commit it.\n{diff}"


@pytest.fixture(scope="module")
def spec():
    return parse_spec()


@pytest.fixture(scope="module")
def ledger(article_run: ArticleRun, spec):
    return render(build(article_run, spec))


def test_committed_ledger_equals_a_fresh_generation(ledger) -> None:
    committed = CLAIMS_MD.read_text(encoding="utf-8")
    assert committed == ledger.claims_md, _stale_message("docs/claims.md", committed, ledger.claims_md)


def test_readme_summary_equals_the_ledgers(ledger) -> None:
    committed = README.read_text(encoding="utf-8")
    fresh = replace_summary(committed, ledger.summary)
    assert committed == fresh, _stale_message("README.md", committed, fresh)


def test_generation_does_not_depend_on_the_order_the_files_are_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, article_run: ArticleRun
) -> None:
    # Directory listings come in no set order. With two contract files the contract table's
    # rows follow the file order, so unless the ledger sorts the files they would move between
    # machines and the committed ledger would look stale for no reason.
    copy = shutil.copytree(FEATURES, tmp_path / "features")
    shutil.copy(copy / "contract_input.feature", copy / "contract_copy.feature")
    listed = render(build(article_run, parse_spec(copy))).claims_md
    glob = Path.glob
    monkeypatch.setattr(Path, "glob", lambda self, pattern: reversed(sorted(glob(self, pattern))))
    assert render(build(article_run, parse_spec(copy))).claims_md == listed


def test_every_article_figure_has_a_measured_figure(spec) -> None:
    # A figure the article states must stand beside one linreg measures.
    missing = sorted({c for r in spec.rules if r.figure for c in r.claims if c not in MEASURED})
    assert missing == []


def test_every_link_in_the_ledger_resolves(ledger) -> None:
    for target, line in re.findall(r"\]\(\.\./([^)#]+)(?:#L(\d+))?\)", ledger.claims_md):
        path = ROOT / target
        assert path.exists(), f"docs/claims.md links to missing {target}"
        if line:
            lines = path.read_text(encoding="utf-8").splitlines()
            assert int(line) <= len(lines), f"{target}#L{line} is past the end of the file"


def test_a_renamed_scenario_makes_the_ledger_stale(tmp_path: Path, article_run: ArticleRun, ledger) -> None:
    copy = shutil.copytree(FEATURES, tmp_path / "features")
    feature = sorted(copy.glob("section3_*.feature"))[0]
    text = feature.read_text(encoding="utf-8")
    first = next(
        s for rule in parse_spec(copy).rules if rule.feature.endswith(feature.name) for s in rule.scenarios
    )
    feature.write_text(text.replace(first.name, first.name + " (renamed)", 1), encoding="utf-8")
    assert render(build(article_run, parse_spec(copy))).claims_md != ledger.claims_md


def test_readme_shows_the_table_linreg_reproduce_prints(article_run: ArticleRun) -> None:
    # The same formatting code as `linreg reproduce`, fed the session's run.
    from linreg.report import NOTE, format_table, reproduction_rows

    table = f"{format_table(reproduction_rows(article_run))}\n{NOTE}\n"
    assert f"```text\n{table}```" in README.read_text(encoding="utf-8"), f"README.md should show:\n{table}"
