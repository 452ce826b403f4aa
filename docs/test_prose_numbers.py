"""Every number stated in the prose of a docs page is shown by an executed example on that page.

A number counts as shown when it is a rounding of a number that appears in one of
the page's ```python blocks (the code or its expected output, which Sybil checks).
So "the loss ends at 1392.54" needs a block printing 1392.54 (or 1392.5374...) on
the same page, and a reviewer can see the run behind each sentence.

Not checked, on purpose: small whole numbers (below 100: section numbers, "two
decimals", "ten features"), claim ids ("claim 3.3"), and formulas in ```math blocks.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent
PAGES = sorted(p for p in DOCS.glob("*.md") if p.name != "claims.md")  # claims.md is generated

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
NUMBER = re.compile(r"(?<![\w.])[-\u2212]?\d(?:[\d,_]*\d)?(?:\.\d+)?(?:e[-\u2212]?\d+)?(?![\w])", re.I)
CLAIM_REFERENCE = re.compile(r"[Cc]laims?[ -]\d+\.\d+(?:\s*(?:\u2013|-|,|and)\s*\d+\.\d+)*")
LINK_TARGET = re.compile(r"\]\([^)]*\)")


def _value(text: str) -> float:
    return float(text.replace("\u2212", "-").replace(",", "").replace("_", ""))


def _is_rounding_of(stated: str, value: float) -> bool:
    """Whether ``stated`` is ``value`` rounded to the digits ``stated`` shows."""
    target = abs(_value(stated))
    value = abs(value)
    plain = stated.lstrip("-\u2212").replace(",", "").replace("_", "")
    if "e" in plain.lower():
        mantissa = plain.lower().split("e")[0].replace(".", "")
        return float(f"{value:.{max(len(mantissa) - 1, 0)}e}") == target
    if "." in plain:
        return round(value, len(plain.split(".")[1])) == target
    zeros = len(plain) - len(plain.rstrip("0"))
    return any(round(value, -k) == target for k in range(zeros + 1))


def _stated_numbers(page: str) -> list[str]:
    prose = FENCE.sub("", page)
    prose = CLAIM_REFERENCE.sub("", LINK_TARGET.sub("]", prose))
    stated = []
    for match in NUMBER.finditer(prose):
        text = match.group()
        if "." not in text and "e" not in text.lower() and abs(_value(text)) < 100:
            continue
        stated.append(text)
    return stated


def _shown_numbers(page: str) -> list[float]:
    shown = []
    for language, body in FENCE.findall(page):
        if language == "python":
            shown += [_value(m.group()) for m in NUMBER.finditer(body)]
    return [v for v in shown if math.isfinite(v)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_number_in_the_prose_is_shown_by_an_example(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    shown = _shown_numbers(text)
    unbacked = [n for n in _stated_numbers(text) if not any(_is_rounding_of(n, v) for v in shown)]
    assert unbacked == [], f"{page.name} states numbers no example on the page shows: {unbacked}"


@pytest.mark.parametrize(
    ("stated", "value", "expected"),
    [
        ("1392.54", 1392.5374992, True),
        ("1392.55", 1392.5374992, False),
        ("52,000", 52105.13, True),
        ("1,338", 1338.07, True),
        ("1,338", 1338.6, False),
        ("200", 251.0, False),  # trailing zeros may stand for rounding, to tens or hundreds
        ("2.2e-16", 2.220446e-16, True),
        ("1e-6", 1e-06, True),
        ("\u22120.833333", -0.8333333, True),  # a typographic minus
    ],
)
def test_a_stated_number_must_round_from_a_shown_one(stated: str, value: float, expected: bool) -> None:
    assert _is_rounding_of(stated, value) is expected
