"""pytest runs the suite makes of itself, in a background interpreter, read as a user reads them.

Some tests run the spec as a user would: against readers' implementations with one
mistake each (tests/test_wrong_implementations.py), to write a report for the browser
(tests/test_report.py), or collecting each command the docs show (docs/test_commands.py).
Each such run is a :class:`Run`, a list of pytest arguments; its :class:`Outcome` is what
it printed, its exit status and how many tests it selected.

A test module lists its runs in ``PYTEST_RUNS`` (a dict of :class:`Run`). When the suite
has been collected, the top-level conftest.py starts them all (:func:`start`), one after
another with ``pytest.main`` in two background interpreters taking turns (a whole-spec run
in one of its own), so the imports are paid twice, not once a run. They run at a lower
priority on the spare core while the suite runs; a test waits for its outcome
(:func:`outcome`), and the tests that wait run last.

The interpreter: ``python -m tooling.runs RUN_JSON ...``; for each run it prints a line
``==== run <index> exit <status> selected <count>``, then what pytest printed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import subprocess
import sys
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Not tooling.model's: the interpreter imports nothing of the spec before pytest.main does.
ROOT = Path(__file__).resolve().parents[2]

#: Set in the background interpreter, so that its runs never start runs of their own.
NESTED = "LINREG_SPEC_BACKGROUND_RUN"
JUDGED = re.compile(r"^judging (.*) against the article's claims", re.M)
#: A summary line of a failed test: its id starts with its claim (tooling.binding), at any width;
#: the message after " - " (the spec's headline, "claim-2.3 (holds): ...") only when it fits.
FAILURE = re.compile(r"^(?:FAILED|ERROR) [^\s:]+::(claim-\d+\.\d+)(?::| - )(.*)$", re.M)
ROOT_CAUSES = re.compile(r"^root causes: (.*)$", re.M)
#: pytest's closing line, with its separators (or without, at -q): "=== 2 failed, 3 passed in 1.2s ===".
CLOSING = re.compile(r"^(?:=+ )?(.+?) in [\d.]+s(?: \([\d:]+\))?(?: =+)?$", re.M)
SEPARATOR = re.compile(r"^==== run (\d+) exit (-?\d+) selected (-?\d+) seconds ([\d.]+)$", re.M)


@dataclass(frozen=True)
class Run:
    """One pytest invocation, by its arguments (relative to the repository root)."""

    args: tuple[str, ...]

    @classmethod
    def judging(
        cls, target: str, select: str, modules: tuple[str, ...] = (), extra: tuple[str, ...] = ()
    ) -> Run:
        """The spec run against ``target`` (``--impl``) on the claims ``select`` names.

        ``modules`` limits collection to those step modules (quicker); ``extra`` adds options.
        """
        # The second and later runs in one interpreter find the plugin already imported, which
        # pytest reports as a warning (an error under filterwarnings = error); it is harmless.
        return cls(
            (
                f"--impl={target}",
                *("-m", select, "-q", "-rfE", "-W", "ignore::pytest.PytestAssertRewriteWarning"),
                *extra,
                *modules,
            )
        )

    def with_foundations(self) -> Run:
        """The same run on its claims and every claim they build on, in their step modules only.

        So that a mistake in a more basic claim than those selected is seen, and named first
        among the root causes (tooling/causes.py), as in a run of the whole spec.
        """
        from tooling.model import build, step_module  # the spec's model: not in the background interpreter

        args = list(self.args)
        select = args.index("-m") + 1
        model = build(None)
        chosen = set(re.findall(r"claim-\d+\.\d+", args[select]))
        chosen |= {f for claim in chosen for f in model.foundations(claim)}
        order = [c.id for c in model.claims if c.id in chosen]
        args[select] = " or ".join(order)
        # The claims' step modules (collecting the whole suite, its docs and doctests, for a few
        # claims costs more than running them).
        modules = [step_module(rule.feature) for c in order for rule in model.claim(c).rules]
        args += [m for m in dict.fromkeys(modules) if m not in args]
        return Run(tuple(args))

    @property
    def whole_spec(self) -> bool:
        """Whether it runs every step module (none is named) rather than collecting only."""
        paths = [a for a in self.args if not a.startswith("-") and " " not in a and (ROOT / a).exists()]
        return not paths and "--collect-only" not in self.args


@dataclass(frozen=True)
class Outcome:
    """What one run printed and returned."""

    run: Run
    status: int
    selected: int | None
    output: str
    seconds: float = 0.0

    @property
    def judged(self) -> str:
        """The implementation the run names as judged (only for another than linreg)."""
        found = JUDGED.search(self.output)
        return found.group(1) if found else ""

    @property
    def failed_claims(self) -> set[str]:
        """The claims its failure summary lines name."""
        return {m.group(1) for m in FAILURE.finditer(self.output)}

    @property
    def root_causes(self) -> list[str]:
        """What its last ``root causes:`` line names, most basic first (empty if none)."""
        found = ROOT_CAUSES.findall(self.output)
        return found[-1].split(", ") if found else []

    @property
    def closing(self) -> str:
        """pytest's closing line, e.g. ``4 failed, 1 passed, 431 deselected``."""
        found = CLOSING.findall(self.output)
        return found[-1] if found else self.output[-500:]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    # CI=true: pytest prints summary lines whole, whatever the width; the "judged" Hypothesis
    # profile (conftest.py): quick and derandomised, so the same mistake reads the same.
    env.update({NESTED: "1", "CI": "true", "HYPOTHESIS_PROFILE": "judged", "COLUMNS": "200"})
    # pytest caches the modules it rewrites for its assertions as bytecode; an environment that
    # forbids writing bytecode makes every interpreter rewrite them again (2 s here).
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "tests"), env.get("PYTHONPATH")]))
    return env


