"""What a check returns or raises: :class:`GradcheckResult`, its report, and the errors.

Every quantity in a result is labelled as what it is: ``abs`` for absolute
(in the derivative's own units), ``rel`` for relative (a pure number). The
report's columns:

* ``analytic``, ``numeric``: the derivative under test and its estimate;
* ``numeric/analytic``: their ratio (a lost factor shows as a constant, 2, ½,
  ``n``; a sign error as -1);
* ``abs error``: ``|analytic - numeric|``; ``allowed abs``: the largest ``abs error``
  that passes;
* ``rel error``: ``abs error / max(|analytic|, |numeric|)``;
* ``fd error abs``: the estimated error of ``numeric``; ``step``: the step it came from.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from linreg.gradcheck.trees import format_value

__all__ = [
    "GradcheckError",
    "GradcheckResult",
    "InputModifiedError",
    "NotSmoothEnough",
]

# The finite differences' uncertainty is SAFETY times their error estimate (see
# linreg.gradcheck.differences, and docs/gradcheck.md for the measured ratios behind it).
SAFETY = 4.0
_ROWS_SHOWN = 5


class GradcheckError(AssertionError):
    """The analytic derivative disagrees with finite differences.

    An ``AssertionError``, so pytest reports a failed check as a failed test.

    Attributes
    ----------
    result : GradcheckResult
        Every value compared.
    """

    def __init__(self, message: str, result: GradcheckResult) -> None:
        super().__init__(message)
        self.result = result


class NotSmoothEnough(ValueError):
    """``f`` is not smooth enough at ``x`` to judge a value (a kink within the smallest steps).

    The check abstains rather than raise a confident failure: finite differences
    at every step it could take disagree with each other. Check at another point.

    Attributes
    ----------
    result : GradcheckResult
        Every value compared; ``result.undecided`` names the ones it could not judge.
    """

    def __init__(self, message: str, result: GradcheckResult) -> None:
        super().__init__(message)
        self.result = result


class InputModifiedError(ValueError):
    """``f``, ``grad``, ``hess`` or ``hvp`` wrote into the copy of ``x`` it was given.

    A function that modifies its input hands its caller changed values (the
    article's loop would step from a corrupted ``w``), and makes every finite
    difference after it wrong, so the check stops at once.
    """


@dataclass(frozen=True)
class GradcheckResult:
    """Outcome of :func:`gradcheck`, :func:`hessian_check` or :func:`hvp_check`.

    The arrays are laid out like what the checked function returned: the shape
    of ``x`` for a gradient (or ``x``'s structure, with a float for each
    number), ``f``'s output shape followed by ``x``'s for a Jacobian.

    Attributes
    ----------
    passed : bool
        Every value is within its allowance (``verdict == "passed"``).
    verdict : str
        ``"passed"``, ``"failed"`` (some value is off), or ``"undecided"`` (none is
        off, but ``f`` was not smooth enough at ``x`` to judge some value).
    analytic, numeric : ndarray or tree
        The derivative under test and its finite-difference estimate.
    abs_error : ndarray or tree
        ``|analytic - numeric|``, absolute.
    rel_error : ndarray or tree
        ``abs_error / max(|analytic|, |numeric|)`` (0 where both are 0), relative.
    ratio : ndarray or tree
        ``numeric / analytic`` (NaN where ``analytic`` is 0).
    fd_error : ndarray or tree
        Estimated error of ``numeric``, absolute.
    floor : ndarray or tree
        The absolute allowance for rounding in ``f`` and in the analytic
        derivative, measured at ``x`` (see docs/gradcheck.md).
    allowed : ndarray or tree
        The largest ``abs_error`` that passes:
        ``atol + floor + rtol * |numeric| + 4 * fd_error``.
    step : ndarray or tree
        The finite-difference step behind each numeric value.
    worst_index : tuple
        The value whose error is the largest multiple of its allowance: an index
        into ``analytic`` for an array ``x``; for a structure, the keys from the
        root then the array index, such as ``('w', 2, 0)``.
    atol, rtol : float
        The tolerances used (``atol`` on top of ``floor``).
    n_failed, n_checked : int
        How many values failed, of how many.
    evaluations : int
        Calls of the differenced function (``f``, or ``grad`` for a Hessian).
    method : str
        How the numeric values were made.
    what : str
        What was checked: ``"gradient"``, ``"Jacobian"``, ``"Hessian"``,
        ``"Hessian-vector product"`` or ``"directional derivative"``.
    labels : tuple of str
        Each value's name, such as ``"x['w'][2, 0]"``, in the order of ``flat``.
    flat : dict of str to ndarray
        The same quantities as 1-d arrays in the order of ``labels``: ``analytic``,
        ``numeric``, ``ratio``, ``abs_error``, ``rel_error``, ``fd_error``,
        ``floor``, ``allowed``, ``step`` and ``settled`` (False where the steps
        disagreed with each other).
    note : str
        What else to know (how a fast check or the complex step went), or ``""``.
    """

    passed: bool
    analytic: Any
    numeric: Any
    abs_error: Any
    rel_error: Any
    worst_index: tuple[Any, ...]
    atol: float
    rtol: float
    fd_error: Any = None
    allowed: Any = None
    step: Any = None
    n_failed: int = 0
    n_checked: int = 0
    evaluations: int = 0
    method: str = ""
    what: str = "gradient"
    labels: tuple[str, ...] = field(default=(), repr=False)
    flat: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    note: str = ""
    ratio: Any = None
    floor: Any = None
    verdict: str = "passed"

    @property
    def error_ratio(self) -> float:
        """The largest ``abs_error / allowed``: above 1 means failure (a target for Hypothesis)."""
        ratio = _excess(self.flat["abs_error"], self.flat["allowed"])
        return float(ratio.max()) if ratio.size else 0.0

    @property
    def max_rel_error(self) -> float:
        """The largest ``rel_error``."""
        return float(self.flat["rel_error"].max()) if self.flat["rel_error"].size else 0.0

    def _outside(self) -> np.ndarray:
        return ~(self.flat["abs_error"] <= self.flat["allowed"])

    @property
    def failed(self) -> tuple[str, ...]:
        """Labels of the values that failed, worst first."""
        order = self._order()
        bad = (self._outside() & self._settled())[order]
        return tuple(self.labels[i] for i in order[bad])

    @property
    def undecided(self) -> tuple[str, ...]:
        """Labels of the values ``f`` was not smooth enough to judge, worst first."""
        order = self._order()
        unsure = (self._outside() & ~self._settled())[order]
        return tuple(self.labels[i] for i in order[unsure])

    def _settled(self) -> np.ndarray:
        return self.flat.get("settled", np.ones(len(self.labels), dtype=bool))

    def _order(self) -> np.ndarray:
        return np.argsort(-_excess(self.flat["abs_error"], self.flat["allowed"]), kind="stable")

    def describe(self) -> str:
        """One line on the worst value: both numbers, their ratio, its errors and what was allowed."""
        i = int(self._order()[0])
        f = self.flat
        outside = not f["abs_error"][i] <= f["allowed"][i]
        verdict = ("fails" if self._settled()[i] else "undecided") if outside else "passes"
        return (
            f"{self.labels[i]}: analytic {format_value(f['analytic'][i])}, "
            f"numeric {format_value(f['numeric'][i])}, numeric/analytic {_ratio_text(f['ratio'][i])}; "
            f"abs error {f['abs_error'][i]:.2g} against {f['allowed'][i]:.2g} allowed abs "
            f"(fd error abs {f['fd_error'][i]:.2g}, step {f['step'][i]:.2g}); "
            f"rel error {f['rel_error'][i]:.2g}; {verdict}; "
            f"{self.n_failed} of {self.n_checked} values failed"
        )

    def report(self, rows: int = _ROWS_SHOWN) -> str:
        """A summary line, then a table of the worst ``rows`` values (failed ones first).

        Parameters
        ----------
        rows : int, default 5
        """
        n = self.n_checked
        if self.verdict == "passed":
            head = f"{self.what} check passed: {n} of {n} values agree with {self.method}"
        elif self.verdict == "failed":
            verb = "disagrees" if self.n_failed == 1 else "disagree"
            head = f"{self.what} check failed: {self.n_failed} of {n} values {verb} with finite differences"
        else:
            head = _undecided_line(self)
        order = self._order()[: max(rows, 1)]
        f = self.flat
        table = [
            [
                "where",
                "analytic",
                "numeric",
                "numeric/analytic",
                "abs error",
                "allowed abs",
                "rel error",
                "fd error abs",
                "step",
            ]
        ]
        for i in order:
            table.append(
                [
                    self.labels[i],
                    format_value(f["analytic"][i]),
                    format_value(f["numeric"][i]),
                    _ratio_text(f["ratio"][i]),
                    f"{f['abs_error'][i]:.2g}",
                    f"{f['allowed'][i]:.2g}",
                    f"{f['rel_error'][i]:.2g}",
                    f"{f['fd_error'][i]:.2g}",
                    f"{f['step'][i]:.2g}",
                ]
            )
        widths = [max(len(r[c]) for r in table) for c in range(len(table[0]))]
        lines = [head]
        lines += [
            "  " + "  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in table
        ]
        if n > len(order):
            lines.append(f"  ... {n - len(order)} more value(s), all in .flat and the arrays of this result")
        lines.append(
            f"rule: abs error <= atol + floor + rtol * |numeric| + {SAFETY:g} * fd error abs, "
            f"with atol {self.atol:.3g}, rtol {self.rtol:.3g} and the floor measured from the noise of f "
            f"and grad (here {_span(f['floor'])}); numeric values by {self.method}, "
            f"{self.evaluations} evaluations"
        )
        if self.note:
            lines.append(self.note)
        return "\n".join(lines)


def _span(values: np.ndarray) -> str:
    if values.size == 0:
        return "none"
    low, high = float(values.min()), float(values.max())
    return f"{low:.2g} abs" if low == high else f"{low:.2g} to {high:.2g} abs"


def _ratio_text(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:.9g}"


def _undecided_line(result: GradcheckResult) -> str:
    where = result.undecided
    more = f" and {len(where) - 1} more" if len(where) > 1 else ""
    return (
        f"{result.what} check undecided: f is not smooth enough here to judge {where[0]}{more} "
        "(finite differences at ever smaller steps kept disagreeing: a kink near x?); check at another point"
    )


def _excess(abs_error: np.ndarray, allowed: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = abs_error / allowed
    ratio[abs_error == 0] = 0.0
    ratio[~np.isfinite(abs_error)] = np.inf
    return ratio


# Shown under the package users import them from.
for _public in (GradcheckError, NotSmoothEnough, InputModifiedError, GradcheckResult):
    _public.__module__ = "linreg.gradcheck"


# ---------------------------------------------------------------------------- comparing
@dataclass
class Comparison:
    """Flat (K,) arrays of analytic and numeric values, their errors and tolerances."""

    analytic: np.ndarray
    numeric: np.ndarray
    fd_error: np.ndarray
    step: np.ndarray
    scale: np.ndarray  # what rtol multiplies: |numeric|, or the size of a dot product's terms
    atol: np.ndarray
    floor: np.ndarray | None = None
    settled: np.ndarray | None = None


def judge(
    c: Comparison,
    *,
    atol: float,
    rtol: float,
    labels: Sequence[str],
    index: Callable[[int], tuple[Any, ...]],
    layout: Callable[[np.ndarray], Any],
    evaluations: int,
    method: str,
    what: str,
    raise_exception: bool,
    note: str = "",
) -> GradcheckResult:
    """Compare, build the result, and raise on failure (or abstention) if asked."""
    __tracebackhide__ = True
    abs_error = np.abs(c.analytic - c.numeric)
    abs_error[~np.isfinite(c.analytic)] = np.inf
    bigger = np.maximum(np.abs(c.analytic), np.abs(c.numeric))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel_error = np.where(abs_error == 0, 0.0, abs_error / bigger)
        ratio = np.where(c.analytic == 0, np.nan, c.numeric / np.where(c.analytic == 0, 1.0, c.analytic))
    floor = np.zeros_like(c.numeric) if c.floor is None else c.floor
    settled = np.ones(c.numeric.shape, dtype=bool) if c.settled is None else c.settled
    allowed = c.atol + floor + rtol * c.scale + SAFETY * c.fd_error
    outside = ~(abs_error <= allowed)
    failed = outside & settled
    unsure = outside & ~settled
    excess = _excess(abs_error, allowed)
    worst = int(np.argmax(excess))
    flat = {
        "analytic": c.analytic,
        "numeric": c.numeric,
        "ratio": ratio,
        "abs_error": abs_error,
        "rel_error": rel_error,
        "fd_error": c.fd_error,
        "floor": floor,
        "allowed": allowed,
        "step": c.step,
        "settled": settled,
    }
    verdict = "failed" if failed.any() else "undecided" if unsure.any() else "passed"
    result = GradcheckResult(
        passed=verdict == "passed",
        analytic=layout(c.analytic),
        numeric=layout(c.numeric),
        abs_error=layout(abs_error),
        rel_error=layout(rel_error),
        fd_error=layout(c.fd_error),
        allowed=layout(allowed),
        step=layout(c.step),
        worst_index=index(worst),
        atol=atol,
        rtol=rtol,
        n_failed=int(failed.sum()),
        n_checked=int(failed.size),
        evaluations=evaluations,
        method=method,
        what=what,
        labels=tuple(labels),
        flat=flat,
        note=note,
        ratio=layout(ratio),
        floor=layout(floor),
        verdict=verdict,
    )
    if raise_exception and verdict == "failed":
        raise GradcheckError(result.report(), result)
    if raise_exception and verdict == "undecided":
        raise NotSmoothEnough(_undecided_line(result), result)
    return result
