"""The root causes of a run's failures: the broken claims every other failure follows from.

One mistake in an implementation fails many scenarios: a loss without its ½ fails claim
1.2, and with it every claim whose checks use that loss (the gradients of claim 2.3 are
no longer its derivatives, every figure of a training run moves). Each rule says what it
builds on (its ``Builds on:`` line, :attr:`tooling.model.Claim.builds_on`), so a run's
failures can be sorted into:

* **root causes**: the claims that failed while none of the claims they build on, directly
  or through others, failed; and the claims a :class:`tooling.failures.FollowsFrom` error
  names (the judge found them broken, e.g. by probing the implementation's contract at
  load), whether or not a test of theirs ran. Most basic first
  (:meth:`tooling.model.Model.most_basic_first`: each claim after what it builds on, ties
  in article order). A failed test that belongs to no claim is a root of its own, named by
  its module;
* every other failure, which **follows from** the roots among its claim's foundations.

The terminal ends its summary with :attr:`Causes.line` and marks each other failure with
the roots it follows from; the report opens with the same line (:mod:`tooling.plugin`,
:mod:`tooling.report`). Only what ran is known: a root whose foundations were not selected
(``-m claim-3.3``) is listed with them in :attr:`Causes.unchecked`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from tooling.failures import SpecFailure
from tooling.model import Model, ScenarioResult

PREFIX = "root causes: "


@dataclass(frozen=True)
class Causes:
    """What one run's failures come down to.

    Attributes
    ----------
    roots : list of str
        The root causes, most basic first: claim ids, then the modules of failed tests that
        belong to no claim.
    follows : dict
        Node id of each failed test that is not a root's own failure -> the roots it follows from.
    unchecked : dict
        Root claim -> the claims it builds on of which no test ran in this run.
    """

    roots: list[str] = field(default_factory=list)
    follows: dict[str, list[str]] = field(default_factory=dict)
    unchecked: dict[str, list[str]] = field(default_factory=dict)

    @property
    def line(self) -> str:
        """``root causes: claim-1.2, claim-4.1``, or empty when nothing failed."""
        return f"{PREFIX}{', '.join(self.roots)}" if self.roots else ""

    def of(self, result: ScenarioResult) -> list[str]:
        """The roots a failed test follows from; empty for a root's own failure."""
        return self.follows.get(result.nodeid, [])


def root_causes(model: Model) -> Causes:
    """The root causes of the failures in ``model.results`` (see the module's docstring)."""
    results = model.results
    if results is None or not results.failures:
        return Causes()
    failures = results.failures
    broken = {claim for r in failures if r.follows_from is None for claim in r.claims}
    broken |= {r.follows_from for r in failures if r.follows_from is not None}
    order = model.most_basic_first()
    order += sorted(c for c in broken if c not in order)  # named by FollowsFrom, unknown to the model
    below = {claim: set(model.foundations(claim)) for claim in broken}
    claim_roots = [c for c in order if c in broken and not below[c] & broken]

    def roots_below(claims: list[str]) -> list[str]:
        under = set().union(*(set(model.foundations(c)) for c in claims))
        return [c for c in claim_roots if c in under]

    follows: dict[str, list[str]] = {}
    for result in failures:
        if result.follows_from is not None:
            root = result.follows_from
            follows[result.nodeid] = [root] if root in claim_roots else roots_below([root])
        elif result.claims and not set(result.claims) & set(claim_roots):
            follows[result.nodeid] = roots_below(result.claims)
    others = list(dict.fromkeys(r.subject for r in failures if not r.claims))
    ran = results.claims_run
    unchecked = {
        root: missing
        for root in claim_roots
        if (missing := [c for c in model.foundations(root) if c not in ran and c not in broken])
    }
    return Causes(roots=claim_roots + others, follows=follows, unchecked=unchecked)


# --------------------------------------------------------------------------- in the terminal
def summary(causes: Causes) -> list[str]:
    """The last lines of a failed run's terminal summary; the very last is :attr:`Causes.line`.

    Before it, for each root whose foundations this run did not select, a line naming them.
    """
    lines = [
        f"{root} builds on {', '.join(missing)}, which this run did not check: select them too "
        "to see whether the cause lies there"
        for root, missing in causes.unchecked.items()
    ]
    return [*lines, causes.line]


def follows_note(roots: list[str]) -> str:
    return f"[follows from {', '.join(roots)}]"


def mark(reports: dict[str, list[Any]], causes: Causes) -> None:
    """Mark each failure that is not a root cause's own with the roots it follows from.

    Its long report gains a line ``follows from claim-1.2, a root cause of this run``; its
    one-line message (pytest's ``FAILED`` line) ends with ``[follows from claim-1.2]``,
    unless it already names that root (a :class:`tooling.failures.FollowsFrom` error).
    The headline itself is left as it is.
    """
    for nodeid, roots in causes.follows.items():
        if not roots:
            continue
        for report in reports.get(nodeid, []):
            if report.failed:
                report.longrepr = _marked(report.longrepr, roots)


def _marked(longrepr: Any, roots: list[str]) -> Any:
    kind = "a root cause" if len(roots) == 1 else "root causes"
    note = f"  follows from {', '.join(roots)}, {kind} of this run"
    if not isinstance(longrepr, SpecFailure):
        return f"{longrepr}\n{note}" if longrepr is not None else note
    message = longrepr.reprcrash.message
    if not (len(roots) == 1 and f"follows from {roots[0]}" in message):
        message = f"{message} {follows_note(roots)}"
    lines = (*longrepr.lines[:-1], note, longrepr.lines[-1])
    return replace(longrepr, lines=lines, reprcrash=replace(longrepr.reprcrash, message=message))


def outside_steps(failure: SpecFailure, when: str) -> SpecFailure:
    """``failure`` saying that it happened in pytest's ``when`` phase, when that is not the call."""
    if when == "call":
        return failure
    where = {"setup": "before its first step", "teardown": "after its last step"}.get(when, when)
    lines = (*failure.lines[:2], f"    failed {where}, in pytest's {when}", *failure.lines[2:])
    return replace(failure, lines=lines)
