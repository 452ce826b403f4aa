"""docs/gradcheck.md's examples run where linreg is installed, not only in a checkout.

The suite runs the page in the checkout (Sybil, docs/conftest.py). Here it runs again in
a fresh interpreter that imports linreg from a copy of what a wheel of linreg holds (the
package directory, pyproject's wheel target), in a scratch folder, with the checkout
taken off ``sys.path``: an example that reached into ``tests/`` or read a file of the
checkout would fail here, as it would for a user who installed the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "gradcheck.md"

RUN_THE_PAGE = """
import sys
from pathlib import Path

checkout, site, page = (Path(arg).resolve() for arg in sys.argv[1:4])
environment = Path(sys.prefix).resolve()  # the virtual environment, which may sit inside the checkout


def in_checkout(path):
    path = Path(path or ".").resolve()
    return path.is_relative_to(checkout) and not path.is_relative_to(environment)


sys.path[:] = [p for p in sys.path if not in_checkout(p)]

from doctest import ELLIPSIS, NORMALIZE_WHITESPACE

from sybil import Sybil
from sybil.parsers.markdown import PythonCodeBlockParser, SkipParser

import linreg

assert Path(linreg.__file__).resolve().is_relative_to(site), linreg.__file__
flags = ELLIPSIS | NORMALIZE_WHITESPACE
sybil = Sybil(parsers=[PythonCodeBlockParser(doctest_optionflags=flags), SkipParser()])
examples = 0
for example in sybil.parse(page):
    example.evaluate()
    examples += 1
leaked = sorted(
    name for name, module in sys.modules.items()
    if getattr(module, "__file__", None) and in_checkout(module.__file__)
)
assert not leaked, leaked
print(examples, "examples")
"""


def test_the_gradcheck_page_runs_against_an_installed_copy(tmp_path: Path) -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = config["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"]
    site = tmp_path / "site"
    for package in packages:
        shutil.copytree(ROOT / package, site / package, ignore=shutil.ignore_patterns("__pycache__"))
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env["PYTHONPATH"] = str(site)
    run = subprocess.run(
        [sys.executable, "-c", RUN_THE_PAGE, str(ROOT), str(site), str(PAGE)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    examples = int(run.stdout.split()[0])
    assert examples >= 100  # every example of the page ran (a skipped page would run none)
