"""The reviewer's report: one spec run as one self-contained HTML page.

``make report`` (``pytest tests --report-html=out/report.html``) writes it at the end of the
run, with the Cucumber JSON it is built from beside it (``out/cucumber.json``). The page is
rendered with Jinja2 (autoescaping) from the same :class:`tooling.model.Model` as the claims
ledger, plus this run's results and where it ran (:class:`Provenance`). It needs no server
and nothing from the network: the styles, the filter script and the loss curve (a PNG as a
data URI) are inside the file.
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import platform
import subprocess
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import jinja2

from tooling.model import ARTICLE, ROOT, VERDICTS, Claim, Model, Results, ScenarioResult, step_module

TEMPLATES = Path(__file__).parent / "templates"
PACKAGES = ("numpy", "scikit-learn", "pytest", "pytest-bdd", "hypothesis", "matplotlib")


@dataclass(frozen=True)
class Provenance:
    """Which implementation was judged, when, on what, and how long it took."""

    implementation: str
    started: str  # ISO 8601, UTC
    duration: float  # seconds
    command: str
    commit: str
    python: str
    packages: dict[str, str]
    machine: str

    @classmethod
    def collect(cls, implementation: str, started: float, command: list[str]) -> Provenance:
        now = datetime.datetime.now(tz=datetime.timezone.utc)
        return cls(
            implementation=implementation,
            started=datetime.datetime.fromtimestamp(started, tz=datetime.timezone.utc).isoformat(
                timespec="seconds"
            ),
            duration=now.timestamp() - started,
            command=" ".join(["pytest", *command]),
            commit=_commit(),
            python=platform.python_version(),
            packages={name: _version(name) for name in PACKAGES},
            machine=_machine(),
        )


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    head = git("rev-parse", "--short=12", "HEAD")
    if not head:
        return "unknown (not a git checkout)"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"{head} (with uncommitted changes)" if dirty else head


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} cores"


@dataclass
class ClaimView:
    """A claim as the page shows it: the model's claim and this run's results for it."""

    claim: Claim
    results: list[ScenarioResult] = field(default_factory=list)

    @property
    def status(self) -> str:
        """passed, failed, or not-run (no scenario of it ran)."""
        if not self.results:
            return "not-run"
        return "failed" if any(r.status == "failed" for r in self.results) else "passed"


def _loss_curve(run: object) -> str | None:
    """The run's loss curve as a PNG data URI, drawn by linreg's own plotting code."""
    if run is None:
        return None
    from linreg.plotting import plot_loss_curve

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "loss_curve.png"
        plot_loss_curve(run.loss_history, path, optimum_loss=run.optimum.train_loss)  # type: ignore[attr-defined]
        return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def render(model: Model, provenance: Provenance, run: object = None, root: str = "..") -> str:
    """The report page for ``model`` (with its results), as HTML text.

    ``run`` is the run's :class:`~linreg.experiment.ArticleRun`, for the loss curve (none if
    the run made none); ``root`` is the repository root as the page's links see it.
    """
    results = model.results or Results()
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    sections = []
    for feature, claims in model.sections():
        views = [ClaimView(c, results.of_claim(c.id)) for c in claims]
        contract = [
            (rule, [r for s in rule.scenarios for r in results.of_scenario(rule.feature, s.line)])
            for rule in model.contract
            if rule.feature == feature.path
        ]
        sections.append({"feature": feature, "claims": views, "contract": contract})
    counts = model.counts
    return environment.get_template("report.html.j2").render(
        article=ARTICLE,
        sections=sections,
        provenance=provenance,
        verdicts=VERDICTS,
        counts=counts,
        claims_total=len(model.claims),
        scenario_counts={
            "passed": results.count("passed"),
            "failed": results.count("failed"),
            "deselected": len(results.deselected),
        },
        loss_curve=_loss_curve(run),
        step_module=step_module,
        root=root,
    )


def write(path: Path, model: Model, provenance: Provenance, run: object = None) -> Path:
    """Render the page into ``path`` (its folder is created); links are relative to it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(model, provenance, run, relative_root(path)), encoding="utf-8")
    return path


def read_cucumber(path: Path) -> Results:
    """The scenarios of a run, from pytest-bdd's Cucumber JSON."""
    return Results.from_cucumber(json.loads(path.read_text(encoding="utf-8")))


def relative_root(report: Path) -> str:
    """The repository root as seen from the report's folder, for links to the feature files."""
    return os.path.relpath(ROOT, report.resolve().parent).replace(os.sep, "/")
