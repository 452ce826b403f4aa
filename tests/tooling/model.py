"""One model of the spec: the feature files parsed, the claims they state, what a run measured.

Every output of the spec's tooling is rendered from a :class:`Model`: the claims ledger
(:mod:`tooling.ledger`, docs/claims.md), the reviewer's report (:mod:`tooling.report`) and
the terminal reader (:mod:`tooling.plugin`). So they cannot disagree about a claim's
wording, verdict, scenarios or measured figure.

Where each part comes from:

* the claim ids and their order: the ``claim-N.M`` markers registered in pyproject.toml
  (article order); which claims each one builds on: its rule's ``Builds on:`` line, and
  from those the order most basic first (:meth:`Model.most_basic_first`) in which root
  causes are named (:mod:`tooling.causes`);
* claims in our words, verdicts, the article's words and figures, scenarios and steps: the
  feature files, read by the Gherkin parser pytest-bdd itself runs them with
  (:func:`pytest_bdd.gherkin_parser.get_gherkin_document`), never by regular expressions;
* measured figures: :data:`MEASURED`, a function of an :class:`~linreg.experiment.ArticleRun`
  per claim, computed on the implementation under test;
* results (for the report and the terminal's root causes): every test of one run, with
  the outcome of each of its phases, as the plugin recorded them (:mod:`tooling.results`).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pytest_bdd.gherkin_parser import Rule as GherkinRule
from pytest_bdd.gherkin_parser import Scenario as GherkinScenario
from pytest_bdd.gherkin_parser import get_gherkin_document

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10, where pytest brings tomli
    import tomli as tomllib

from linreg.experiment import ArticleRun

ROOT = Path(__file__).resolve().parents[2]
FEATURES = ROOT / "features"

VERDICTS = {"holds": "holds", "conditional": "holds under a condition", "erratum": "erratum"}
ARTICLE_PREFIX = "Article:"
FIGURE_PREFIX = "Article's figure:"
SECTION_PREFIX = "Article's section:"
#: A rule's foundations: ``Builds on: claim-2.1, claim-2.3``, the claims its checks rely on.
BUILDS_PREFIX = "Builds on:"
#: Tag of what only linreg promises (input checks, the CLI, ...): not judged for another implementation.
CONTRACT = "contract"
#: Tag of a scenario about the article's data or scikit-learn: the same for every implementation.
REFERENCE = "reference"

#: What the project knows of the article it audits.
ARTICLE = {
    "opening": "Linear regression is perhaps the most foundational algorithm in machine learning",
    "series": "part of a series on ml-from-scratch",
    "unknown": (
        "The project was given the article's text alone: its title, author, date and address "
        "are unknown to us. It opens with the words quoted here, describes itself as part of a "
        "series on ml-from-scratch, and its sections are the ones below."
    ),
}


# --------------------------------------------------------------------------- the feature files
@dataclass(frozen=True)
class StepRef:
    """A step as written: ``Then`` + ``the loss at epoch 1 is ...`` at a line."""

    keyword: str
    text: str
    line: int


@dataclass(frozen=True)
class ScenarioRef:
    """A scenario (or outline) as written, with the tags it inherits from its rule and feature."""

    name: str
    line: int
    tags: frozenset[str]
    keyword: str = "Scenario"
    steps: tuple[StepRef, ...] = ()
    examples: tuple[dict[str, str], ...] = ()


@dataclass
class RuleRef:
    """A ``Rule:``: one claim in our words, its verdict, the article's words, its scenarios."""

    feature: str  # relative to the repository root, e.g. features/section3_training.feature
    section: str | None
    line: int
    name: str
    tags: frozenset[str]
    article: str | None
    figure: str | None
    description: str = ""
    scenarios: list[ScenarioRef] = field(default_factory=list)

    @property
    def claims(self) -> list[str]:
        return sorted(t for t in self.tags if t.startswith("claim-"))

    @property
    def verdicts(self) -> list[str]:
        return sorted(t for t in self.tags if t in VERDICTS)

    @property
    def step_module(self) -> str:
        return step_module(self.feature)

    @property
    def builds_on(self) -> list[str]:
        """The claims this rule's checks use through the implementation (its ``Builds on:`` line)."""
        line = _description_line(self.description, BUILDS_PREFIX)
        return [part.strip() for part in line.split(",") if part.strip()] if line else []

    @property
    def explanation(self) -> str:
        """The rule's description without its ``Article:``, figure and ``Builds on:`` lines."""
        prefixes = (ARTICLE_PREFIX, FIGURE_PREFIX, BUILDS_PREFIX)
        kept = [
            line.strip() for line in self.description.splitlines() if not line.strip().startswith(prefixes)
        ]
        return " ".join(line for line in kept if line)


