"""The reviewer's report (``make report``), opened in a real browser: headless Chromium.

Two spec runs write a report each (started at collection by tests/tooling/runs.py, like
the wrong implementations' runs): linreg, and a reader's implementation whose predict
forgets the bias. A selection of claims keeps them quick; every claim of the model is on
the page either way, marked "not run in this run" when it was not selected.

Chromium is Debian's package (``/usr/bin/chromium``, installed by ``make setup``), driven by
Playwright for Python with its executable path: Playwright's own browser download is not
used. Screenshots at desktop and phone width go to ``out/screenshots/`` for inspection.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from tooling import runs
from tooling.model import ROOT, build
from tooling.runs import Run

SCREENSHOTS = ROOT / "out" / "screenshots"
REPORTS = ROOT / "out" / "test-reports"
SELECTION = "claim-4.1 or claim-4.2"
MODULE = "tests/test_section4_evaluation.py"


#: Each report: the implementation its run judges, and where it is written.
REPORTS_OF = {
    "report of linreg": ("linreg", REPORTS / "linreg" / "report.html"),
    "report of a wrong implementation": (
        "tests/implementations/predict_without_bias.py",
        REPORTS / "wrong" / "report.html",
    ),
}
PYTEST_RUNS = {
    name: Run.judging(target, SELECTION, (MODULE,), (f"--report-html={path}",))
    for name, (target, path) in REPORTS_OF.items()
}
MODEL = build(None)
#: Chromium as a root process in a container, offline: no sandbox, no GPU, no calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def reports() -> dict[str, Path]:
    found = {}
    for name, run in PYTEST_RUNS.items():
        outcome = runs.outcome(run)
        path = REPORTS_OF[name][1]
        assert path.exists(), f"{name}: no report written; the run said {outcome.closing}"
        found[name] = path
    return found


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(executable).exists(), "Chromium is missing: `make setup` installs Debian's chromium package"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser):
    pages = []

    def open_page(path: Path, width: int = 1280):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.errors = []  # type: ignore[attr-defined]
        page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.goto(path.as_uri())
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        assert page.errors == [], page.errors
        page.close()


def _visible_claims(page) -> list[str]:
    return page.eval_on_selector_all(
        "article.claim", "els => els.filter(e => getComputedStyle(e).display !== 'none').map(e => e.id)"
    )


# ---------------------------------------------------------------- the page as a file
def test_the_report_is_one_self_contained_file(reports: dict[str, Path]) -> None:
    html = reports["report of linreg"].read_text(encoding="utf-8")
    # Nothing fetched: no external stylesheet, script, font or image. Links to the feature
    # files are relative paths into the checkout.
    assert not re.search(r"<(?:link|script)[^>]+(?:href|src)=", html)
    assert not re.search(r"(?:src|href)=\"https?://", html)
    assert "data:image/png;base64," in html or "not run in this run" in html


def test_the_cucumber_json_carries_each_scenarios_claim_and_verdict(reports: dict[str, Path]) -> None:
    features = json.loads((reports["report of linreg"].parent / "cucumber.json").read_text(encoding="utf-8"))
    elements = [element for feature in features for element in feature["elements"]]
    assert elements
    for element in elements:
        tags = {tag["name"] for tag in element["tags"]}
        assert any(t.startswith("claim-") for t in tags), element["name"]
        assert tags & {"holds", "conditional", "erratum"}, element["name"]


# ---------------------------------------------------------------- the page in a browser
def test_every_claim_of_the_ledger_has_its_anchor(open_page, reports: dict[str, Path]) -> None:
    page = open_page(reports["report of linreg"])
    assert page.eval_on_selector_all("article.claim", "els => els.map(e => e.id)") == [
        c.anchor for c in MODEL.claims
    ]


def test_linreg_is_all_green(open_page, reports: dict[str, Path]) -> None:
    page = open_page(reports["report of linreg"])
    assert page.locator("details.scenario.passed").count() > 0
    assert page.locator("details.scenario.failed, ol.steps li.failed").count() == 0


def test_the_filters_show_only_what_they_name(open_page, reports: dict[str, Path]) -> None:
    page = open_page(reports["report of a wrong implementation"])
    errata = [c.anchor for c in MODEL.with_verdict("erratum")]
    conditional = [c.anchor for c in MODEL.with_verdict("conditional")]
    page.check("input[value=erratum]")
    assert _visible_claims(page) == errata
    page.check("input[value=conditional]")
    assert _visible_claims(page) == conditional
    page.check("input[value=failed]")
    assert _visible_claims(page) == ["claim-4-1"]
    page.check("input[value=all]")
    assert len(_visible_claims(page)) == len(MODEL.claims)


def test_a_failing_step_is_red_and_says_why(open_page, reports: dict[str, Path]) -> None:
    page = open_page(reports["report of a wrong implementation"])
    failed = page.locator("#claim-4-1 ol.steps li.failed")
    assert failed.count() >= 1
    assert failed.first.evaluate("e => getComputedStyle(e).color") == "rgb(140, 11, 30)"  # --fail
    message = page.locator("#claim-4-1 pre").first
    assert message.is_visible()
    assert message.inner_text().startswith(
        "claim-4.1 (holds): And each prediction is its row's features weighted by w"
    )


@pytest.mark.parametrize(("device", "width"), [("desktop", 1280), ("phone", 390)])
def test_screenshots_at_desktop_and_phone_width(
    open_page, reports: dict[str, Path], device: str, width: int
) -> None:
    page = open_page(reports["report of a wrong implementation"], width=width)
    # Readable at that width: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#claim-4-1").scroll_into_view_if_needed()
    path = SCREENSHOTS / f"report-{device}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
