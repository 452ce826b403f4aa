"""pytest runs the suite makes of itself, in a background interpreter, read as a user reads them.

Some tests run the spec as a user would: against readers' implementations with one
mistake each (tests/test_wrong_implementations.py), to write a report for the browser
(tests/test_report.py), or collecting each command the docs show (docs/test_commands.py).
Each such run is a :class:`Run`, a list of pytest arguments; its :class:`Outcome` is what
it printed, its exit status and how many tests it selected.

A test module lists its runs in ``PYTEST_RUNS`` (a dict of :class:`Run`). When the suite
has been collected, the top-level conftest.py queues them all (:func:`start`); background
interpreters, one per core, take them from the queue one after another and run each with
``pytest.main``, so the imports are paid once per interpreter, not once a run, and the
runs are shared out as they finish. They run at a lower priority while the suite runs; a
test waits for its outcome (:func:`outcome`), and the tests that wait run last.

The interpreter: ``python -m tooling.runs --serve`` reads one run's arguments (JSON) per
line; ``python -m tooling.runs RUN_JSON ...`` runs those given. For each run it prints what
pytest printed, then a line ``==== run <index> exit <status> selected <count> seconds <s>``.
"""

from __future__ import annotations

import atexit
import contextlib
import io
import json
import os
import re
import subprocess
import sys
import threading
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


class _Server:
    """One background interpreter that runs what it is given, one run at a time.

    ``python -m tooling.runs --serve`` reads a run (its arguments as JSON) per line of its
    standard input and answers each with a separator line and what pytest printed. A thread
    of the suite's process feeds it the next run from the shared queue as soon as it has
    answered the last, so that every interpreter keeps busy until the queue is empty.
    """

    def __init__(self, queue: _Queue) -> None:
        self.queue = queue
        # At a lower priority: the suite in the foreground comes first.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tooling.runs", "--serve"],
            cwd=ROOT,
            env=_env(),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=lambda: os.nice(10),
        )
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        while (run := self.queue.take()) is not None:
            try:
                self.process.stdin.write(json.dumps(run.args) + "\n")
                self.process.stdin.flush()
            except OSError:
                self.queue.done(Outcome(run, -1, None, "the background interpreter has gone"))
                continue
            lines: list[str] = []
            for line in self.process.stdout:
                found = SEPARATOR.match(line)
                if found:
                    status, selected, seconds = int(found[2]), int(found[3]), float(found[4])
                    self.queue.done(Outcome(run, status, selected, "".join(lines), seconds))
                    break
                lines.append(line)
            else:  # it ended (crashed) before answering: what it printed last
                self.queue.done(Outcome(run, -1, None, "".join(lines)[-3000:]))
                break
        self.stop()

    def stop(self) -> None:
        """End the interpreter (its standard input closed, it finishes) and close its pipes."""
        for stream in (self.process.stdin, self.process.stdout):
            with contextlib.suppress(OSError):
                stream.close()  # type: ignore[union-attr]
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)


class _Queue:
    """The runs not yet taken, in the order started, and the outcomes of those finished."""

    def __init__(self) -> None:
        self.pending: list[Run] = []
        self.finished: dict[Run, Outcome] = {}
        self.known: set[Run] = set()
        self.closed = False
        self.condition = threading.Condition()

    def add(self, runs: list[Run]) -> None:
        with self.condition:
            new = [run for run in runs if run not in self.known]
            self.known.update(new)
            self.pending.extend(new)
            self.condition.notify_all()

    def take(self) -> Run | None:
        """The next run, waiting for one to be queued; None once the queue is closed."""
        with self.condition:
            self.condition.wait_for(lambda: self.pending or self.closed)
            return self.pending.pop(0) if self.pending else None

    def close(self) -> None:
        with self.condition:
            self.closed = True
            self.condition.notify_all()

    def done(self, outcome: Outcome) -> None:
        with self.condition:
            self.finished[outcome.run] = outcome
            self.condition.notify_all()

    def wait(self, run: Run, timeout: float = 600) -> Outcome:
        with self.condition:
            self.condition.wait_for(lambda: run in self.finished, timeout=timeout)
            return self.finished.get(run) or Outcome(run, -1, None, f"no outcome within {timeout:g} s")


#: Background interpreters serving the queue: one per core, so that once the suite waits for
#: its runs every core has one; while the suite still runs they share the cores with it.
SERVERS = max(2, os.cpu_count() or 2)
_queue = _Queue()
_servers: list[_Server] = []


def start(runs: Iterable[Run]) -> None:
    """Queue the runs not yet under way, and start the background interpreters if need be.

    Each interpreter takes the next run as soon as it has finished its last, so the runs are
    shared out as they finish, not dealt in advance; the imports are paid once per interpreter.
    """
    if os.environ.get(NESTED):
        return
    _queue.add(list(runs))
    while _queue.pending and len(_servers) < SERVERS:
        if not _servers:
            atexit.register(_queue.close)
        _servers.append(_Server(_queue))


def outcome(run: Run) -> Outcome:
    """The outcome of ``run``, starting it if it is not under way, once it is finished."""
    start([run])
    return _queue.wait(run)


class _Selected:
    """A plugin that records how many tests a session selected, after -m, -k and --impl."""

    count: int | None = None

    def pytest_collection_finish(self, session: object) -> None:
        self.count = len(session.items)  # type: ignore[attr-defined]


def main(argv: list[str]) -> int:
    """Run each argument list with pytest.main, one after the other, and print what each said.

    With ``--serve``, the argument lists come one per line of standard input instead.
    """
    import pytest

    runs = (line for line in sys.stdin if line.strip()) if argv == ["--serve"] else iter(argv)
    for index, text in enumerate(runs):
        selected, out = _Selected(), io.StringIO()
        began = time.monotonic()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
            try:
                status = pytest.main(json.loads(text), plugins=[selected])
            except Exception:  # pytest lets an error in its own session finish escape
                traceback.print_exc(file=out)
                status = -1
        count = -1 if selected.count is None else selected.count
        print(out.getvalue())
        print(
            f"==== run {index} exit {int(status)} selected {count} seconds {time.monotonic() - began:.1f}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
