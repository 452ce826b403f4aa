"""One record of a run, from pytest's own reports: the report, the Cucumber JSON and the terminal agree.

pytest counts a test failed when any phase of it fails: its setup, its call, or its teardown
(an exception no one could raise, collected by pytest as a ``PytestUnraisableExceptionWarning``,
lands in whichever phase pytest collects it in). The :class:`Recorder` keeps every
``TestReport`` of every phase, and every collection error, from the same hooks the terminal
counts them in (``pytest_runtest_logreport``, ``pytest_collectreport``,
``pytest_deselected``, ``pytest_warning_recorded``). At the end of the session it turns them
into one :class:`tooling.model.Results`: a test per node id, failed if any phase failed,
with the phase and the spec's message, its scenario's steps with their statuses, and
pytest's own tally. The reviewer's report (:mod:`tooling.report`), the Cucumber JSON beside
it (:func:`cucumber_json`) and the root causes (:mod:`tooling.causes`) are all made from
that one record, so none can say a test passed that the terminal counted failed.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from tooling.model import CONTRACT, Results, ScenarioResult, Spec, StepResult

#: The order and words of pytest's closing line (``_pytest.terminal.KNOWN_TYPES``).
KNOWN_TYPES = ("failed", "passed", "skipped", "deselected", "xfailed", "xpassed", "warnings", "error")
PHASES = ("setup", "call", "teardown")
#: Where a failure outside the steps is put in the Cucumber JSON: a hook before or after them.
HOOK_OF_PHASE = {"setup": "before", "call": "after", "teardown": "after"}


def _pluralize(count: int, noun: str) -> str:
    # As pytest's terminal says it: "1 error", "2 errors", "1 warning"; "failed" never changes.
    if noun not in ("error", "warnings"):
        return f"{count} {noun}"
    noun = noun.replace("warnings", "warning")
    return f"{count} {noun}{'' if count == 1 else 's'}"


class Recorder:
    """A pytest plugin that keeps every report of a run, as the terminal counts them.

    Parameters
    ----------
    config : pytest.Config
    steps : dict
        Node id -> the steps the spec's plugin saw start and end (``tooling.plugin.STEPS``).
    """

    def __init__(self, config: pytest.Config, steps: dict[str, list[dict[str, Any]]]) -> None:
        self.config = config
        self.steps = steps
        self.reports: dict[str, list[pytest.TestReport]] = {}
        self.collect_errors: list[pytest.CollectReport] = []
        self.stats: dict[str, int] = defaultdict(int)

    # ------------------------------------------------------------------ pytest's hooks
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.reports.setdefault(report.nodeid, []).append(report)
        category = self.config.hook.pytest_report_teststatus(report=report, config=self.config)[0]
        if category and getattr(report, "count_towards_summary", True):
            self.stats[category] += 1

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(report)
            self.stats["error"] += 1
        elif report.skipped:
            self.stats["skipped"] += 1

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self.stats["deselected"] += len(items)

    def pytest_warning_recorded(self, warning_message: object, nodeid: str) -> None:
        self.stats["warnings"] += 1

    # ------------------------------------------------------------------ the record
    @property
    def tally(self) -> str:
        """pytest's closing line without its timing: ``2 failed, 31 passed, 400 deselected``."""
        known = [*KNOWN_TYPES, *sorted(k for k in self.stats if k not in KNOWN_TYPES)]
        parts = [_pluralize(self.stats[key], key) for key in known if self.stats.get(key)]
        return ", ".join(parts) or "no tests ran"

    def results(self, items: list[pytest.Item], spec: Spec | None = None) -> Results:
        """Every test that reported, in the order it ran, each with its outcome over all phases."""
        by_id = {item.nodeid: item for item in items}
        tests = [
            _result(nodeid, reports, by_id.get(nodeid), self.steps)
            for nodeid, reports in self.reports.items()
        ]
        errors = [_collect_error(report) for report in self.collect_errors]
        return Results(scenarios=tests, errors=errors, tally=self.tally)


def _claims(item: pytest.Item | None) -> list[str]:
    if item is None:
        return []
    return sorted({m.name for m in item.iter_markers() if m.name.startswith("claim-")})


def _status(reports: list[pytest.TestReport]) -> tuple[str, pytest.TestReport | None]:
    failed = next((r for r in reports if r.failed), None)
    if failed is not None:
        return "failed", failed
    if any(r.skipped for r in reports):
        return "skipped", None
    return "passed", None


def _message(report: pytest.TestReport) -> tuple[str, str]:
    """The failure's report in the spec's words when it has one, else pytest's own, shortened."""
    longrepr = report.longrepr
    headline = getattr(longrepr, "headline", None)
    if headline is not None:
        return str(longrepr), headline
    crash = getattr(longrepr, "reprcrash", None)
    first = crash.message.splitlines()[0] if crash is not None and crash.message else ""
    text = report.longreprtext
    lines = text.splitlines()
    if len(lines) > 40:  # a traceback: its end says what happened
        text = "\n".join(["…", *lines[-40:]])
    return text, first or (lines[-1] if lines else "failed")


