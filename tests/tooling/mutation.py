"""Judging power, measured by a mutation-testing engine: ``make mutation``.

`cosmic-ray <https://cosmic-ray.readthedocs.io>`_ makes small changes to a right
implementation of the article's five functions, one change per mutant (an arithmetic or
comparison operator swapped, a number nudged, a loop emptied, ``break`` for ``continue``...),
and runs the spec against each mutant: ``pytest -x -q --impl=MUTANT``. A mutant is *killed*
when that run fails (any non-zero exit status, or no end within the time limit), and
*survives* when the whole spec passes it. The score is killed / (killed + survived).

The engine mutates a copy, out/mutation/<name>.py, beside its configuration and session
database: the file in the checkout is never written, however the run ends. Only the exit
status of ``pytest --impl=...`` decides; the first claim a killed mutant fails is read from
pytest's summary line for the overview only. Mutants run one at a time (about five seconds
each); the unmutated copy is judged first and must pass.

Usage: ``PYTHONPATH=tests python -m tooling.mutation [TARGET]`` (default
tests/implementations/reader.py). Prints the score, which claims killed how many mutants,
and every survivor with its change; writes every mutant's line to out/mutation/mutants.txt.
Exits 1 if the unmutated copy fails, a mutant could not be judged, or the score is below
95 %.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "out" / "mutation"
DEFAULT_TARGET = ROOT / "tests" / "implementations" / "reader.py"
GOAL = 0.95
#: Seconds for one judged run (about 5 s on 2 shared cores); a mutant that takes longer is killed.
TIMEOUT = 120.0

# The judge's profile (conftest.py): derandomised Hypothesis, no example database, so that one
# mutant's failing examples are not replayed against the next and nothing is written into the
# checkout. CI=true and COLUMNS: pytest prints its summary lines whole.
ENVIRONMENT = {"HYPOTHESIS_PROFILE": "judged", "CI": "true", "COLUMNS": "300"}
FIRST_CLAIM = re.compile(r"^(?:FAILED|ERROR) .*? - (claim-\d+\.\d+)\b", re.M)


@dataclass(frozen=True)
class Mutant:
    """One mutant and what the spec made of it.

    ``outcome`` is cosmic-ray's: "killed", "survived" or "incompetent" (the engine could not
    judge it); "pending" if it was not run.
    """

    line: int
    operator: str
    function: str
    outcome: str
    killed_by: str
    change: str

    def describe(self) -> str:
        """One line: where, which operator, the change, and what killed it.

        >>> Mutant(12, "core/NumberReplacer", "linear_loss", "survived", "",
        ...        "-    n = X.shape[0]\\n+    n = X.shape[1]").describe()
        'line 12  linear_loss  core/NumberReplacer  survived  `n = X.shape[0]` -> `n = X.shape[1]`'
        """
        removed = [line[1:].strip() for line in self.change.splitlines() if line.startswith("-")]
        added = [line[1:].strip() for line in self.change.splitlines() if line.startswith("+")]
        what = " / ".join(f"`{r}` -> `{a}`" for r, a in zip(removed, added, strict=False))
        tail = f"  killed by {self.killed_by}" if self.outcome == "killed" else f"  {self.outcome}"
        return f"line {self.line}  {self.function}  {self.operator}{tail}  {what}".rstrip()


def killed_by(output: str) -> str:
    """What a killed mutant's run says first: a claim, a time-out, or its last line.

    >>> killed_by("F\\nFAILED tests/test_x.py::Scenario: s - claim-2.3 (holds): Then dw ...\\n1 failed")
    'claim-2.3'
    >>> killed_by("timeout")
    'the time limit'
    >>> killed_by("ERROR: --impl out/x.py: importing it raised SyntaxError\\n")
    'no claim: ERROR: --impl out/x.py: importing it raised SyntaxError'
    """
    if output.strip() == "timeout":
        return "the time limit"
    match = FIRST_CLAIM.search(output)
    if match:
        return match.group(1)
    lines = [line for line in output.splitlines() if line.strip()]
    return "no claim: " + (lines[-1].strip()[:160] if lines else "no output")


def mutants_of(dump: str) -> list[Mutant]:
    """The mutants in ``cosmic-ray dump``'s output (one JSON pair per line), by line.

    >>> item = {"job_id": "a", "mutations": [{"module_path": "r.py", "start_pos": [12, 4],
    ...         "end_pos": [12, 5], "operator_name": "core/NumberReplacer", "occurrence": 0,
    ...         "operator_args": {}, "definition_name": "linear_loss"}]}
    >>> result = {"worker_outcome": "normal", "test_outcome": "killed",
    ...           "output": "FAILED t.py::Scenario: s - claim-1.2 (holds): ...", "diff": ""}
    >>> [m.killed_by for m in mutants_of(json.dumps([item, result]) + "\\n")]
    ['claim-1.2']
    """
    mutants = []
    for text in dump.splitlines():
        if not text.strip():
            continue
        item, result = json.loads(text)
        (mutation,) = item["mutations"]
        outcome = "pending" if result is None else result["test_outcome"] or result["worker_outcome"]
        output = "" if result is None else result.get("output") or ""
        diff = "" if result is None else result.get("diff") or ""
        change = "\n".join(
            line for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))
        )
        mutants.append(
            Mutant(
                line=mutation["start_pos"][0],
                operator=mutation["operator_name"],
                function=mutation.get("definition_name") or "(module)",
                outcome=outcome,
                killed_by=killed_by(output) if outcome == "killed" else "",
                change=change,
            )
        )
    return sorted(mutants, key=lambda m: (m.line, m.operator))


#: cosmic-ray's command line, run by this interpreter (whose environment has it installed).
COSMIC_RAY = [sys.executable, "-c", "import sys; from cosmic_ray.cli import main; sys.exit(main())"]


def _cosmic_ray(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COSMIC_RAY, *args], cwd=ROOT, capture_output=True, text=True, check=False)


def _write_config(copy: Path, config: Path) -> str:
    test_command = shlex.join(
        [
            "env",
            *(f"{k}={v}" for k, v in ENVIRONMENT.items()),
            sys.executable,
            "-m",
            "pytest",
            "-x",
            "-q",
            f"--impl={copy}",
            "-p",
            "no:randomly",
        ]
    )
    config.write_text(
        "[cosmic-ray]\n"
        f"module-path = {json.dumps(str(copy))}\n"
        f"timeout = {TIMEOUT}\n"
        "excluded-modules = []\n"
        f"test-command = {json.dumps(test_command)}\n"
        "\n[cosmic-ray.distributor]\n"
        'name = "local"\n',
        encoding="utf-8",
    )
    return test_command


def _count_results(session: Path) -> int | None:
    import sqlite3

    try:
        with sqlite3.connect(f"file:{session}?mode=ro", uri=True) as db:
            return int(db.execute("SELECT COUNT(*) FROM work_results").fetchone()[0])
    except sqlite3.Error:
        return None


def main(argv: list[str]) -> int:
    target = Path(argv[0]).resolve() if argv else DEFAULT_TARGET
    started = time.monotonic()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    copy, config, session = WORK / target.name, WORK / "cosmic-ray.toml", WORK / "session.sqlite"
    shutil.copyfile(target, copy)
    test_command = _write_config(copy, config)
    sys.path.insert(0, str(ROOT / "tests" / "benchmarks"))
    from benchmark_machine import line

    print(f"machine: {line()}, cosmic-ray {version('cosmic-ray')}")
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    shown = target.relative_to(ROOT) if target.is_relative_to(ROOT) else target
    print(f"mutating {copy.relative_to(ROOT)}, a copy of {shown}")
    print(f"each mutant judged by: {test_command}")

    # The unmutated copy must pass, else every mutant would count as killed. Run as cosmic-ray runs
    # it, without writing bytecode: no cached compilation of the unmutated file is left behind.
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = shlex.split(test_command)
    baseline = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False)
    if baseline.returncode != 0:
        print(baseline.stdout[-3000:] + baseline.stderr[-2000:])
        print(f"the spec fails the unmutated copy (exit status {baseline.returncode}): no score")
        return 1

    init = _cosmic_ray("init", str(config), str(session))
    if init.returncode != 0:
        print(init.stdout + init.stderr)
        return 1
    total = len(_cosmic_ray("dump", str(session)).stdout.splitlines())
    print(f"{total} mutants, judged one at a time; progress every minute")

    execution = subprocess.Popen([*COSMIC_RAY, "exec", str(config), str(session)], cwd=ROOT)
    try:
        while True:
            try:
                execution.wait(timeout=60)
                break
            except subprocess.TimeoutExpired:
                done = _count_results(session)
                if done is not None:
                    print(f"  {done}/{total} judged, {time.monotonic() - started:.0f} s", flush=True)
    except KeyboardInterrupt:
        # cosmic-ray, interrupted too, restores its copy; the checkout's file was never written.
        execution.wait()
        print(f"interrupted: partial results in {session.relative_to(ROOT)}")
        return 130
    if execution.returncode != 0:
        print(f"cosmic-ray exec stopped (status {execution.returncode}): partial results in {session}")
        return 130 if execution.returncode == 130 else 1

    mutants = mutants_of(_cosmic_ray("dump", str(session)).stdout)
    elapsed = time.monotonic() - started
    (WORK / "mutants.txt").write_text("".join(m.describe() + "\n" for m in mutants), encoding="utf-8")
    return report(mutants, elapsed)


def report(mutants: list[Mutant], elapsed: float) -> int:
    """Print the score, the claims that killed, and each survivor; the exit status."""
    outcomes = Counter(m.outcome for m in mutants)
    killed, survived = outcomes["killed"], outcomes["survived"]
    judged = killed + survived
    score = killed / judged if judged else 0.0
    print("\nkilled by (the first failure of the run):")
    for cause, count in Counter(m.killed_by for m in mutants if m.outcome == "killed").most_common():
        print(f"  {count:4}  {cause}")
    print(f"\nsurvivors ({survived}):")
    print("\n".join(f"  {m.describe()}" for m in mutants if m.outcome == "survived") or "  none")
    unjudged = [m for m in mutants if m.outcome not in ("killed", "survived")]
    if unjudged:
        print(f"\nnot judged ({len(unjudged)}):")
        print("\n".join(f"  {m.describe()}" for m in unjudged))
    print(f"\nall mutants: {(WORK / 'mutants.txt').relative_to(ROOT)}")
    print(f"wall time {elapsed:.0f} s, load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"mutation score: {killed}/{judged} killed = {100 * score:.1f} % (goal {100 * GOAL:.0f} %)")
    return 0 if judged and not unjudged and score >= GOAL else 1


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        # cosmic-ray restores its copy itself; the checkout's file is never written.
        sys.exit(130)
