"""The pytest plugin of the spec: which implementation is judged, and how a run reads.

Loaded by the top-level conftest.py (``pytest_plugins``). It adds:

* ``--impl TARGET``: the implementation under test (:mod:`tooling.implementation`), offered
  to steps as the session fixture ``impl``. For anything but linreg, the tests of what only
  linreg promises are deselected, not skipped, and the run says which and why;
* the run's header names the implementation judged;
* a failed scenario is reported in the spec's words (:mod:`tooling.failures`): claim,
  verdict, scenario, step, expected against measured;
* the Cucumber JSON carries each scenario's claim and verdict tags (pytest-bdd writes only
  the scenario's own), and ``--gherkin-terminal-reporter -v`` prints each feature and rule
  once, with the claim, its verdict and the article's words, and every step with its status;
* ``--report-html PATH``: the reviewer's report of this run (:mod:`tooling.report`), with the
  Cucumber JSON beside it, both from the run's one record of every test's every phase
  (:mod:`tooling.results`), the record the terminal counts from; its folder is checked
  before anything runs;
* a run with a failure ends its summary with one line, ``root causes: claim-A, claim-B``,
  and every other failure says which of them it follows from (:mod:`tooling.causes`);
* ``--scenarios-only``: only the scenarios of the article's claims (``make spec``).
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import gherkin_terminal_reporter
from pytest_bdd.gherkin_terminal_reporter import GherkinTerminalReporter
from pytest_bdd.reporting import test_report_context_registry

from linreg.analysis import AffineGradient
from linreg.experiment import EPOCHS, LEARNING_RATE, ArticleRun, Fit, Split, load_diabetes_split
from tooling import causes, results
from tooling.failures import FollowsFrom, spec_failure
from tooling.implementation import (
    DEFAULT,
    DEFAULT_TIMEOUT,
    STRUCTURE_CLAIM,
    Implementation,
    ImplementationError,
    checkout_state,
    left_behind,
    reference_fits,
)
from tooling.model import ARTICLE_PREFIX, CONTRACT, ROOT, VERDICTS, StepResult, agree, build
from tooling.update import Update
from tooling.worker import DEFAULT_MEMORY_MB

IMPLEMENTATION = pytest.StashKey[Implementation]()
STEPS = pytest.StashKey[dict[str, list[dict[str, Any]]]]()
ARTICLE_RUN = pytest.StashKey[Any]()
STARTED = pytest.StashKey[float]()
REPORT_WRITTEN = pytest.StashKey[Path]()
VERDICT_OF = pytest.StashKey[dict[str, str]]()
CHECKOUT = pytest.StashKey[dict[str, tuple[int, int]]]()
LEFT_BEHIND = pytest.StashKey[list[str]]()
RECORDER = pytest.StashKey[results.Recorder]()
CAUSES = pytest.StashKey[causes.Causes]()
DESELECTED = pytest.StashKey[list[tuple[str, str]]]()
SCENARIOS = pytest.StashKey[set[str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("linreg spec", "the spec of the article")
    group.addoption(
        "--impl",
        default=DEFAULT,
        metavar="TARGET",
        help="the implementation to judge: an importable module name or the path of a .py file "
        "providing the article's initialize_params, linear_loss, linear_train, predict and r2_score "
        f"(default: {DEFAULT})",
    )
    group.addoption(
        "--impl-timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help="how long one call of the implementation may take before it counts as a hang; a training "
        "run may also take 20 times what its size predicts from a short timed run "
        f"(default: {DEFAULT_TIMEOUT:g})",
    )
    group.addoption(
        "--impl-memory",
        type=int,
        default=DEFAULT_MEMORY_MB,
        metavar="MB",
        help="the address-space limit of the worker process the implementation runs in "
        f"(default: {DEFAULT_MEMORY_MB})",
    )
    group.addoption(
        "--report-html",
        default=None,
        metavar="PATH",
        help="write the reviewer's report of this run, one self-contained HTML page, to PATH "
        "(and its Cucumber JSON beside it)",
    )
    group.addoption(
        "--scenarios-only",
        action="store_true",
        help="run only the scenarios of the article's claims, in article order: the spec as prose "
        "(make spec); their other tests, and every test of linreg's own, are deselected",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.option.help or config.option.version:
        return
    try:
        config.stash[IMPLEMENTATION] = Implementation.load(
            config.getoption("impl"),
            timeout=config.getoption("impl_timeout"),
            memory_mb=config.getoption("impl_memory"),
        )
    except ImplementationError as error:
        raise pytest.UsageError(str(error)) from None
    except KeyboardInterrupt:
        # The user's Ctrl-C while the implementation loads: stopped as interrupted programs are.
        pytest.exit("interrupted while loading the implementation", returncode=130)
    if not config.stash[IMPLEMENTATION].is_linreg:
        # What the checkout holds now, to find any file the implementation leaves in it.
        config.stash[CHECKOUT] = checkout_state()
        # Nothing carries over from one judged implementation to the next: no example database.
        from hypothesis import settings

        settings.register_profile("judging", settings(settings.default, database=None))
        settings.load_profile("judging")
    config.stash[DESELECTED] = []
    config.stash[STEPS] = {}
    config.stash[SCENARIOS] = set()
    config.stash[STARTED] = time.time()
    report = _report_path(config)
    if report is not None:
        from tooling.report import folder_problem

        problem = folder_problem(report)
        if problem:
            raise pytest.UsageError(f"--report-html {config.getoption('report_html')}: {problem}")
    recorder = config.stash[RECORDER] = results.Recorder(config, config.stash[STEPS])
    config.pluginmanager.register(recorder, "linreg-spec-record")
    if config.option.cucumber_json_path:
        # pytest-bdd writes the file at the very end and does not make its folder.
        Path(config.option.cucumber_json_path).resolve().parent.mkdir(parents=True, exist_ok=True)
    # pytest-bdd installs its Gherkin reporter in its own pytest_configure, which runs after
    # this one (it is trylast) and looks the class up in its module: ours is put there.
    gherkin_terminal_reporter.GherkinTerminalReporter = SpecTerminalReporter


def implementation(config: pytest.Config) -> Implementation:
    """The implementation this run judges."""
    return config.stash[IMPLEMENTATION]


def pytest_unconfigure(config: pytest.Config) -> None:
    impl = config.stash.get(IMPLEMENTATION, None)
    if impl is not None:
        impl.close()


@pytest.fixture(scope="session")
def impl(pytestconfig: pytest.Config) -> Implementation:
    """The implementation under test (``--impl``, default linreg)."""
    return implementation(pytestconfig)


# --------------------------------------------------------------------------- the session's fixtures
@pytest.fixture(scope="session")
def diabetes_split() -> Split:
    """The article's 80/20 split of the diabetes data (section 3)."""
    return load_diabetes_split()