class _Interpreter:
    """Runs under way in one background interpreter."""

    def __init__(self, runs: list[Run]) -> None:
        self.runs = runs
        command = [sys.executable, "-m", "tooling.runs", *(json.dumps(run.args) for run in runs)]
        # At a lower priority: the suite in the foreground comes first.
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=lambda: os.nice(10),
        )
        self._outcomes: dict[Run, Outcome] | None = None

    def outcomes(self, timeout: float = 600) -> dict[Run, Outcome]:
        if self._outcomes is None:
            output, _ = self.process.communicate(timeout=timeout)
            parts = SEPARATOR.split(output)
            found = {
                int(index): Outcome(self.runs[int(index)], int(status), int(selected), text, float(seconds))
                for index, status, selected, seconds, text in zip(
                    parts[1::5], parts[2::5], parts[3::5], parts[4::5], parts[5::5], strict=True
                )
            }
            # A run the interpreter never reported (it crashed) shows what it printed last.
            self._outcomes = {
                run: found.get(i, Outcome(run, -1, None, output[-3000:])) for i, run in enumerate(self.runs)
            }
        return self._outcomes


_started: dict[Run, _Interpreter] = {}


#: Interpreters the runs that are not whole-spec runs are dealt to.
SHARED_INTERPRETERS = 2


def start(runs: Iterable[Run]) -> None:
    """Start the runs not yet under way: each whole-spec run in an interpreter of its own, the
    others dealt in turn to :data:`SHARED_INTERPRETERS` more, where they run one after another,
    so their imports are paid once per interpreter.

    Several interpreters, not one: while the suite keeps one core busy they share the other,
    and once it waits for them, they have every core.
    """
    if os.environ.get(NESTED):
        return
    new = list(dict.fromkeys(run for run in runs if run not in _started))
    rest = [run for run in new if not run.whole_spec]
    groups = [[run] for run in new if run.whole_spec] + [
        rest[i::SHARED_INTERPRETERS] for i in range(SHARED_INTERPRETERS)
    ]
    for group in filter(None, groups):
        interpreter = _Interpreter(group)
        _started.update(dict.fromkeys(group, interpreter))


def outcome(run: Run) -> Outcome:
    """The outcome of ``run``, starting it if it is not under way, once it is finished."""
    start([run])
    return _started[run].outcomes()[run]


class _Selected:
    """A plugin that records how many tests a session selected, after -m, -k and --impl."""

    count: int | None = None

    def pytest_collection_finish(self, session: object) -> None:
        self.count = len(session.items)  # type: ignore[attr-defined]


def main(argv: list[str]) -> int:
    """Run each argument list with pytest.main, one after the other, and print what each said."""
    import pytest

    for index, text in enumerate(argv):
        selected, out = _Selected(), io.StringIO()
        began = time.monotonic()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                status = pytest.main(json.loads(text), plugins=[selected])
            except Exception:  # pytest lets an error in its own session finish escape
                traceback.print_exc(file=out)
                status = -1
        count = -1 if selected.count is None else selected.count
        print(f"==== run {index} exit {int(status)} selected {count} seconds {time.monotonic() - began:.1f}")
        print(out.getvalue(), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
