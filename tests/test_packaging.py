"""The core needs numpy alone; the experiment's libraries stay optional extras."""

from __future__ import annotations

import ast
import subprocess
import sys
from importlib.metadata import requires

from packaging.requirements import Requirement

OPTIONAL = {"sklearn", "matplotlib", "tqdm", "hypothesis", "pytest", "pytest_bdd", "sybil"}


def test_numpy_is_the_only_run_time_dependency():
    core = [Requirement(r) for r in requires("linreg") or [] if "extra ==" not in r]
    assert [r.name for r in core] == ["numpy"]


def test_importing_linreg_loads_none_of_the_optional_libraries():
    # A fresh interpreter: this test process has imported all of them already.
    code = "import sys, linreg; print(sorted({m.split('.')[0] for m in sys.modules}))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert OPTIONAL.isdisjoint(ast.literal_eval(loaded.stdout))
