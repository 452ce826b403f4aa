"""The reviewer's report (``make report``), opened in a real browser: headless Chromium.

Two spec runs write a report each (started at collection by tests/tooling/runs.py, like
the wrong implementations' runs): linreg, and a reader's implementation whose predict
forgets the bias, run with a plugin that makes every test of claim 2.1 fail after its last
step (tests/tooling/faults.py), as a leaked resource does. A selection of claims keeps them
quick; every claim of the model is on the page either way, marked "not run in this run"
when it was not selected. A third page is rendered here from the suite's own 200,000-epoch
run, for the loss curve, and from that run cut one epoch short, as a reader's loop that
stops an epoch early makes it.

Chromium is Debian's package (``/usr/bin/chromium``, installed by ``make setup``), driven by
Playwright for Python with its executable path: Playwright's own browser download is not
used. Every check of the page runs at desktop and at phone width; screenshots of both go to
``out/screenshots/`` for inspection.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from tooling import report, runs
from tooling.model import ROOT, Results, build
from tooling.runs import Run

from linreg.experiment import ArticleRun

SCREENSHOTS = ROOT / "out" / "screenshots"
REPORTS = ROOT / "out" / "test-reports"
SELECTION = "claim-1.1 or claim-2.1 or claim-4.1 or claim-4.2"
MODULES = (
    "tests/test_section1_model_and_loss.py",
    "tests/test_section2_implementation.py",
    "tests/test_section4_evaluation.py",
)
WRONG = "tests/implementations/predict_without_bias.py"

#: Each report: the implementation its run judges, where it is written, and any other options.
REPORTS_OF = {
    "linreg": ("linreg", REPORTS / "linreg" / "report.html", ()),
    "wrong": (WRONG, REPORTS / "wrong" / "report.html", ("-p", "tooling.faults", "--fault-after=claim-2.1")),
}
PYTEST_RUNS = {
    name: Run.judging(target, SELECTION, MODULES, (f"--report-html={path}", *extra))
    for name, (target, path, extra) in REPORTS_OF.items()
}
#: A report folder that cannot be: under a file, and where nothing can be created.
PYTEST_RUNS |= {
    f"report under {where}": Run(
        (f"--report-html={where}/report.html", "--collect-only", "-q", "tests/test_packaging.py")
    )
    for where in ("README.md", "/proc/linreg-report")
}
MODEL = build(None)
WIDTHS = pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
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
    for name in REPORTS_OF:
        outcome = runs.outcome(PYTEST_RUNS[name])
        path = REPORTS_OF[name][1]
        assert path.exists(), f"{name}: no report written; the run said {outcome.closing}"
        found[name] = path
    return found


@pytest.fixture(scope="module")
def drawn(article_run: ArticleRun, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Pages rendered here: the suite's 200,000-epoch run, and that run one epoch short."""
    folder = tmp_path_factory.mktemp("drawn")
    provenance = report.Provenance.collect("linreg", 0.0, ["tests"])
    short = dataclasses.replace(article_run, loss_history=article_run.loss_history[:-1])
    return {
        "whole": report.write(
            folder / "whole.html", build(article_run, results=Results()), provenance, article_run
        ),
        # Its figures measured, its curve not drawn (the whole run's is).
        "one epoch short": report.write(folder / "short.html", build(short, results=Results()), provenance),
    }


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    executable = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(executable).exists(), "Chromium is missing: `make setup` installs Debian's chromium package"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def opened(browser) -> Iterator[tuple[object, dict[tuple[Path, int], object]]]:
    pages: dict[tuple[Path, int], object] = {}
    yield browser, pages
    for page in pages.values():
        page.close()  # type: ignore[attr-defined]


@pytest.fixture
def open_page(opened):
    """Open a page at a width, once per module (loading it is most of a check's cost); each
    test finds it with every claim shown."""
    browser, pages = opened
    used = []

    def open_page(path: Path, width: int = 1280):
        if (path, width) not in pages:
            page = pages[path, width] = browser.new_page(viewport={"width": width, "height": 900})
            page.errors = []  # type: ignore[attr-defined]
            page.on("console", lambda message: message.type == "error" and page.errors.append(message.text))
            page.on("pageerror", lambda error: page.errors.append(str(error)))
            page.goto(path.as_uri())
        page = pages[path, width]
        page.check("input[value=all]")
        used.append(page)
        return page

    yield open_page
    for page in used:
        assert page.errors == [], page.errors