@pytest.fixture(scope="session")
def reference(diabetes_split: Split) -> tuple[Fit, Fit]:
    """The exact least-squares model and scikit-learn's, scored by scikit-learn's metrics (cheap)."""
    return reference_fits(diabetes_split)


@pytest.fixture(scope="session")
def diabetes_optimum(reference: tuple[Fit, Fit]) -> Fit:
    """The exact least-squares model of the training rows (``numpy.linalg.lstsq``), scored."""
    return reference[0]


@pytest.fixture(scope="session")
def sklearn_fit(reference: tuple[Fit, Fit]) -> Fit:
    """scikit-learn's LinearRegression on the training rows, scored."""
    return reference[1]


@pytest.fixture(scope="session")
def article_run(
    impl: Implementation, diabetes_split: Split, reference: tuple[Fit, Fit], pytestconfig: pytest.Config
) -> ArticleRun:
    """The implementation's run of the article's 200,000 epochs at learning rate 0.01, once per session."""
    optimum, sklearn = reference
    run = impl.run_article(diabetes_split, LEARNING_RATE, EPOCHS, optimum=optimum, sklearn_fit=sklearn)
    pytestconfig.stash[ARTICLE_RUN] = run
    return run


@pytest.fixture(scope="session")
def diabetes_gradient(impl: Implementation, diabetes_split: Split) -> AffineGradient:
    """The implementation's gradient on the training rows, read off as H theta + g0 (checked affine)."""
    return AffineGradient.read_off(
        impl.gradient(diabetes_split.X_train, diabetes_split.y_train), diabetes_split.X_train.shape[1] + 1
    )


@pytest.fixture(scope="session")
def diabetes_update(impl: Implementation, diabetes_split: Split, article_run: ArticleRun) -> Update:
    """The implementation's own update on the training rows, held at every epoch to its 200,000-epoch
    run from the start that run used (:meth:`tooling.update.Update.of_article_run`)."""
    return Update.of_article_run(impl, diabetes_split, article_run)


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [f"implementation under test: {implementation(config).label}"]


def _found_at_load(impl: Implementation) -> list[str]:
    """What loading left out or changed, and what the contract probe found, a line each."""
    lines = [f"  loading it: {note}" for note in impl.notes]
    return lines + [f"  contract probe: {defect.text} ({defect.claim})" for defect in impl.defects]