def _result(
    nodeid: str,
    reports: list[pytest.TestReport],
    item: pytest.Item | None,
    steps: dict[str, list[dict[str, Any]]],
) -> ScenarioResult:
    status, failed = _status(reports)
    message = headline = None
    if failed is not None:
        message, headline = _message(failed)
    template = getattr(getattr(item, "obj", None), "scenario_template", None)
    example = getattr(getattr(item, "callspec", None), "params", {}).get("_pytest_bdd_example")
    claims = _claims(item)
    common = dict(
        nodeid=nodeid,
        status=status,
        duration=sum(r.duration for r in reports),
        claims=claims,
        message=message,
        headline=headline,
        phase=failed.when if failed is not None else None,
        follows_from=getattr(failed, "follows_from", None),
        contract=item is not None and item.get_closest_marker(CONTRACT) is not None,
    )
    if template is None:
        path, line, name = reports[0].location
        return ScenarioResult(feature=path, line=(line or 0) + 1, name=name, scenario=False, **common)
    scenario = template.render(example or {})
    return ScenarioResult(
        feature=f"features/{template.feature.rel_filename}",
        line=template.line_number,
        name=scenario.name,
        steps=_steps(scenario.steps, steps.get(nodeid, [])),
        example=dict(example) if example else None,
        **common,
    )


def _steps(written: list[Any], seen: list[dict[str, Any]]) -> list[StepResult]:
    """Each step with its status: passed, failed, or skipped when the scenario never reached it."""
    out = []
    for i, step in enumerate(written):
        done = seen[i] if i < len(seen) else None
        out.append(
            StepResult(
                step.keyword.strip(),
                step.name,
                step.line_number,
                done["status"] if done else "skipped",
                done["duration"] if done else 0.0,
            )
        )
    return out


def _collect_error(report: pytest.CollectReport) -> ScenarioResult:
    text = report.longreprtext
    lines = text.splitlines()
    return ScenarioResult(
        nodeid=report.nodeid or ".",
        feature=report.nodeid.split("::")[0] or ".",
        line=1,
        name=f"collecting {report.nodeid or 'the tests'}",
        status="failed",
        duration=0.0,
        claims=[],
        message="\n".join(lines[-40:]),
        headline=lines[-1] if lines else "collection failed",
        phase="collect",
        scenario=False,
    )


# --------------------------------------------------------------------------- the Cucumber JSON
def cucumber_json(results: Results, spec: Spec) -> list[dict[str, Any]]:
    """The scenarios of ``results`` in the Cucumber JSON format, with claim and verdict tags.

    Each scenario's steps carry their statuses; a failure outside the steps (pytest's setup
    or teardown, or after the last step) is a failed ``before`` or ``after`` hook, so that a
    scenario pytest counted failed is failed here too.
    """
    features: dict[str, dict[str, Any]] = {}
    tags_of = {(rule.feature, s.line): sorted(s.tags) for rule in spec.rules for s in rule.scenarios} | {
        (path, s.line): sorted(s.tags) for path, _, s in spec.loose
    }
    for result in results.scenarios:
        if not result.scenario:
            continue
        feature = next((f for f in spec.features if f.path == result.feature), None)
        if result.feature not in features:
            features[result.feature] = {
                "keyword": "Feature",
                "uri": result.feature.removeprefix("features/"),
                "name": feature.name if feature else result.feature,
                "id": result.feature.removeprefix("features/").lower().replace(" ", "-"),
                "line": 1,
                "description": feature.description if feature else "",
                "language": "en",
                "tags": [{"name": t, "line": 1} for t in sorted(feature.tags)] if feature else [],
                "elements": [],
            }
        failed_step = next((i for i, s in enumerate(result.steps) if s.status == "failed"), None)
        element: dict[str, Any] = {
            "keyword": "Scenario Outline" if result.example else "Scenario",
            "id": result.nodeid,
            "name": result.name,
            "line": result.line,
            "description": "",
            "tags": [
                {"name": t, "line": result.line - 1} for t in tags_of.get((result.feature, result.line), [])
            ],
            "type": "scenario",
            "steps": [
                {
                    "keyword": step.keyword,
                    "name": step.text,
                    "line": step.line,
                    "match": {"location": ""},
                    "result": {
                        "status": step.status,
                        "duration": math.floor(1e9 * step.duration),
                        **({"error_message": result.message or ""} if i == failed_step else {}),
                    },
                }
                for i, step in enumerate(result.steps)
            ],
        }
        if result.failed and failed_step is None:
            hook = HOOK_OF_PHASE.get(result.phase or "call", "after")
            element[hook] = [
                {
                    "match": {"location": f"pytest {result.phase}"},
                    "result": {"status": "failed", "duration": 0, "error_message": result.message or ""},
                }
            ]
        features[result.feature]["elements"].append(element)
    return list(features.values())


def write_cucumber(path: Path, results: Results, spec: Spec) -> Path:
    """Write :func:`cucumber_json` to ``path``."""
    path.write_text(json.dumps(cucumber_json(results, spec), indent=1), encoding="utf-8")
    return path