def _visible(page, selector: str) -> list[str]:
    """The id (else the text) of each element matching ``selector`` that is displayed."""
    return page.eval_on_selector_all(
        selector, "els => els.filter(e => e.offsetParent !== null).map(e => e.id || e.innerText.trim())"
    )


# ---------------------------------------------------------------- the page as a file
def test_the_report_is_one_self_contained_file(reports: dict[str, Path]) -> None:
    html = reports["linreg"].read_text(encoding="utf-8")
    # Nothing fetched: no external stylesheet, script, font or image. Links to the feature
    # files are relative paths into the checkout.
    assert not re.search(r"<(?:link|script)[^>]+(?:href|src)=", html)
    assert not re.search(r"(?:src|href)=\"https?://", html)


def test_the_cucumber_json_carries_each_scenarios_claim_and_verdict(reports: dict[str, Path]) -> None:
    features = json.loads((reports["linreg"].parent / "cucumber.json").read_text(encoding="utf-8"))
    elements = [element for feature in features for element in feature["elements"]]
    assert elements
    for element in elements:
        tags = {tag["name"] for tag in element["tags"]}
        assert any(t.startswith("claim-") for t in tags), element["name"]
        assert tags & {"holds", "conditional", "erratum"}, element["name"]


def test_the_report_folder_is_checked_before_anything_runs() -> None:
    # A folder that is a file, or one that cannot be made: one line, a usage error (status 4).
    for where, why in (
        ("README.md", "README.md is a file, not a folder"),
        ("/proc/linreg-report", "cannot write"),
    ):
        outcome = runs.outcome(PYTEST_RUNS[f"report under {where}"])
        lines = [line for line in outcome.output.splitlines() if line.strip()]
        assert outcome.status == pytest.ExitCode.USAGE_ERROR, outcome.output[-500:]
        assert len(lines) == 1 and lines[0].startswith(f"ERROR: --report-html {where}/report.html: "), lines
        assert why in lines[0]


# ---------------------------------------------------------------- one record: terminal, page, JSON
def test_the_page_counts_what_the_terminal_counts(open_page, reports: dict[str, Path]) -> None:
    for name, path in reports.items():
        page = open_page(path)
        assert page.inner_text("#run-tally") == runs.outcome(PYTEST_RUNS[name]).closing


def test_the_report_opens_with_the_root_causes_the_terminal_ends_with(
    open_page, reports: dict[str, Path]
) -> None:
    outcome = runs.outcome(PYTEST_RUNS["wrong"])
    assert outcome.root_causes == ["claim-2.1", "claim-4.1"]
    page = open_page(reports["wrong"])
    causes = page.locator("header section.causes p").first.inner_text()
    assert causes == f"root causes: {', '.join(outcome.root_causes)}"
    assert page.locator("section.causes").bounding_box()["y"] < page.locator(".tally").bounding_box()["y"]
    assert open_page(reports["linreg"]).locator("section.causes").count() == 0


def test_a_failure_after_the_last_step_is_in_the_report_under_its_claim(
    open_page, reports: dict[str, Path]
) -> None:
    # pytest counts the unraisable exception of claim 2.1's teardowns as errors while every step
    # passed: the page and the Cucumber JSON must fail the claim too.
    page = open_page(reports["wrong"])
    assert page.get_attribute("#claim-2-1", "class").split()[-1] == "status-failed"
    failed = page.locator("#claim-2-1 details.scenario.failed")
    assert failed.count() == 3  # the outline's three examples
    assert page.locator("#claim-2-1 ol.steps li.failed").count() == 0
    assert "after its last step, in pytest's teardown" in failed.first.locator("pre").inner_text()
    # The Cucumber JSON beside the page fails the same scenarios as the terminal's summary lines.
    json_path = reports["wrong"].parent / "cucumber.json"
    from_json = Results.from_cucumber(json.loads(json_path.read_text(encoding="utf-8")))
    summary = [
        line.split(" ", 1)[1].split(" - ", 1)[0]
        for line in runs.outcome(PYTEST_RUNS["wrong"]).output.splitlines()
        if line.startswith(("FAILED ", "ERROR "))
    ]
    assert sorted(r.nodeid for r in from_json.scenarios if r.failed) == sorted(summary)