def _claims_of(item: pytest.Item) -> list[str]:
    return sorted(m.name for m in item.iter_markers() if m.name.startswith("claim-"))


def not_judged(item: pytest.Item) -> str | None:
    """Why ``item`` is not judged for an implementation other than linreg, or None if it is.

    A test of a claim is judged, unless it is tagged ``@contract`` (a promise of linreg's
    beyond the article); any other test is about linreg or the spec itself, and says which
    in the first line of its module's docstring.
    """
    if item.get_closest_marker(CONTRACT) is not None:
        return "@contract: linreg's guarantees beyond the article"
    if _claims_of(item):
        return None
    path = Path(str(item.path)).resolve()
    where = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else str(path)
    if where.startswith("docs/"):
        return "docs/: linreg's executed docs"
    if isinstance(item, pytest.DoctestItem):
        return f"{Path(where).parent.as_posix()}/: docstring examples"
    about = (getattr(getattr(item, "module", None), "__doc__", None) or "").strip().splitlines()
    return f"{where}: {about[0] if about else 'a test of linreg'}"


def is_scenario(item: pytest.Item) -> bool:
    """Whether ``item`` is a scenario of a feature file (bound by :func:`tooling.binding.bind`)."""
    return hasattr(getattr(item, "obj", None), "scenario_template")


def pytest_itemcollected(item: pytest.Item) -> None:
    if is_scenario(item):
        item.config.stash[SCENARIOS].add(item.nodeid)
    if is_scenario(item) or _claims_of(item):
        # A failure of a claim's test is reported in the spec's words (pytest_runtest_makereport
        # below); pytest's own rendering of its traceback, made first, would be thrown away
        # (about a tenth of a second a failure, a fifth of a wrong implementation's run).
        item.repr_failure = _replaced_below  # type: ignore[method-assign]


def _replaced_below(excinfo: pytest.ExceptionInfo[BaseException], style: str | None = None) -> str:
    return f"{excinfo.typename}: {excinfo.value}"


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if config.getoption("scenarios_only"):
        # The article's claims as prose: their scenarios, in the order collected (the step
        # modules' names follow the article's sections); nothing else.
        kept = [item for item in items if is_scenario(item) and _claims_of(item)]
        if len(kept) < len(items):
            config.hook.pytest_deselected(items=[item for item in items if item not in kept])
            items[:] = kept
    if implementation(config).is_linreg:
        return
    kept, deselected = [], []
    for item in items:
        reason = not_judged(item)
        if reason is None:
            kept.append(item)
        else:
            deselected.append(item)
            config.stash[DESELECTED].append((item.nodeid, reason))
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


def pytest_report_collectionfinish(
    config: pytest.Config, start_path: Path, items: list[pytest.Item]
) -> list[str]:
    impl = implementation(config)
    if impl.is_linreg:
        return _found_at_load(impl)
    deselected = config.stash[DESELECTED]
    reasons = Counter(reason for _, reason in deselected)
    lines = [
        f"judging {impl.label} against the article's claims; "
        f"deselected {len(deselected)} {'test' if len(deselected) == 1 else 'tests'} "
        "of what only linreg promises:"
    ]
    lines += [f"  {count:4d}  {reason}" for reason, count in reasons.most_common()]
    return lines + _found_at_load(impl)


# --------------------------------------------------------------------------- steps and results
def pytest_bdd_before_step(request: pytest.FixtureRequest, feature, scenario, step, step_func) -> None:
    steps = request.config.stash[STEPS].setdefault(request.node.nodeid, [])
    steps.append({"step": step, "start": time.perf_counter(), "status": "failed", "duration": 0.0})


def pytest_bdd_after_step(
    request: pytest.FixtureRequest, feature, scenario, step, step_func, step_func_args
) -> None:
    current = request.config.stash[STEPS][request.node.nodeid][-1]
    current.update(status="passed", duration=time.perf_counter() - current["start"])


def pytest_bdd_step_error(
    request: pytest.FixtureRequest, feature, scenario, step, step_func, step_func_args, exception
) -> None:
    current = request.config.stash[STEPS][request.node.nodeid][-1]
    current.update(status="failed", duration=time.perf_counter() - current["start"])


def _rule_tags(context: dict) -> set[str]:
    return set(context.get("rule", {}).get("tags", [])) | set(context["feature"]["tags"])


def _verdict(tags: set[str]) -> str:
    found = sorted(tags & set(VERDICTS))
    return found[0] if found else ""


