"""The distribution: its name, its extras, and how the docs tell a user to install it.

The import package and the command are ``linreg``; the distribution is ``linreg-audit``,
because the name ``linreg`` on the package index belongs to another project (which pins
scikit-learn 1.1.0 and numpy 1.22.3). This one is not published, so nothing may send a user
to the index for it: not a doc, not a message, not an extra that names the project.
"""

from __future__ import annotations

import ast
import re
import shlex
import subprocess
import sys
from importlib.metadata import requires
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

DISTRIBUTION = "linreg-audit"
#: Names the index would resolve to another project's code, or to nothing yet.
OURS = {canonicalize_name("linreg"), canonicalize_name(DISTRIBUTION)}
OPTIONAL = {"sklearn", "matplotlib", "tqdm", "hypothesis", "pytest", "pytest_bdd", "sybil"}
ROOT = Path(__file__).resolve().parents[1]


def extra(name: str) -> set[Requirement]:
    """The requirements of one extra, as the installed metadata lists them."""
    found = (Requirement(r) for r in requires(DISTRIBUTION) or [])
    return {r for r in found if r.marker is not None and r.marker.evaluate({"extra": name})}


def as_strings(requirements: set[Requirement]) -> set[str]:
    return {f"{canonicalize_name(r.name)}{r.specifier}" for r in requirements}


def test_numpy_is_the_only_run_time_dependency():
    core = [Requirement(r) for r in requires(DISTRIBUTION) or [] if "extra ==" not in r]
    assert [r.name for r in core] == ["numpy"]


def test_no_extra_names_the_project_through_the_index():
    # `linreg[reproduce]` inside an extra would be resolved on the index: another project.
    every = {Requirement(r) for r in requires(DISTRIBUTION) or []}
    assert not {canonicalize_name(r.name) for r in every} & OURS


@pytest.mark.parametrize(("larger", "smaller"), [("spec", "reproduce"), ("dev", "spec")])
def test_each_extra_holds_the_one_it_builds_on(larger, smaller):
    # Listed out in pyproject.toml, where they once named each other through the index.
    assert as_strings(extra(smaller)) <= as_strings(extra(larger))


#: ``pip install`` and what follows it on the line, up to a closing quote or backtick.
PIP_INSTALL = re.compile(r"pip install ([^`\n]*)")


def install_instructions() -> list[tuple[str, str]]:
    """Every ``pip install ...`` in the README, the docs, the package and the command's script."""
    sources = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    sources += [*sorted((ROOT / "linreg").rglob("*.py")), ROOT / "scripts" / "linreg.py"]
    return [
        (str(source.relative_to(ROOT)), match.group(1))
        for source in sources
        for match in PIP_INSTALL.finditer(source.read_text(encoding="utf-8"))
    ]


def index_names(arguments: str) -> set[str]:
    """The names in ``pip install ARGUMENTS`` that pip would look up on the index."""
    try:
        words = shlex.split(arguments.replace("\\'", "'"), comments=True)
    except ValueError:  # an unbalanced quote in prose: take the words as they are
        words = arguments.split()
    names = set()
    for word in words:
        word = word.strip("'\"`").rstrip("),;")
        if not word or word.startswith(("-", ".", "/")) or "/" in word or ".whl" in word:
            continue  # an option, or a path: a checkout, a wheel
        try:
            names.add(canonicalize_name(Requirement(word).name))
        except InvalidRequirement:
            continue  # prose after the command: "(or pip install hypothesis)"
    return names


def test_the_docs_show_how_to_install_from_a_checkout():
    assert any(source == "README.md" and "/path/to/" in args for source, args in install_instructions())


def test_nothing_tells_a_user_to_install_the_project_from_the_index():
    shown = install_instructions()
    assert shown  # the README shows how to install from a checkout
    assert [(source, args) for source, args in shown if index_names(args) & OURS] == []


@pytest.mark.parametrize(
    ("arguments", "names"),
    [
        ("'linreg[reproduce]'", {"linreg"}),
        ('"linreg-audit[hypothesis]"', {"linreg-audit"}),
        ('-e ".[reproduce]"', set()),
        ('"/path/to/linreg[reproduce]"', set()),
        ('"dist/linreg_audit-0.1.0-py3-none-any.whl[reproduce]"', set()),
        ("scikit-learn matplotlib tqdm", {"scikit-learn", "matplotlib", "tqdm"}),
    ],
)
def test_the_check_tells_an_index_name_from_a_path(arguments, names):
    assert index_names(arguments) == names


def test_importing_linreg_loads_none_of_the_optional_libraries():
    # A fresh interpreter: this test process has imported all of them already.
    code = "import sys, linreg; print(sorted({m.split('.')[0] for m in sys.modules}))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert OPTIONAL.isdisjoint(ast.literal_eval(loaded.stdout))


def test_the_installed_command_is_the_guarded_script():
    # pip writes scripts/linreg.py to the environment's bin/linreg with its own interpreter
    # on the first line; the rest is the script as it is in the checkout.
    installed = Path(sys.executable).parent / "linreg"
    source = (ROOT / "scripts" / "linreg.py").read_text(encoding="utf-8")
    assert installed.read_text(encoding="utf-8").split("\n", 1)[1] == source.split("\n", 1)[1]


def test_the_wheel_the_readme_installs_is_this_version():
    import linreg

    wheels = set(re.findall(r"linreg_audit-[^\s\"']*\.whl", (ROOT / "README.md").read_text(encoding="utf-8")))
    assert wheels == {f"linreg_audit-{linreg.__version__}-py3-none-any.whl"}
