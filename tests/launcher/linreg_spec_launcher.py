"""``pytest --impl PATH``: the spec of this checkout judges PATH, from any folder, with or without ``=``.

pytest picks its root folder and its configuration file from the paths on its command line
before it loads any plugin of the project (``determine_setup`` in ``Config.parse``, long
before the conftest that defines ``--impl``). In ``pytest --impl /elsewhere/mine.py`` it
takes ``/elsewhere/mine.py`` for a test path (pytest issue 8846), and from a folder outside
the checkout it finds no configuration at all: either way the project's conftest never
loads, and the run ends in ``unrecognized arguments: --impl``.

This module is a pytest plugin installed by ``make setup`` as a distribution of its own
(tests/launcher/pyproject.toml, entry point ``pytest11``), so pytest loads it at startup,
after choosing its configuration and before the conftests. If the command line gives
``--impl`` and pytest did not choose this checkout's configuration, it runs pytest again, in
the same process (``exec``) and from the same folder, with that configuration, this
checkout as the root folder, ``--impl=`` and the target's absolute path, and the checkout's
test folders unless the command line names tests of its own. Called from Python
(``pytest.main``), where replacing the process would end the caller, it answers instead in
one line with the command that works. Otherwise it does nothing.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10, where pytest brings tomli
    import tomli as tomllib

#: The checkout this plugin belongs to (it is installed from tests/launcher/ in it, editable).
CHECKOUT = Path(__file__).resolve().parents[2]
CONFIG = CHECKOUT / "pyproject.toml"
#: Set in the run started again, so that it never starts another.
AGAIN = "LINREG_SPEC_IMPL_RELAUNCHED"


def impl_argument(args: list[str]) -> tuple[int, int, str | None]:
    """Where ``--impl`` is in ``args`` (its index and how many tokens it takes) and its value.

    >>> impl_argument(["-q", "--impl", "mine.py"]), impl_argument(["--impl=mine.py"])
    ((1, 2, 'mine.py'), (0, 1, 'mine.py'))
    """
    for i, arg in enumerate(args):
        if arg == "--impl":
            return (i, 2, args[i + 1]) if i + 1 < len(args) else (i, 1, None)
        if arg.startswith("--impl="):
            return i, 1, arg.partition("=")[2]
    return -1, 0, None


def _target(value: str) -> str:
    """A path made absolute (the run may start from another folder's point of view); a module name as is."""
    path = Path(value).expanduser()
    if value.endswith(".py") or "/" in value or os.sep in value or path.exists():
        return str(path.resolve())
    return value


def command(args: list[str], parser: pytest.Parser) -> list[str]:
    """The pytest arguments that judge ``args``'s ``--impl`` target with this checkout's spec."""
    where, width, value = impl_argument(args)
    assert value is not None
    rest = args[:where] + args[where + width :]
    chosen = ["-c", str(CONFIG), "--rootdir", str(CHECKOUT), f"--impl={_target(value)}", *rest]
    if not parser.parse_known_args(rest).file_or_dir:
        # From elsewhere pytest would search the folder it runs in; the checkout's test folders instead.
        testpaths = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"][
            "testpaths"
        ]
        chosen += [str(CHECKOUT / path) for path in testpaths]
    return chosen


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    given = list(early_config.invocation_params.args)
    where, _, value = impl_argument(given)
    if where < 0 or value is None or not CONFIG.is_file():
        return
    if early_config.inipath is not None and early_config.inipath.resolve() == CONFIG.resolve():
        return  # this checkout's configuration: its plugin reads --impl, either spelling
    arguments = command(given, parser)
    if given != sys.argv[1:] or os.environ.get(AGAIN):
        raise pytest.UsageError(
            f"--impl {value}: pytest found no linreg spec from here; run {shlex.join(['pytest', *arguments])}"
        )
    os.environ[AGAIN] = "1"
    # pytest captures its output while conftests load; give the next run the real streams.
    capture = early_config.pluginmanager.getplugin("capturemanager")
    if capture is not None:
        capture.stop_global_capturing()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, "-m", "pytest", *arguments])
