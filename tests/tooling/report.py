"""The reviewer's report: one spec run as one self-contained HTML page.

``make report`` (``pytest tests --report-html=out/report.html``) writes it at the end of the
run, and the run's Cucumber JSON beside it (``out/cucumber.json``), both from the run's one
record of every test's every phase (:mod:`tooling.results`), the record the terminal counts
from. The page is rendered with Jinja2 (autoescaping) from the same
:class:`tooling.model.Model` as the claims ledger, plus this run's results, its root causes
(:mod:`tooling.causes`) and where it ran (:class:`Provenance`). It needs no server and
nothing from the network: the styles, the filter script and the loss curve (PNGs as data
URIs, one per panel) are inside the file. It is written for any implementation that loads,
however wrong its outputs: a figure that cannot be measured or drawn says why.
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import os
import platform
import subprocess
import tempfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import jinja2

from tooling.model import ARTICLE, ROOT, VERDICTS, Claim, Model, Results, ScenarioResult, agree, step_module

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
        """passed, failed, or not-run (no test of it ran)."""
        if not self.results:
            return "not-run"
        return "failed" if any(r.failed for r in self.results) else "passed"


def title(result: ScenarioResult) -> str:
    """How the page names a test under its claim: the scenario's words (an outline's filled in),
    or a property's title without the claim it is shown under."""
    name = result.name
    for claim in result.claims:
        name = name.removeprefix(f"{claim}: ")
    return agree(name)


def count(n: int, one: str, many: str | None = None) -> str:
    """``1 claim``, ``2 claims``: the noun agreeing with the number."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


@dataclass(frozen=True)
class Figure:
    """The run's loss curve, one image per panel (so they can stack on a narrow screen), or why not."""

    panels: tuple[str, ...] = ()  # PNG data URIs
    problem: str | None = None


def _loss_curve(run: object) -> Figure:
    """The run's loss curve, drawn by linreg's own plotting code, cut into its two panels."""
    if run is None:
        return Figure()
    from linreg.plotting import plot_loss_curve

    try:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "loss_curve.png"
            plot_loss_curve(run.loss_history, path, optimum_loss=run.optimum.train_loss)  # type: ignore[attr-defined]
            png = path.read_bytes()
    except Exception as error:  # any implementation's run, however wrong: the page all the same
        return Figure(problem=f"{type(error).__name__}: {' '.join(str(error).split())}"[:300])
    return Figure(tuple("data:image/png;base64," + base64.b64encode(p).decode("ascii") for p in _panels(png)))


def _panels(png: bytes) -> list[bytes]:
    """The figure's panels as separate PNGs, cut along the widest blank band of columns near its middle.

    The figure is drawn with the panels side by side; a figure with no such band is kept whole.
    """
    import numpy as np
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = np.asarray(image)
    width = pixels.shape[1]
    blank = np.all(pixels >= 250, axis=(0, 2))
    bands, start = [], None
    for x in range(width // 3, 2 * width // 3 + 1):
        if blank[x] and start is None:
            start = x
        elif not blank[x] and start is not None:
            bands.append((start, x))
            start = None
    if not bands:
        return [png]
    left, right = max(bands, key=lambda band: (band[1] - band[0], -abs(sum(band) / 2 - width / 2)))
    cut = (left + right) // 2
    out = []
    for box in ((0, 0, cut, pixels.shape[0]), (cut, 0, width, pixels.shape[0])):
        buffer = io.BytesIO()
        image.crop(box).save(buffer, format="PNG")
        out.append(buffer.getvalue())
    return out


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
        sections.append(
            {
                "feature": feature,
                "claims": views,
                "contract": contract,
                "contract_failed": any(r.failed for _, tests in contract for r in tests),
            }
        )
    return environment.get_template("report.html.j2").render(
        article=ARTICLE,
        sections=sections,
        provenance=provenance,
        verdicts=VERDICTS,
        counts=model.counts,
        claims_total=len(model.claims),
        results=results,
        causes=model.causes,
        outside=results.outside_claims,
        figure=_loss_curve(run),
        step_module=step_module,
        title=title,
        count=count,
        agree=agree,
        root=root,
    )


def write(path: Path, model: Model, provenance: Provenance, run: object = None) -> Path:
    """Render the page into ``path`` and the run's Cucumber JSON beside it (``cucumber.json``).

    Both come from ``model.results``, the run's one record (:mod:`tooling.results`).
    Links are relative to the page.
    """
    from tooling.results import write_cucumber

    path.parent.mkdir(parents=True, exist_ok=True)
    write_cucumber(path.with_name("cucumber.json"), model.results or Results(), model.spec)
    path.write_text(render(model, provenance, run, relative_root(path)), encoding="utf-8")
    return path


def folder_problem(path: Path) -> str | None:
    """Why the page cannot be written at ``path``, in a few words, or None if it can.

    Checked before the run: the folder is made if it is missing, and a file is created and
    removed in it.
    """
    if path.is_dir():
        return "is a folder; give the path of the page to write, such as out/report.html"
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                return f"{parent} is a file, not a folder"
            break
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path.parent):
            pass
    except OSError as error:
        return f"cannot write into {path.parent} ({error.strerror or error})"
    return None


def read_cucumber(path: Path) -> Results:
    """The scenarios of a run, from the Cucumber JSON written beside its report."""
    return Results.from_cucumber(json.loads(path.read_text(encoding="utf-8")))


def relative_root(report: Path) -> str:
    """The repository root as seen from the report's folder, for links to the feature files."""
    return os.path.relpath(ROOT, report.resolve().parent).replace(os.sep, "/")