# ---------------------------------------------------------------- the page in a browser
@WIDTHS
def test_every_claim_of_the_ledger_has_its_anchor(open_page, reports: dict[str, Path], width: int) -> None:
    page = open_page(reports["linreg"], width)
    assert page.eval_on_selector_all("article.claim", "els => els.map(e => e.id)") == [
        c.anchor for c in MODEL.claims
    ]


def test_linreg_is_all_green(open_page, reports: dict[str, Path]) -> None:
    page = open_page(reports["linreg"])
    assert page.locator("details.scenario.passed").count() > 0
    assert page.locator("details.scenario.failed, ol.steps li.failed").count() == 0


@WIDTHS
def test_the_header_keeps_the_articles_verdicts_apart_from_this_run(
    open_page, reports: dict[str, Path], width: int
) -> None:
    page = open_page(reports["wrong"], width)
    article = page.locator('ul[aria-label="The article\'s claims"]').inner_text()
    counts = MODEL.counts
    assert article.split("\n") == [
        f"{counts['holds']} hold",
        f"{counts['conditional']} hold under a condition",
        f"{counts['erratum']} errata",
    ]
    assert (
        page.locator('ul[aria-label="This run"]').inner_text() == runs.outcome(PYTEST_RUNS["wrong"]).closing
    )


@WIDTHS
def test_the_filters_show_only_what_they_name_and_hide_empty_sections(
    open_page, reports: dict[str, Path], width: int
) -> None:
    page = open_page(reports["wrong"], width)
    sections = {
        section: [c.anchor for c in claims if c.verdict]
        for section, claims in ((f.path.split("/")[-1][:-8], cs) for f, cs in MODEL.sections())
    }
    for show, anchors in (
        ("erratum", [c.anchor for c in MODEL.with_verdict("erratum")]),
        ("conditional", [c.anchor for c in MODEL.with_verdict("conditional")]),
        ("failed", ["claim-2-1", "claim-4-1"]),
    ):
        page.check(f"input[value={show}]")
        assert _visible(page, "article.claim") == anchors, show
        expected = [s for s, claims in sections.items() if set(claims) & set(anchors)]
        assert _visible(page, "section.feature") == expected, show
        entries = page.eval_on_selector_all(
            "nav li", "els => els.filter(e => !e.hidden).map(e => e.dataset.section)"
        )
        assert entries == expected, show
    assert _visible(page, "details.scenario") and all(
        "failed" in c
        for c in page.eval_on_selector_all(
            "details.scenario", "els => els.filter(e => e.offsetParent !== null).map(e => e.className)"
        )
    )
    page.check("input[value=all]")
    assert len(_visible(page, "article.claim")) == len(MODEL.claims)


@WIDTHS
def test_only_failures_with_none_says_so(open_page, reports: dict[str, Path], width: int) -> None:
    page = open_page(reports["linreg"], width)
    assert not page.is_visible("#no-failures")
    page.check("input[value=failed]")
    assert page.is_visible("#no-failures")
    assert _visible(page, "article.claim") == [] and _visible(page, "section.feature") == []
    assert page.eval_on_selector_all("nav li", "els => els.filter(e => !e.hidden).length") == 0


def test_a_failing_step_is_red_and_says_why(open_page, reports: dict[str, Path]) -> None:
    page = open_page(reports["wrong"])
    failed = page.locator("#claim-4-1 ol.steps li.failed")
    assert failed.count() >= 1
    assert failed.first.evaluate("e => getComputedStyle(e).color") == "rgb(140, 11, 30)"  # --fail
    message = page.locator("#claim-4-1 pre").first
    assert message.is_visible()
    assert message.inner_text().startswith(
        "claim-4.1 (holds): And each prediction is its row's features weighted by w"
    )