@dataclass(frozen=True)
class FeatureRef:
    """A feature file: its name, tags, narrative and the article section it restates."""

    path: str  # relative to the repository root
    name: str
    tags: frozenset[str]
    description: str

    @property
    def sections(self) -> list[str]:
        return sorted(t for t in self.tags if t.startswith("section-"))

    @property
    def article_section(self) -> str | None:
        """The article's title of the section this feature restates (its ``Article's section:`` line)."""
        title = _description_line(self.description, SECTION_PREFIX)
        return title.strip('"') if title else None

    @property
    def narrative(self) -> str:
        lines = [line.strip() for line in self.description.splitlines()]
        return " ".join(line for line in lines if line and not line.startswith(SECTION_PREFIX))


@dataclass
class Spec:
    """Every feature file, parsed."""

    rules: list[RuleRef]
    loose: list[tuple[str, str | None, ScenarioRef]]  # scenarios outside any Rule
    tags: dict[str, list[str]]  # every tag -> where it appears ("file:line")
    features: list[FeatureRef] = field(default_factory=list)

    def scenarios_of(self, feature: str) -> list[ScenarioRef]:
        """Every scenario of the feature file at ``feature`` (a FeatureRef's path), in file order.

        Duplicated names are kept: pytest-bdd keys scenarios by name and would hide them.
        """
        found = [s for rule in self.rules if rule.feature == feature for s in rule.scenarios]
        found += [s for path, _, s in self.loose if path == feature]
        return sorted(found, key=lambda s: s.line)

    def feature(self, path: str) -> FeatureRef:
        return next(f for f in self.features if f.path == path)


def step_module(feature: str) -> str:
    """The module that binds ``feature`` (features/X.feature -> tests/test_X.py), by convention."""
    return f"tests/test_{Path(feature).stem}.py"


def _tag_names(tags: Iterable) -> frozenset[str]:
    return frozenset(tag.name.lstrip("@") for tag in tags)


def _description_line(description: str, prefix: str) -> str | None:
    for line in description.splitlines():
        line = line.strip()
        if line.startswith(prefix):
            return line[len(prefix) :].strip()
    return None


def _steps(steps: Iterable) -> tuple[StepRef, ...]:
    return tuple(StepRef(step.keyword.strip(), step.text, step.location.line) for step in steps)


def _scenario(s: GherkinScenario, inherited: frozenset[str], background: tuple[StepRef, ...]) -> ScenarioRef:
    examples = tuple(
        {cell_h.value: cell.value for cell_h, cell in zip(block.table_header.cells, row.cells, strict=True)}
        for block in s.examples
        if block.table_header is not None
        for row in block.table_body
    )
    return ScenarioRef(
        name=s.name,
        line=s.location.line,
        tags=inherited | _tag_names(s.tags),
        keyword=s.keyword.strip(),
        steps=background + _steps(s.steps),
        examples=examples,
    )


