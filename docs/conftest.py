"""Run the examples in the Markdown pages under docs/ as part of the test suite.

Sybil, not ``--doctest-glob``: it runs both ``>>>`` examples and plain
```python blocks in the Markdown, in one namespace per page (so a page reads
top to bottom like a notebook), and hands pytest fixtures to a page. The
experiment pages take the session fixture ``article_run`` from the top-level
conftest.py, so they reuse the suite's one 200,000-epoch run.
"""

from __future__ import annotations

from doctest import ELLIPSIS, NORMALIZE_WHITESPACE

from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

_PARSERS = [PythonCodeBlockParser(doctest_optionflags=ELLIPSIS | NORMALIZE_WHITESPACE), SkipParser()]

# Pages about the diabetes experiment read the shared run; the others must not
# pay for it (so `pytest docs/01-model-and-loss.md` stays instant).
_EXPERIMENT_PAGES = ["03-diabetes-experiment.md", "04-evaluation-and-sklearn.md", "benchmarks.md"]

pytest_collect_file = (
    Sybil(parsers=_PARSERS, patterns=_EXPERIMENT_PAGES, fixtures=["article_run"])
    + Sybil(parsers=_PARSERS, patterns=["*.md"], excludes=[*_EXPERIMENT_PAGES, "claims.md"])
).pytest()
