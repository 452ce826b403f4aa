"""Load the implementation under test inside the worker: a module, a script or a notebook.

Readers type the article into a notebook or a script, demo included: data loading, the
200,000-epoch training call, prints and plots at top level. The spec judges the five
functions, so it runs only what defines them:

* imports, function and class definitions (and ``if``/``try``/``with`` blocks made only of
  those), and docstrings;
* assignments whose names the kept code reads as globals (a constant used as a default, a
  random generator an ``initialize_params`` draws from), found by following the names;
* nothing else: every other top-level statement (the demo) is left out and named in one line.

A name of the article's that later code rebinds (section 5's ``from sklearn.metrics import
mean_squared_error, r2_score`` replaces the reader's ``r2_score`` in a session run top to
bottom) is judged as the reader defined it, and the rebinding is said in one line.

A notebook's code cells are read with nbformat; IPython magics and shell lines (``%...``,
``!...``) are left out. An importable module name is imported as it is.

Runs in the worker process (tests/tooling/worker.py); the standard library, and nbformat
for notebooks, only.
"""

from __future__ import annotations

import ast
import importlib
import symtable
import sys
import types
from dataclasses import dataclass
from pathlib import Path

ARTICLE_FUNCTIONS = ("initialize_params", "linear_loss", "linear_train", "predict", "r2_score")
_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_ASSIGNMENTS = (ast.Assign, ast.AnnAssign, ast.AugAssign)


class LoadError(Exception):
    """The target cannot be loaded; the message is one line."""


@dataclass(frozen=True)
class Statement:
    node: ast.stmt
    where: str  # "line 12" or "cell 3, line 2"
    unit: int  # which cell (0 for a script)


def kind_of(target: str) -> str:
    """``notebook``, ``file`` or ``module``, by how ``target`` is written."""
    if target.endswith(".ipynb"):
        return "notebook"
    if target.endswith(".py") or "/" in target or "\\" in target:
        return "file"
    return "module"


def load(target: str) -> tuple[types.ModuleType, list[str]]:
    """The module to judge and the notes on what loading it left out or changed.

    Raises
    ------
    LoadError
        With one line saying why.
    """
    kind = kind_of(target)
    if kind == "module":
        try:
            return importlib.import_module(target), []
        except ModuleNotFoundError as error:
            if error.name and target.startswith(error.name):
                raise LoadError(
                    f"no module named {error.name!r} (give an importable module name, or the path of "
                    "a .py file or a notebook)"
                ) from None
            raise LoadError(f"importing it raised {one_line(error)}") from None
        except BaseException as error:
            raise LoadError(f"importing it raised {one_line(error)}") from None
    path = Path(target).expanduser().resolve()
    if not path.is_file():
        raise LoadError("no such file")
    units = _notebook_cells(path) if kind == "notebook" else [(_read(path), 0)]
    return _execute(path, units, kind)


