"""A failed scenario reported in the spec's own words.

pytest would show the step function's source, its fixtures and, with ``-vv``, every value
it compared, the whole data set included. A reader of the spec wants the claim, its
verdict, the scenario, the step that failed and what it expected against what was
measured. :func:`spec_failure` builds that report; the plugin puts it in place of pytest's
(the short summary line of ``-r`` shows its first line, so the claim id is always in it).

Steps raise :class:`Mismatch` to say "expected ... measured ..." in their own words and
units; any other exception is shown by its type and first line, shortened.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Longest message a report shows; an exception's text beyond it is cut.
MAX_MESSAGE = 240
#: numpy prints long arrays on many lines of numbers; a run of them is cut to this many.
MAX_NUMBERS = 6
_NUMBER = r"[-+]?(?:\d[\d.e+-]*|nan|inf)"
_NUMBER_RUN = re.compile(rf"{_NUMBER}(?:[,\s]+{_NUMBER}){{{MAX_NUMBERS},}}")


class Mismatch(AssertionError):
    """A step measured something other than what its text states.

    Parameters
    ----------
    expected, measured : str
        In the step's own words and units, e.g. ``"15011.45"`` and ``"15011.46"``.
    """

    def __init__(self, expected: str, measured: str) -> None:
        self.expected = expected
        self.measured = measured
        super().__init__(f"expected {expected}, measured {measured}")


class FollowsFrom(AssertionError):
    """A step could not judge its claim because a more basic one is already known broken.

    Raised by the judge, never by the implementation: e.g. every scenario that trains fails
    this way when the contract probe found that ``linear_train`` returns four values.

    Parameters
    ----------
    claim : str
        The root claim, ``claim-2.5``.
    reason : str
        What is broken there, in one line: ``linear_train returns 4 values; the article's
        returns 3 (loss_his, params, grads)``.
    """

    def __init__(self, claim: str, reason: str) -> None:
        self.claim = claim
        self.reason = reason
        super().__init__(f"follows from {claim}: {reason}")


def short(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` on one line, long runs of numbers (printed arrays) elided, at most ``limit`` characters.

    >>> short("operands could not be broadcast\\ntogether")
    'operands could not be broadcast together'
    >>> short("[1. 2. 3. 4. 5. 6. 7. 8. 9.] differ")
    '[1. 2. 3. … (9 numbers)] differ'
    """
    line = " ".join(text.split())
    line = _NUMBER_RUN.sub(_elide, line)
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _elide(match: re.Match[str]) -> str:
    numbers = re.findall(_NUMBER, match.group())
    return " ".join(numbers[:3]) + f" … ({len(numbers)} numbers)"


def describe_error(error: BaseException) -> str:
    """What went wrong, on one line: a Mismatch's own words, else the exception's type and text."""
    if isinstance(error, Mismatch):
        return short(str(error))
    text = str(error).strip()
    if isinstance(error, AssertionError):
        # pytest's rewritten assertion: its first line says what was compared.
        text = text.splitlines()[0] if text else "an assertion failed"
        return short(text)
    return short(f"{type(error).__name__}: {text}" if text else type(error).__name__)


@dataclass(frozen=True)
class Crash:
    """Where the short summary and JUnit XML look for a failure's one-line message."""

    path: str
    lineno: int
    message: str


@dataclass(frozen=True)
class SpecFailure:
    """A failure report in the spec's words; pytest prints it with :meth:`toterminal`.

    Attributes
    ----------
    headline : str
        ``claim-3.3 (erratum): Then the loss at epoch 1 is 15011.45 to two decimals: expected ...``
    lines : tuple of str
        The full report, headline first.
    reprcrash : Crash
    root : str or None
        The more basic claim this failure follows from, when the error names one (a
        :class:`FollowsFrom`, or a call that crashed: its function's claim).
    """

    headline: str
    lines: tuple[str, ...]
    reprcrash: Crash
    root: str | None = None

    def toterminal(self, tw: object) -> None:
        """Write the report (pytest's TerminalWriter protocol)."""
        for i, line in enumerate(self.lines):
            tw.line(line, red=(i == 0), bold=(i == 0))  # type: ignore[attr-defined]

    def __str__(self) -> str:
        return "\n".join(self.lines)


def spec_failure(
    *,
    subject: str,
    title: str,
    step: str | None,
    error: BaseException,
    location: tuple[str, int],
    notes: list[str] | None = None,
) -> SpecFailure:
    """Build the report of a failed scenario or claim property.

    Parameters
    ----------
    subject : str
        ``claim-3.3 (erratum)``, or ``contract`` for linreg's own guarantees.
    title : str
        ``Scenario: The loss at the first epoch`` (or a property test's name).
    step : str or None
        The failed step as the feature file words it, ``Then the loss at epoch 1 is ...``.
    error : exception
        What the step raised.
    location : (path, line)
        The feature file and line of the step (or of the test).
    notes : list of str, optional
        Extra lines, e.g. Hypothesis's falsifying example; each is shortened.
    """
    what = describe_error(error)
    headline = f"{subject}: {step}: {what}" if step else f"{subject}: {what}"
    lines = [headline, f"  {title}"]
    if step:
        lines.append(f"    {step}  <- failed")
    lines.append(f"      {what}")
    lines.extend(f"      {short(note)}" for note in notes or [])
    lines.append(f"  at {location[0]}:{location[1]}")
    return SpecFailure(
        headline=headline,
        lines=tuple(lines),
        reprcrash=Crash(location[0], location[1], headline),
        root=getattr(error, "claim", None) or None,
    )