def _subject(claims: list[str], tags: set[str]) -> str:
    if claims:
        verdict = _verdict(tags)
        return f"{claims[0]} ({verdict})" if verdict else claims[0]
    return CONTRACT if CONTRACT in tags else "linreg"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    context = test_report_context_registry.get(report)
    if context is not None:
        # The claim and verdict sit on the Rule; pytest-bdd's JSON and reporter see only the
        # scenario's own tags.
        scenario = context.scenario
        scenario["tags"] = sorted(set(scenario["tags"]) | _rule_tags(scenario))
    claims = _claims_of(item)
    if report.failed and call.excinfo is not None:
        error = call.excinfo.value
        if context is not None or claims:
            error = _attributed(item.config, error)
        # The claim a failure follows from: a FollowsFrom's, or the function's whose call crashed,
        # hung or raised (read by tooling.results).
        root = getattr(error, "claim", None)
        if root:
            report.follows_from = root  # type: ignore[attr-defined]
        if context is not None or claims:
            report.longrepr = causes.outside_steps(_failure(item, error, context, claims), report.when)
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    impl = item.config.stash.get(IMPLEMENTATION, None)
    if impl is not None:
        impl.calls.clear()  # which of its functions this test calls, for _attributed


def _attributed(config: pytest.Config, error: BaseException) -> BaseException:
    """A raw error in the spec's own code, traced to what the contract probe found wrong.

    A step that gets a value the article's structure does not allow may fail in the spec's
    own arithmetic (an IndexError past a history one epoch short). When the probe found a
    defect in a function this test called, the failure follows from that defect's claim.
    """
    if getattr(error, "claim", None) or isinstance(error, AssertionError):
        return error
    impl = config.stash.get(IMPLEMENTATION, None)
    if impl is None or not impl.defects:
        return error
    called = set(impl.calls)
    defects = [d for d in impl.defects if d.function in called] or impl.defects
    order = list(STRUCTURE_CLAIM)
    defect = min(defects, key=lambda d: order.index(d.function) if d.function in order else len(order))
    raw = f"{type(error).__name__}: {error}".strip().rstrip(":")
    return FollowsFrom(defect.claim, f"{defect.text} (the step then raised {raw})")


def _verdict_of(item: pytest.Item, claim: str) -> str:
    """The verdict of ``claim``: from the item's markers, else from the feature files."""
    found = _verdict({m.name for m in item.iter_markers()})
    if found:
        return found
    config = item.config
    if VERDICT_OF not in config.stash:
        config.stash[VERDICT_OF] = {c.id: c.verdict or "" for c in build(None).claims}
    return config.stash[VERDICT_OF].get(claim, "")


def _failure(item: pytest.Item, error: BaseException, context: Any, claims: list[str]):
    notes = [note for note in getattr(error, "__notes__", []) if note.strip()]
    if context is None:  # a claim's property test
        path, line = item.location[0], (item.location[1] or 0) + 1
        return spec_failure(
            subject=_subject(claims, {_verdict_of(item, claims[0])}),
            title=item.name,
            step=None,
            error=error,
            location=(path, line),
            notes=notes,
        )
    scenario = context.scenario
    tags = set(scenario["tags"])
    failed = next((s for s in scenario["steps"] if s["failed"]), None)
    step = f"{failed['keyword']} {failed['name']}" if failed else None
    line = failed["line_number"] if failed else scenario["line_number"]
    return spec_failure(
        subject=_subject(claims, tags),
        title=f"{scenario['keyword']}: {scenario['name']}",
        step=step,
        error=error,
        location=(scenario["feature"]["rel_filename"], line),
        notes=notes,
    )


def step_results(config: pytest.Config, nodeid: str, scenario: dict) -> list[StepResult]:
    """Each step of a scenario with its status in this run: passed, failed or skipped (not reached)."""
    recorded = config.stash[STEPS].get(nodeid, [])
    steps = []
    for i, step in enumerate(scenario["steps"]):
        done = recorded[i] if i < len(recorded) else None
        steps.append(
            StepResult(
                step["keyword"],
                step["name"],
                step["line_number"],
                done["status"] if done else "skipped",
                done["duration"] if done else 0.0,
            )
        )
    return steps