def parse_spec(features: Path = FEATURES) -> Spec:
    """Read every ``*.feature`` under ``features`` (sorted by path, so the output is stable)."""
    rules: list[RuleRef] = []
    loose: list[tuple[str, str | None, ScenarioRef]] = []
    tags: dict[str, list[str]] = {}
    features_found: list[FeatureRef] = []

    def note(names: Iterable, path: Path) -> None:
        for tag in names:
            tags.setdefault(tag.name.lstrip("@"), []).append(f"{path.name}:{tag.location.line}")

    for path in sorted(features.glob("**/*.feature")):
        feature = get_gherkin_document(str(path)).feature
        if feature is None:
            continue
        note(feature.tags, path)
        name = f"features/{path.relative_to(features).as_posix()}"
        feature_tags = _tag_names(feature.tags)
        ref_feature = FeatureRef(
            path=name, name=feature.name.strip(), tags=feature_tags, description=feature.description
        )
        features_found.append(ref_feature)
        sections = ref_feature.sections
        section = sections[0].removeprefix("section-") if sections else None
        background: tuple[StepRef, ...] = ()
        for child in feature.children:
            if child.background is not None:
                background = _steps(child.background.steps)
            elif child.scenario is not None:
                note(child.scenario.tags, path)
                loose.append((name, section, _scenario(child.scenario, feature_tags, background)))
            elif child.rule is not None:
                rule: GherkinRule = child.rule
                note(rule.tags, path)
                rule_tags = _tag_names(rule.tags)
                ref = RuleRef(
                    feature=name,
                    section=section,
                    line=rule.location.line,
                    name=rule.name.strip(),
                    tags=feature_tags | rule_tags,
                    article=_description_line(rule.description, ARTICLE_PREFIX),
                    figure=_description_line(rule.description, FIGURE_PREFIX),
                    description=rule.description,
                )
                rule_background = background
                for grandchild in rule.children:
                    if grandchild.background is not None:
                        rule_background = background + _steps(grandchild.background.steps)
                    elif grandchild.scenario is not None:
                        note(grandchild.scenario.tags, path)
                        ref.scenarios.append(_scenario(grandchild.scenario, ref.tags, rule_background))
                rules.append(ref)
    return Spec(rules=rules, loose=loose, tags=tags, features=features_found)


_parsed: dict[tuple, Spec] = {}


def _current_spec() -> Spec:
    """:func:`parse_spec` of the feature files as they are now, parsed once per process per change.

    The spec's runs of itself share one interpreter (tooling/runs.py), and each run with a
    failure or a report builds the model.
    """
    key = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(FEATURES.glob("**/*.feature")))
    if key not in _parsed:
        _parsed.clear()
        _parsed[key] = parse_spec()
    return _parsed[key]