@WIDTHS
def test_every_test_under_a_claim_has_a_readable_title(
    open_page, reports: dict[str, Path], width: int
) -> None:
    page = open_page(reports["linreg"], width)
    titles = page.eval_on_selector_all(
        "article.claim details.scenario .title", "els => els.map(e => e.innerText)"
    )
    assert "R^2 is never above 1, whatever the targets and predictions" in titles  # a property of claim 4.2
    for title in titles:
        assert " " in title and not re.match(r"(test_|claim-|Scenario)", title), title


@WIDTHS
def test_no_placeholders_and_the_numbers_agree(open_page, reports: dict[str, Path], width: int) -> None:
    page = open_page(reports["linreg"], width)
    text = " ".join(page.text_content("main").split())  # the folded scenarios too
    assert not re.search(r"<\w+>", text), re.search(r".{40}<\w+>.{40}", text)
    assert re.search(r"Predicting 1 sample of 1 feature\b", text)
    assert re.search(r"Then its weights are a column of 1 zero\b", text)
    assert not re.search(r"(?<![\d.,])1 (samples|features|zeros|values)\b", text)


@WIDTHS
def test_no_row_that_says_nothing_and_tolerances_said_once(
    open_page, reports: dict[str, Path], width: int
) -> None:
    page = open_page(reports["linreg"], width)
    cells = page.eval_on_selector_all("dl.figures dd", "els => els.map(e => e.innerText.trim())")
    assert cells and all(cell and cell != "—" for cell in cells)
    held = page.eval_on_selector_all(
        "dl.figures dt",
        "els => els.filter(e => e.innerText === 'Held to').map(e => e.nextElementSibling.innerText)",
    )
    assert held and not any(h.startswith("to ") for h in held)
    assert (
        page.locator("#claim-5-5 dl.figures")
        .inner_text()
        .count("two decimals; three decimals; four decimals")
        == 1
    )


@WIDTHS
def test_nothing_is_wider_than_the_screen(open_page, reports: dict[str, Path], width: int) -> None:
    for path in reports.values():
        page = open_page(path, width)
        page.check("input[value=all]")
        assert page.evaluate("document.documentElement.scrollWidth") <= width


@WIDTHS
def test_the_loss_curves_panels_stand_side_by_side_or_stack(
    open_page, drawn: dict[str, Path], width: int
) -> None:
    page = open_page(drawn["whole"], width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    first, second = (page.locator("figure.loss-curve img").nth(i).bounding_box() for i in (0, 1))
    assert first["width"] <= width and second["width"] <= width
    if width < 600:
        assert second["y"] >= first["y"] + first["height"]  # stacked, each as wide as the screen allows
        assert first["width"] > 0.8 * (width - 40)
    else:
        assert second["x"] >= first["x"] + first["width"] and abs(second["y"] - first["y"]) < 1


def test_a_run_that_is_wrong_everywhere_still_gets_its_page(open_page, drawn: dict[str, Path]) -> None:
    # The book's loop, range(1, epochs), records 199,999 losses: the figure of claim 3.4 asks
    # for epoch 200,000. The page is written; that figure says why it cannot be measured.
    page = open_page(drawn["one epoch short"])
    measured = page.locator("#claim-3-4 dl.figures").inner_text()
    assert "not measurable on this run" in measured
    # Losses that are not numbers: no curve to draw, and the page says why instead.
    nan = SimpleNamespace(loss_history=np.full(10, np.nan), optimum=SimpleNamespace(train_loss=1.0))
    assert report._loss_curve(nan).problem.startswith("ValueError: loss_history contains NaN")


@pytest.mark.parametrize(("device", "width"), [("desktop", 1280), ("phone", 390)])
def test_screenshots_at_desktop_and_phone_width(
    open_page, reports: dict[str, Path], device: str, width: int
) -> None:
    page = open_page(reports["wrong"], width=width)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#claim-4-1").scroll_into_view_if_needed()
    path = SCREENSHOTS / f"report-{device}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000