# --------------------------------------------------------------------------- the reviewer's report
def _report_path(config: pytest.Config) -> Path | None:
    option = config.getoption("report_html")
    return Path(option).resolve() if option else None


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # A Ctrl-C from the user stops the run as interrupted programs do: status 130 (128 + SIGINT).
    # The implementation's own KeyboardInterrupt never gets here: it stays in its worker.
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        session.exitstatus = 130
    config = session.config
    before = config.stash.get(CHECKOUT, None)
    if before is not None:
        own = {config.option.cucumber_json_path, config.getoption("report_html")}
        own_files = {
            Path(p).resolve().relative_to(ROOT).as_posix()
            for p in own
            if p and Path(p).resolve().is_relative_to(ROOT)
        }
        left = [p for p in left_behind(before, checkout_state()) if p not in own_files]
        config.stash[LEFT_BEHIND] = left
        if left and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
    recorder = config.stash.get(RECORDER, None)
    path = _report_path(config)
    if recorder is None or config.option.collectonly:
        return
    recorded = recorder.results(session.items)
    recorded.deselected = config.stash[DESELECTED]
    if not recorded.failures and path is None:
        return
    run = config.stash.get(ARTICLE_RUN, None) if path is not None else None
    model = build(run, results=recorded)
    config.stash[CAUSES] = found = model.causes
    causes.mark(recorder.reports, found)
    if path is not None:
        from tooling import report

        provenance = report.Provenance.collect(
            implementation(config).label, config.stash[STARTED], list(config.invocation_params.args)
        )
        report.write(path, model, provenance, run)
        config.stash[REPORT_WRITTEN] = path


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    left = config.stash.get(LEFT_BEHIND, [])
    if left:
        shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
        terminalreporter.write_line(
            f"the implementation left files in the checkout: {shown}", red=True, bold=True
        )
    path = config.stash.get(REPORT_WRITTEN, None)
    if path is not None:
        terminalreporter.write_sep("-", f"reviewer's report: {path}")


@pytest.hookimpl(wrapper=True, tryfirst=True, specname="pytest_terminal_summary")
def pytest_terminal_summary_root_causes(terminalreporter, config: pytest.Config):
    # tryfirst: outside the terminal's own wrapper, so after its short test summary.
    result = yield
    found = config.stash.get(CAUSES, None)
    if found is not None and found.roots:
        for line in causes.summary(found):
            terminalreporter.write_line(line, red=True, bold=line.startswith(causes.PREFIX))
    return result


# --------------------------------------------------------------------------- the terminal reader
class SpecTerminalReporter(GherkinTerminalReporter):
    """pytest-bdd's Gherkin reporter, reading like the spec.

    Each feature and rule is printed once; a rule shows its claim, verdict and the
    article's words; at ``-v`` and above every step is printed with its status.
    """

    def __init__(self, config: pytest.Config) -> None:
        super().__init__(config)
        self.current_feature: str | None = None

    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        # pytest prints each test's location as it starts; a scenario is printed as prose instead.
        if self.verbosity > 0 and nodeid in self.config.stash[SCENARIOS]:
            return
        super().pytest_runtest_logstart(nodeid, location)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        context = test_report_context_registry.get(report)
        if self.verbosity <= 0 or context is None:
            return super().pytest_runtest_logreport(report)
        category, letter, word = self.config.hook.pytest_report_teststatus(report=report, config=self.config)
        if not letter and not word:
            return None
        if isinstance(word, tuple):
            word, markup = word
        else:
            markup = (
                {"green": True} if report.passed else {"red": True} if report.failed else {"yellow": True}
            )
        scenario = context.scenario
        self.ensure_newline()
        feature = scenario["feature"]
        if feature["name"] != self.current_feature:
            self._tw.write(f"\n{feature['keyword']}: {feature['name']}\n", blue=True, bold=True)
            self.current_feature = feature["name"]
            self.current_rule = None
        rule = scenario.get("rule")
        indent = "    " if rule else ""
        if rule and rule["name"] != self.current_rule:
            tags = set(rule["tags"])
            claims = sorted(t for t in tags if t.startswith("claim-"))
            label = " · ".join([*claims, VERDICTS.get(_verdict(tags), "")]).strip(" ·")
            self._tw.write(f"  {rule['keyword']}: {rule['name']}", purple=True)
            self._tw.write(f"  [{label}]\n" if label else "\n", bold=True)
            quote = next(
                (
                    ln.strip()
                    for ln in rule["description"].splitlines()
                    if ln.strip().startswith(ARTICLE_PREFIX)
                ),
                None,
            )
            if quote:
                self._tw.write(f"    {quote}\n")
            self.current_rule = rule["name"]
        self._tw.write(f"{indent}  {scenario['keyword']}: {agree(scenario['name'])} ", **markup)
        self._tw.write(f"{word}\n", **markup)
        marks = {"passed": ("✓", {}), "failed": ("✗", {"red": True}), "skipped": ("·", {"yellow": True})}
        for step in step_results(self.config, report.nodeid, scenario):
            mark, step_markup = marks[step.status]
            self._tw.write(f"{indent}      {mark} {step.keyword} {agree(step.text)}\n", **step_markup)
        self.stats.setdefault(category, []).append(report)
        return None