def registered_markers(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """Every marker registered in pyproject.toml -> its description, in the order listed there."""
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    markers: dict[str, str] = {}
    for marker in config["tool"]["pytest"]["ini_options"]["markers"]:
        name, _, description = marker.partition(":")
        markers[name.strip()] = description.strip()
    return markers


def registered_claims(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """``claim-N.M`` -> its marker description, in the order pyproject.toml lists them."""
    return {name: text for name, text in registered_markers(pyproject).items() if name.startswith("claim-")}


# --------------------------------------------------------------------------- measured figures
def _excess_drop(run: ArticleRun, start: int, stop: int) -> float:
    """Fraction by which the loss's excess over the optimum falls from epoch ``start`` to ``stop``."""
    return 1.0 - run.excess_loss(stop) / run.excess_loss(start)


def _relative_excess(run: ArticleRun, epoch: int) -> float:
    """How far the loss at ``epoch`` is above the optimum's, as a fraction of the latter."""
    return run.excess_loss(epoch) / run.optimum.train_loss


def _hessian_eigenvalues(run: ArticleRun) -> np.ndarray:
    from linreg.analysis import hessian

    return np.linalg.eigvalsh(hessian(run.split.X_train))


def _conditioning(run: ArticleRun) -> str:
    """Claim 5.4's figure: the Hessian's condition number, and what its flattest direction keeps.

    That direction shrinks by (1 - alpha lambda_min) per epoch, so after the run it still
    carries that to the power ``epochs`` of its initial error.
    """
    eigenvalues = _hessian_eigenvalues(run)
    kept = (1.0 - run.learning_rate * eigenvalues[0]) ** run.epochs
    return (
        f"condition number {_comma(eigenvalues[-1] / eigenvalues[0])}; the flattest direction keeps "
        f"{kept:.0%} of its error after {run.epochs:,} epochs"
    )


def _rises(run: ArticleRun) -> int:
    return int(np.count_nonzero(np.diff(run.loss_history) > 0))


def _sklearn(run: ArticleRun):
    if run.sklearn is None:
        raise ValueError("the ledger needs an ArticleRun made with with_sklearn=True")
    return run.sklearn


def _comma(value: float) -> str:
    return f"{value:,.0f}"


def _explained_variance(run: ArticleRun) -> float:
    import sklearn.metrics

    params = run.gradient_descent.params
    y_pred = run.split.X_test @ np.asarray(params["w"]).reshape(-1, 1) + params["b"]
    return float(sklearn.metrics.explained_variance_score(run.split.y_test, y_pred))


def _stable_rate(run: ArticleRun) -> float:
    return float(2.0 / _hessian_eigenvalues(run)[-1])


#: claim id -> the figure measured for it on a run, formatted. Rounding is chosen so the
#: text is stable across BLAS builds (no figure sits near a rounding boundary).
MEASURED: dict[str, Callable[[ArticleRun], str]] = {
    "claim-3.1": lambda r: (
        f"{len(r.split.X_train) + len(r.split.X_test)} samples, {r.split.X_train.shape[1]} features"
    ),
    "claim-3.2": lambda r: (
        "shapes "
        + ", ".join(str(a.shape) for a in (r.split.X_train, r.split.X_test, r.split.y_train, r.split.y_test))
    ),
    "claim-3.3": lambda r: f"epoch 1: {r.loss_at(1):.2f}; epoch 10,000: {r.loss_at(10_000):.2f}",
    "claim-3.4": lambda r: f"{r.loss_at(r.epochs):.2f} (optimum {r.optimum.train_loss:.2f})",
    "claim-3.5": lambda r: f"after {r.epochs:,} epochs still {r.distance_to_optimum:,.0f} from the optimum",
    "claim-4.3": lambda r: f"{r.gradient_descent.test_r2:.4f}",
    "claim-4.4": lambda r: f"{r.gradient_descent.test_mse:.2f}",
    "claim-4.5": lambda r: (
        f"explained variance {_explained_variance(r):.2f} ({_explained_variance(r):.0%}); "
        f"R^2 {r.gradient_descent.test_r2:.4f}"
    ),
    "claim-4.6": lambda r: (
        f"excess loss falls {_excess_drop(r, 10_000, 20_000):.0%} over epochs 10k-20k, "
        f"{_excess_drop(r, 190_000, 200_000):.0%} over 190k-200k"
    ),
    "claim-4.7": lambda r: f"{_rises(r)} rises in {r.epochs - 1:,} steps",
    "claim-4.8": lambda r: (
        f"final loss {r.excess_loss(r.epochs):.2f} "
        f"({_relative_excess(r, r.epochs):.1%}) above the optimum's {r.optimum.train_loss:.2f}"
    ),
    "claim-5.1": lambda r: f"{_sklearn(r).test_mse:.2f}",
    "claim-5.2": lambda r: f"{_sklearn(r).test_r2:.2f} ({_sklearn(r).test_r2:.4f} to four decimals)",
    "claim-5.3": lambda r: (
        f"test MSE {r.gradient_descent.test_mse:.2f} vs {_sklearn(r).test_mse:.2f} "
        f"({_sklearn(r).test_mse / r.gradient_descent.test_mse - 1:.1%} apart); "
        f"parameters {r.distance_to_optimum:,.0f} apart"
    ),
    "claim-5.4": _conditioning,
    "claim-5.5": lambda r: f"{r.gradient_descent.test_r2:.4f} vs {_sklearn(r).test_r2:.4f}",
    "claim-6.4": lambda r: (
        f"stable bound 2/λmax = {_stable_rate(r):.5f}; "
        f"{r.learning_rate:g} is {_stable_rate(r) / r.learning_rate:.0f} times below"
    ),
    "claim-6.5": lambda r: (
        f"loss above the optimum's: {_relative_excess(r, 10_000):.1%} after 10,000 epochs, "
        f"{_relative_excess(r, r.epochs):.1%} after {r.epochs:,}"
    ),
}


def measure(run: ArticleRun | None) -> dict[str, str]:
    """Every :data:`MEASURED` figure on ``run``; a figure the run cannot give says why."""
    if run is None:
        return {}
    measured = {}
    for claim, figure in MEASURED.items():
        try:
            measured[claim] = figure(run)
        except Exception as error:  # any implementation's run, however wrong: a page all the same
            measured[claim] = f"not measurable on this run ({_one_line(error)})"
    return measured


def _one_line(error: BaseException) -> str:
    text = " ".join(str(error).split())
    if not isinstance(error, ArithmeticError | ValueError) or not text:
        text = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return text if len(text) <= 160 else text[:159] + "…"


# --------------------------------------------------------------------------- results of a run
@dataclass(frozen=True)
class StepResult:
    """One step of one scenario in one run."""

    keyword: str
    text: str
    line: int
    status: str  # passed, failed, skipped (not reached)
    duration: float


@dataclass
class ScenarioResult:
    """One test of one run: a scenario (an outline's example), a claim's property test, or another test.

    ``feature`` and ``line`` locate a scenario in its feature file; for any other test they
    are its module and the line of its definition. ``status`` is the test's outcome over
    all its phases, as pytest counts them: ``failed`` if its setup, call or teardown failed
    (``phase`` says which), ``skipped`` if it was skipped, else ``passed``.
    """

    nodeid: str
    feature: str
    line: int
    name: str
    status: str  # passed, failed, skipped
    duration: float
    claims: list[str]
    steps: list[StepResult] = field(default_factory=list)
    message: str | None = None  # the spec-style report of a failure
    headline: str | None = None  # its one-line summary
    example: dict[str, str] | None = None
    phase: str | None = None  # where it failed: setup, call or teardown
    follows_from: str | None = None  # the root claim its error names (tooling.failures.FollowsFrom)
    scenario: bool = True  # a scenario of a feature file, or another test
    contract: bool = False  # tagged @contract: linreg's promise beyond the article

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    @property
    def subject(self) -> str:
        """What a failure of it is charged to: its first claim, else its module's path."""
        return self.claims[0] if self.claims else self.nodeid.split("::")[0]


@dataclass
class Results:
    """What one spec run did: every test pytest ran, each with its outcome over all its phases.

    Recorded by the plugin from pytest's own reports (:mod:`tooling.results`), the same
    reports the terminal counts; read back from the Cucumber JSON written beside the
    report with :meth:`from_cucumber` (scenarios only).
    """

    scenarios: list[ScenarioResult] = field(default_factory=list)
    deselected: list[tuple[str, str]] = field(default_factory=list)  # (nodeid, reason)
    #: Failures pytest counted outside any test: a module that could not be collected.
    errors: list[ScenarioResult] = field(default_factory=list)
    #: pytest's own tally, as its closing line says it ("2 failed, 31 passed, 400 deselected").
    tally: str = ""

    @classmethod
    def from_cucumber(cls, features: list[dict]) -> Results:
        """Read a Cucumber JSON: one result per scenario (an outline's example) run.

        A failure outside the steps (a ``before`` or ``after`` hook: pytest's setup or
        teardown) fails the scenario too.
        """
        scenarios = []
        for feature in features:
            path = f"features/{feature['uri']}"
            for element in feature["elements"]:
                steps, failed_at = [], None
                for i, step in enumerate(element["steps"]):
                    result = step["result"]
                    status = result["status"]
                    if failed_at is not None:
                        status = "skipped"  # pytest-bdd marks the steps after a failure failed too
                    elif status == "failed":
                        failed_at = i
                    steps.append(
                        StepResult(
                            step["keyword"].strip(),
                            step["name"],
                            step["line"],
                            status,
                            result["duration"] / 1e9,
                        )
                    )
                hooks = [(h, "setup") for h in element.get("before", [])]
                hooks += [(h, "teardown") for h in element.get("after", [])]
                failed_hook = next((h for h in hooks if h[0]["result"]["status"] == "failed"), None)
                message, phase = None, None
                if failed_at is not None:
                    message, phase = element["steps"][failed_at]["result"].get("error_message"), "call"
                elif failed_hook is not None:
                    message = failed_hook[0]["result"].get("error_message")
                    phase = failed_hook[1]
                failed = failed_at is not None or failed_hook is not None
                tags = [tag["name"].lstrip("@") for tag in element["tags"]]
                scenarios.append(
                    ScenarioResult(
                        nodeid=element["id"],
                        feature=path,
                        line=element["line"],
                        name=element["name"],
                        status="failed" if failed else "passed",
                        duration=sum(step.duration for step in steps),
                        claims=sorted(t for t in tags if t.startswith("claim-")),
                        steps=steps,
                        message=message,
                        headline=message.splitlines()[0] if message else None,
                        phase=phase,
                        contract=CONTRACT in tags,
                    )
                )
        return cls(scenarios=scenarios)

    def of_scenario(self, feature: str, line: int) -> list[ScenarioResult]:
        return [r for r in self.scenarios if r.feature == feature and r.line == line]

    def of_claim(self, claim: str) -> list[ScenarioResult]:
        return [r for r in self.scenarios if claim in r.claims]

    def count(self, status: str) -> int:
        return sum(1 for r in self.scenarios if r.status == status)

    @property
    def failures(self) -> list[ScenarioResult]:
        """Every failed test, then every collection error, in the order pytest ran them."""
        return [r for r in self.scenarios if r.failed] + self.errors

    @property
    def outside_claims(self) -> list[ScenarioResult]:
        """Failures of tests that belong to no claim and are no @contract scenario."""
        return [r for r in self.failures if not r.claims and not (r.scenario and r.contract)]

    @property
    def claims_run(self) -> set[str]:
        """The claims at least one test of which ran."""
        return {claim for r in self.scenarios for claim in r.claims}


_AFTER_ONE = re.compile(r"(?<![\d.,])1 ([a-z]+s)\b")
#: Words ending in s after a 1 that are no plural noun ("1 times the stable learning rate").
_NOT_PLURALS = {"is", "has", "was", "does", "times", "plus", "minus", "as", "this", "its", "less", "thus"}


def agree(text: str) -> str:
    """``text`` with a noun after the number 1 in the singular: an outline's example, filled in.

    >>> agree("Predicting 1 samples of 1 features, a column of 1 zeros, 1 losses, 11 values, 1 is")
    'Predicting 1 sample of 1 feature, a column of 1 zero, 1 loss, 11 values, 1 is'
    """

    def singular(match: re.Match[str]) -> str:
        word = match.group(1)
        if word in _NOT_PLURALS:
            return match.group()
        if word.endswith(("sses", "xes", "zes", "ches", "shes")):
            return f"1 {word[:-2]}"
        return f"1 {word[:-1]}"

    return _AFTER_ONE.sub(singular, text)


# --------------------------------------------------------------------------- claims
#: "to two decimals": how closely a step holds a figure; the group is what follows "to".
TOLERANCE = re.compile(
    r"\bto (the nearest whole number|rounding"
    r"|[a-z]+ (?:decimals?|significant (?:figures?|digits?)|digits))"
)
_PLACEHOLDER = re.compile(r"<(\w+)>")


def filled_in(text: str, example: dict[str, str] | None) -> str:
    """A step or scenario name of an outline with one example's values in its ``<placeholders>``.

    >>> filled_in("Predicting <n> samples of <d> features", {"n": "1", "d": "3"})
    'Predicting 1 sample of 3 features'
    """
    if not example:
        return text
    return agree(_PLACEHOLDER.sub(lambda m: example.get(m.group(1), m.group()), text))


@dataclass
class Claim:
    """A claim of the article: its id, our short wording, the rules that state it."""

    id: str
    marker: str
    rules: list[RuleRef]
    measured: str = ""

    @property
    def anchor(self) -> str:
        """``claim-3-3``: the same id in the ledger and the report."""
        return self.id.replace(".", "-")

    @property
    def section(self) -> str:
        return ", ".join(sorted({r.section or "?" for r in self.rules}))

    @property
    def verdict(self) -> str | None:
        verdicts = sorted({v for rule in self.rules for v in rule.verdicts})
        return verdicts[0] if len(verdicts) == 1 else None

    @property
    def checked(self) -> bool:
        return bool(self.rules) and any(rule.scenarios for rule in self.rules) and self.verdict is not None

    @property
    def figures(self) -> list[str]:
        return [r.figure for r in self.rules if r.figure]

    @property
    def quotes(self) -> list[str]:
        return [r.article for r in self.rules if r.article]

    @property
    def tolerances(self) -> list[str]:
        """How closely the scenarios hold the figures, in their own words: "two decimals" for
        a step that says "to two decimals", an outline's step once per example."""
        found: list[str] = []
        for rule in self.rules:
            for scenario in rule.scenarios:
                for example in scenario.examples or ({},):
                    for step in scenario.steps:
                        for phrase in TOLERANCE.findall(filled_in(step.text, example)):
                            if phrase not in found:
                                found.append(phrase)
        return found

    @property
    def builds_on(self) -> list[str]:
        """The claims its rules build on, as their ``Builds on:`` lines list them."""
        return list(dict.fromkeys(c for rule in self.rules for c in rule.builds_on))


@dataclass
class Model:
    """The spec as every output shows it."""

    spec: Spec
    claims: list[Claim]
    contract: list[RuleRef]
    results: Results | None = None
    _order: list[str] | None = field(default=None, init=False, repr=False)

    def claim(self, claim_id: str) -> Claim:
        return next(c for c in self.claims if c.id == claim_id)

    def foundations(self, claim_id: str) -> list[str]:
        """Every claim ``claim_id`` builds on, directly or through others, most basic first."""
        direct = {c.id: c.builds_on for c in self.claims}
        found: set[str] = set()
        todo = list(direct.get(claim_id, []))
        while todo:
            claim = todo.pop()
            if claim not in found and claim in direct:
                found.add(claim)
                todo.extend(direct[claim])
        return [c for c in self.most_basic_first() if c in found]

    def most_basic_first(self) -> list[str]:
        """Every claim after all it builds on, ties in article order (the order root causes are named in).

        Raises ValueError if the ``Builds on:`` lines go round in a circle.
        """
        if self._order is None:
            self._order = self._most_basic_first()
        return list(self._order)

    def _most_basic_first(self) -> list[str]:
        article = [c.id for c in self.claims]
        waiting = {c.id: {b for b in c.builds_on if b in article and b != c.id} for c in self.claims}
        order: list[str] = []
        while waiting:
            ready = [c for c in article if c in waiting and not waiting[c]]
            if not ready:
                raise ValueError(f"the Builds on: lines go round in a circle among {sorted(waiting)}")
            order.append(ready[0])
            del waiting[ready[0]]
            for needs in waiting.values():
                needs.discard(ready[0])
        return order

    @property
    def causes(self):
        """The root causes of this run's failures (:func:`tooling.causes.root_causes`)."""
        from tooling.causes import root_causes

        return root_causes(self)

    @property
    def counts(self) -> dict[str, int]:
        counts = {verdict: 0 for verdict in VERDICTS}
        counts["unchecked"] = 0
        for claim in self.claims:
            counts[claim.verdict if claim.checked and claim.verdict else "unchecked"] += 1
        return counts

    def with_verdict(self, verdict: str) -> list[Claim]:
        return [c for c in self.claims if c.checked and c.verdict == verdict]

    def sections(self) -> list[tuple[FeatureRef, list[Claim]]]:
        """The article's sections in order, each with its claims (the contract feature last, claimless)."""
        out = []
        for feature in sorted(self.spec.features, key=lambda f: (not f.sections, f.sections, f.path)):
            claims = [c for c in self.claims if any(r.feature == feature.path for r in c.rules)]
            out.append((feature, claims))
        return out


def _is_contract(rule: RuleRef) -> bool:
    return CONTRACT in rule.tags or any(CONTRACT in s.tags for s in rule.scenarios)


def build(
    run: ArticleRun | None,
    spec: Spec | None = None,
    claims: dict[str, str] | None = None,
    results: Results | None = None,
) -> Model:
    """The model of the spec, with the figures measured on ``run`` and, for a report, ``results``."""
    spec = _current_spec() if spec is None else spec
    claims = registered_claims() if claims is None else claims
    by_claim: dict[str, list[RuleRef]] = {claim: [] for claim in claims}
    contract: list[RuleRef] = []
    for rule in spec.rules:
        for claim in rule.claims:
            by_claim.setdefault(claim, []).append(rule)
        if not rule.claims and _is_contract(rule):
            contract.append(rule)
    measured = measure(run)
    return Model(
        spec=spec,
        claims=[Claim(c, claims.get(c, ""), rules, measured.get(c, "")) for c, rules in by_claim.items()],
        contract=contract,
        results=results,
    )