def one_line(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".replace("\n", " ").strip()
    if text.endswith(":"):
        text = text[:-1]
    return text if len(text) <= 200 else text[:197] + "..."


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LoadError(f"cannot read it: {one_line(error)}") from None


def _notebook_cells(path: Path) -> list[tuple[str, int]]:
    try:
        import nbformat
    except ImportError:  # pragma: no cover - the spec extra installs it
        raise LoadError("reading a notebook needs nbformat (the spec's extra installs it)") from None
    try:
        notebook = nbformat.read(str(path), as_version=4)
    except Exception as error:
        raise LoadError(f"not a notebook nbformat can read: {one_line(error)}") from None
    cells = []
    for index, cell in enumerate(notebook.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        lines = str(cell.get("source", "")).splitlines()
        # IPython's magics and shell escapes are not Python: left out, line for line, so that
        # line numbers still match the cell.
        kept = ["" if line.lstrip().startswith(("%", "!")) else line for line in lines]
        cells.append(("\n".join(kept), index))
    return cells


def _parse(source: str, unit: int, kind: str) -> list[Statement]:
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        where = f"cell {unit}, line {error.lineno}" if kind == "notebook" else f"line {error.lineno}"
        raise LoadError(f"it does not parse: SyntaxError at {where}: {error.msg}") from None
    out = []
    for node in tree.body:
        where = f"line {node.lineno}" if kind != "notebook" else f"cell {unit}, line {node.lineno}"
        out.append(Statement(node, where, unit))
    return out


def _is_main_guard(node: ast.stmt) -> bool:
    test = getattr(node, "test", None)
    return (
        isinstance(node, ast.If)
        and isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
    )


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _definitional(node: ast.stmt) -> bool:
    """Imports and definitions, or a block made only of them (a ``try`` around an import)."""
    if isinstance(node, _DEFINITIONS) or _is_docstring(node) or isinstance(node, ast.Pass):
        return True
    if _is_main_guard(node):
        return False
    if isinstance(node, (ast.If, ast.Try, ast.With)):
        bodies = [getattr(node, name, []) for name in ("body", "orelse", "finalbody")]
        bodies += [handler.body for handler in getattr(node, "handlers", [])]
        return all(
            _definitional(child) or (isinstance(child, _ASSIGNMENTS) and not _calls(child))
            for body in bodies
            for child in body
        )
    return False


def _calls(node: ast.AST) -> bool:
    return any(isinstance(child, ast.Call) for child in ast.walk(node))


def _reads(node: ast.stmt) -> set[str]:
    """Global names a statement reads: at module scope, or inside its functions and classes.

    Python's own symbol tables tell a function's locals (its arguments, what it assigns) from
    the globals it reads, so a demo assignment is not kept merely for sharing a name with a
    local variable (``params``, ``loss_his``).
    """
    table = symtable.symtable(ast.unparse(node), "<statement>", "exec")
    names: set[str] = set()
    pending = [table]
    while pending:
        scope = pending.pop()
        top = scope.get_type() == "module"
        for symbol in scope.get_symbols():
            if symbol.is_referenced() and (top or symbol.is_global()):
                names.add(symbol.get_name())
        pending.extend(scope.get_children())
    return names


def _binds(node: ast.stmt) -> set[str]:
    """Top-level names a statement binds."""
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    targets: list[ast.AST] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    return {child.id for target in targets for child in ast.walk(target) if isinstance(child, ast.Name)}


def _select(statements: list[Statement]) -> tuple[list[Statement], list[Statement]]:
    """Split top-level statements into what defines the functions (kept) and the demo (left out)."""
    kept = {id(s) for s in statements if _definitional(s.node)}
    needed: set[str] = set()
    for s in statements:
        if id(s) in kept:
            needed |= _reads(s.node)
    # Assignments the kept code reads, and what those read, until nothing new is needed.
    changed = True
    while changed:
        changed = False
        for s in statements:
            if id(s) in kept or not isinstance(s.node, _ASSIGNMENTS):
                continue
            if _binds(s.node) & needed:
                kept.add(id(s))
                needed |= _reads(s.node)
                changed = True
    return [s for s in statements if id(s) in kept], [s for s in statements if id(s) not in kept]


def _span(statements: list[Statement], kind: str) -> str:
    """Where the statements lie: ``cells 11 to 16`` in a notebook, ``lines 43 to 48`` in a script."""
    if kind == "notebook":
        first, last = statements[0].unit, statements[-1].unit
        return f"cell {first}" if first == last else f"cells {first} to {last}"
    first, last = (
        statements[0].node.lineno,
        getattr(statements[-1].node, "end_lineno", None) or statements[-1].node.lineno,
    )
    return f"line {first}" if first == last else f"lines {first} to {last}"


def _execute(path: Path, units: list[tuple[str, int]], kind: str) -> tuple[types.ModuleType, list[str]]:
    statements = [s for source, unit in units for s in _parse(source, unit, kind)]
    kept, left_out = _select(statements)
    name = f"_impl_under_test_{''.join(c if c.isalnum() else '_' for c in path.stem)}"
    module = types.ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module
    # As when the script is run: its folder is on the path, for a helper module beside it.
    sys.path.insert(0, str(path.parent))
    namespace = module.__dict__
    defined: dict[str, tuple[object, Statement]] = {}
    notes: list[str] = []
    skipped: list[str] = []
    for s in kept:
        code = compile(ast.Module(body=[s.node], type_ignores=[]), str(path), "exec")
        try:
            exec(code, namespace)
        except BaseException as error:
            if isinstance(s.node, _ASSIGNMENTS):
                skipped.append(f"{s.where} ({one_line(error)})")
                continue
            raise LoadError(f"running its {s.where} raised {one_line(error)}") from None
        if isinstance(s.node, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.node.name in ARTICLE_FUNCTIONS:
            defined[s.node.name] = (namespace[s.node.name], s)
    if left_out:
        notes.append(
            f"left out {len(left_out)} top-level statement{'s' if len(left_out) != 1 else ''} that "
            f"define{'s' if len(left_out) == 1 else ''} none of the five functions (its demo, "
            f"{_span(left_out, kind)}): not run"
        )
    if skipped:
        notes.append(f"kept assignments that raised and were skipped: {'; '.join(skipped)}")
    for function, (value, definition) in defined.items():
        if namespace.get(function) is not value:
            later = kept[kept.index(definition) + 1 :]
            rebinding = [s for s in later if function in _binds(s.node)]
            by = f" by {rebinding[-1].where}" if rebinding else ""
            notes.append(
                f"{function}: judged as defined at {definition.where}; the name is rebound later{by}"
            )
            namespace[function] = value
    return module, notes
