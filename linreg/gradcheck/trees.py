"""Nested parameters for :mod:`linreg.gradcheck`: flatten them, rebuild them, name their values.

Internal to the gradient checker (no stable API). A *tree* is what a user
differentiates with respect to: an array, a float, or a dict, tuple or list
nesting them, such as the article's ``{'w': ndarray of shape (d, 1), 'b': float}``.
The checker works on one flat float64 vector holding every value of the tree;
this module maps between the two and words every message about them.

>>> tree = Tree({"w": np.zeros((2, 1)), "b": 0.5})
>>> tree.size, tree.label(1), tree.label(2), tree.index(1)
(3, "x['w'][1, 0]", "x['b']", ('w', 1, 0))
>>> tree.build(np.array([1.0, 2.0, 3.0]))[0]
{'w': array([[1.],
       [2.]]), 'b': 3.0}
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Literal

import numpy as np

__all__ = ["Leaf", "Tree", "format_index", "format_value"]

# The float types a user's values may have; integers and booleans are evaluated in float64.
_FLOAT_KINDS = "f"
_INTEGER_KINDS = "iu"


@dataclass(frozen=True)
class Leaf:
    """One array or number of a tree and where its values sit in the flat vector.

    Attributes
    ----------
    path : tuple
        Dict keys and sequence positions from the root to this value.
    shape : tuple of int
        ``()`` for a number.
    dtype : numpy.dtype
        The floating type ``f`` is given it in (float64 for integers and Python numbers).
    kind : {'array', 'number', 'scalar'}
        An ndarray, a Python number (rebuilt as a Python ``float``), or a NumPy
        scalar (rebuilt as one of its type).
    start, size : int
        Its values are ``flat[start:start + size]``, in C order.
    """

    path: tuple[Any, ...]
    shape: tuple[int, ...]
    dtype: np.dtype
    kind: Literal["array", "number", "scalar"]
    start: int
    size: int


def format_index(index: tuple[int, ...]) -> str:
    """``(2, 0)`` -> ``'[2, 0]'``, ``()`` -> ``''``."""
    return f"[{', '.join(str(i) for i in index)}]" if index else ""


def format_value(value: float) -> str:
    """A number with the nine significant digits a 1e-8 relative difference needs to show."""
    return f"{value:.9g}"


def _key_text(key: object) -> str:
    return f"[{key!r}]"


def _keys_text(keys: object) -> str:
    """``['b', 'w']``: dict keys as the user typed them, in a stable order."""
    assert isinstance(keys, (Mapping, set, list, tuple))
    return "[" + ", ".join(sorted(repr(k) for k in keys)) + "]"


def _kind_text(value: object) -> str:
    if isinstance(value, Mapping):
        return f"a dict with keys {_keys_text(value)}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"


class Tree:
    """The structure of ``x``: its containers, and each array or number in it.

    Parameters
    ----------
    value : array_like, float, or dict / tuple / list nesting them
        The point of the check. Not modified; its values are copied.
    name : str, default "x"
        What messages call it.

    Raises
    ------
    TypeError
        A value that is neither a real number nor an array of them.
    ValueError
        A NaN or infinite value, or no value at all.
    """

    def __init__(self, value: object, name: str = "x") -> None:
        __tracebackhide__ = True
        self.name = name
        self.leaves: list[Leaf] = []
        self._chunks: list[np.ndarray] = []
        self._skeleton = self._parse(value, ())
        self.size = sum(leaf.size for leaf in self.leaves)
        if self.size == 0:
            raise ValueError(f"{name} holds no value to differentiate (it is empty)")
        self.values = np.concatenate(self._chunks)
        # Leaf of every flat position, for labels.
        self._owner = np.repeat(np.arange(len(self.leaves)), [leaf.size for leaf in self.leaves])
        self.is_array = len(self.leaves) == 1 and self.leaves[0].path == () and self.leaves[0].kind == "array"

    # ------------------------------------------------------------------ parsing
    def _parse(self, value: object, path: tuple[Any, ...]) -> object:
        __tracebackhide__ = True
        where = self.name + "".join(_key_text(k) for k in path)
        if isinstance(value, Mapping):
            return ("dict", type(value), {k: self._parse(v, (*path, k)) for k, v in value.items()})
        if isinstance(value, (tuple, list)):
            children = [self._parse(v, (*path, i)) for i, v in enumerate(value)]
            return ("seq", type(value), children)
        return self._leaf(value, path, where)

    def _leaf(self, value: object, path: tuple[Any, ...], where: str) -> int:
        __tracebackhide__ = True
        kind: Literal["array", "number", "scalar"]
        if isinstance(value, (bool, np.bool_)):
            raise TypeError(
                f"{where} is a bool; gradcheck differentiates real numbers and arrays of them "
                "(pass fixed arguments through args= or kwargs=)"
            )
        if isinstance(value, np.ndarray):
            kind, array = "array", value
        elif isinstance(value, np.generic):
            kind, array = "scalar", np.asarray(value)
        elif isinstance(value, (Real, Integral)):
            kind, array = "number", np.asarray(float(value))
        else:
            raise TypeError(
                f"{where} is a {type(value).__name__}; gradcheck differentiates arrays, numbers, "
                "and dicts, tuples or lists of them (pass fixed arguments through args= or kwargs=)"
            )
        if array.dtype.kind in _FLOAT_KINDS:
            dtype = array.dtype
        elif array.dtype.kind in _INTEGER_KINDS:
            dtype = np.dtype(np.float64)
        else:
            raise TypeError(f"{where} must hold real numbers, got an array of dtype {array.dtype}")
        flat = np.asarray(array, dtype=np.float64).ravel().copy()
        if not np.all(np.isfinite(flat)):
            bad = int(flat.size - np.count_nonzero(np.isfinite(flat)))
            raise ValueError(
                f"{where} contains {bad} NaN or infinite value(s); gradcheck needs a finite point"
            )
        start = sum(leaf.size for leaf in self.leaves)
        self.leaves.append(Leaf(path, tuple(array.shape), dtype, kind, start, flat.size))
        self._chunks.append(flat)
        return len(self.leaves) - 1

    # ------------------------------------------------------------------ building
    def build(self, flat: np.ndarray) -> tuple[object, list[object]]:
        """A fresh tree holding ``flat``'s values, and its leaves in order.

        Parameters
        ----------
        flat : ndarray of shape (size,)
            float64, or complex128 for a complex step (each leaf then gets the
            complex type of its precision).

        Returns
        -------
        tree : object
            Of ``x``'s structure: new arrays, never views of ``flat`` or of ``x``.
        leaves : list
            The leaf objects of ``tree``, to see afterwards whether a call changed them.
        """
        is_complex = np.iscomplexobj(flat)
        made: list[object] = []
        for leaf in self.leaves:
            values = flat[leaf.start : leaf.start + leaf.size]
            dtype = np.result_type(leaf.dtype, np.complex64) if is_complex else leaf.dtype
            if leaf.kind == "array":
                made.append(values.astype(dtype).reshape(leaf.shape))
            elif leaf.kind == "scalar":
                made.append(dtype.type(values[0]))
            else:
                made.append(complex(values[0]) if is_complex else float(values[0]))
        return self._assemble(self._skeleton, made), made

    def _assemble(self, node: object, made: list[object]) -> object:
        if isinstance(node, int):
            return made[node]
        assert isinstance(node, tuple)
        tag, cls, children = node
        if tag == "dict":
            items = {k: self._assemble(c, made) for k, c in children.items()}
            return items if cls is dict else _rebuild(cls, items)
        items_list = [self._assemble(c, made) for c in children]
        if cls in (list, tuple):
            return cls(items_list)
        # A namedtuple takes its fields as arguments.
        return cls(*items_list) if hasattr(cls, "_fields") else _rebuild(cls, items_list)

    def changed(self, tree: object, made: list[object], flat: np.ndarray) -> str | None:
        """How a call changed a tree from :meth:`build`, in words, or None if it did not.

        Parameters
        ----------
        tree, made : the two results of ``build(flat)``, after the call.
        flat : ndarray of shape (size,)
            The values they were built from.
        """
        for leaf, obj in zip(self.leaves, made, strict=True):
            now = self._find(tree, leaf.path)
            where = self.label_leaf(leaf)
            if now is not obj:
                return f"replaced {where} by another object"
            if leaf.kind != "array":
                continue
            assert isinstance(obj, np.ndarray)
            before = flat[leaf.start : leaf.start + leaf.size]
            after = obj.ravel()
            moved = np.flatnonzero(~(after == before))
            if moved.size:
                i = int(moved[0])
                index = format_index(tuple(int(k) for k in np.unravel_index(i, leaf.shape)))
                return (
                    f"wrote into {where}{index} (it was {format_value(before[i].real)}, "
                    f"it is {format_value(complex(after[i]).real)} after the call"
                    + (f", and {moved.size - 1} more value(s) changed)" if moved.size > 1 else ")")
                )
        return None

    def _find(self, tree: object, path: tuple[Any, ...]) -> object:
        node = tree
        for key in path:
            try:
                node = node[key]  # type: ignore[index]
            except (KeyError, IndexError, TypeError):
                return None
        return node

    # ------------------------------------------------------------------ reading user output
    def flatten_like(
        self, value: object, what: str, lead: tuple[int, ...] = (), *, complex_ok: bool = False
    ) -> np.ndarray:
        """Read a tree of ``x``'s structure whose arrays carry leading axes ``lead``.

        A gradient has ``lead = ()``; the Jacobian of an ``f`` with output shape
        ``s`` has ``lead = s`` (each of its arrays is ``s + leaf.shape``).

        Parameters
        ----------
        value : tree
            What the user's function returned.
        what : str
            Its name in messages, such as ``"grad(x)"``.
        lead : tuple of int
        complex_ok : bool, default False
            Accept complex values (the output of a complex step).

        Returns
        -------
        ndarray of shape (prod(lead), size)
            float64, or complex128 with ``complex_ok``.

        Raises
        ------
        ValueError
            Another structure or a shape that differs; the message names both.
        TypeError
            Values that are not real numbers.
        """
        __tracebackhide__ = True
        rows = math.prod(lead)
        out = np.empty((rows, self.size), dtype=np.complex128 if complex_ok else np.float64)
        self._read(self._skeleton, value, (), what, lead, out)
        return out

    def _read(
        self,
        node: object,
        value: object,
        path: tuple[Any, ...],
        what: str,
        lead: tuple[int, ...],
        out: np.ndarray,
    ) -> None:
        __tracebackhide__ = True
        here = what + "".join(_key_text(k) for k in path)
        mine = self.name + "".join(_key_text(k) for k in path)
        if isinstance(node, int):
            leaf = self.leaves[node]
            out[:, leaf.start : leaf.start + leaf.size] = self._leaf_values(
                value, leaf, here, mine, lead, out
            )
            return
        assert isinstance(node, tuple)
        tag, _, children = node
        if tag == "dict":
            if not isinstance(value, Mapping):
                raise ValueError(
                    f"{here} is {_kind_text(value)} but {mine} is a dict with keys "
                    f"{_keys_text(children)}; it must have the same structure"
                )
            if set(value) != set(children):
                hint = ""
                if {f"d{k}" for k in children if isinstance(k, str)} == set(value):
                    hint = " (named like the article's grads dict? return them under x's keys)"
                raise ValueError(
                    f"{here} has keys {_keys_text(value)} but {mine} has keys "
                    f"{_keys_text(children)}; it must have the same structure{hint}"
                )
            for key, child in children.items():
                self._read(child, value[key], (*path, key), what, lead, out)
            return
        if not isinstance(value, (tuple, list)) or len(value) != len(children):
            raise ValueError(
                f"{here} is {_kind_text(value)} but {mine} is a {node[1].__name__} of {len(children)}; "
                "it must have the same structure"
            )
        for i, child in enumerate(children):
            self._read(child, value[i], (*path, i), what, lead, out)

    def _leaf_values(
        self, value: object, leaf: Leaf, here: str, mine: str, lead: tuple[int, ...], out: np.ndarray
    ) -> np.ndarray:
        __tracebackhide__ = True
        if isinstance(value, (Mapping, tuple, list)) and not _is_numeric_sequence(value):
            raise ValueError(f"{here} is {_kind_text(value)} but {mine} is {_leaf_text(leaf)}")
        try:
            array = np.asarray(value)
        except ValueError:
            raise ValueError(f"{here} is ragged: its rows differ in length") from None
        if array.dtype.kind == "c" and out.dtype.kind != "c":
            raise TypeError(f"{here} is complex (dtype {array.dtype}); a real function has a real gradient")
        if array.dtype.kind not in "fiuc":
            raise TypeError(f"{here} must hold real numbers, got {_kind_text(value)} of dtype {array.dtype}")
        expected = lead + leaf.shape
        if array.shape != expected:
            raise ValueError(_shape_message(here, array.shape, mine, leaf.shape, lead))
        return array.astype(out.dtype).reshape(math.prod(lead), leaf.size)

    # ------------------------------------------------------------------ naming
    def label_leaf(self, leaf: Leaf) -> str:
        """``x['w']`` for the leaf at path ``('w',)``."""
        return self.name + "".join(_key_text(k) for k in leaf.path)

    def leaf_of(self, position: int) -> Leaf:
        """The leaf holding flat position ``position``."""
        return self.leaves[int(self._owner[position])]

    def array_index(self, position: int) -> tuple[int, ...]:
        """The index of flat position ``position`` inside its leaf's array."""
        leaf = self.leaf_of(position)
        return tuple(int(i) for i in np.unravel_index(position - leaf.start, leaf.shape))

    def label(self, position: int, name: str | None = None) -> str:
        """``x['w'][1, 0]``: the value at flat position ``position``, as the user writes it."""
        leaf = self.leaf_of(position)
        root = self.name if name is None else name
        keys = "".join(_key_text(k) for k in leaf.path)
        return root + keys + format_index(self.array_index(position))

    def index(self, position: int) -> tuple[Any, ...]:
        """``('w', 1, 0)``: the path then the array index of flat position ``position``."""
        return self.leaf_of(position).path + self.array_index(position)

    def unflatten(self, flat: np.ndarray, lead: tuple[int, ...] = ()) -> object:
        """Values laid out like ``x``, each array with the leading axes ``lead``.

        Parameters
        ----------
        flat : ndarray of shape (prod(lead), size)

        Returns
        -------
        ndarray of shape ``lead + x.shape`` when ``x`` is one array; otherwise a
        tree of ``x``'s structure whose arrays have shape ``lead + leaf.shape``
        (a Python float where the leaf is a number and ``lead`` is empty).
        """
        made: list[object] = []
        for leaf in self.leaves:
            block = flat[:, leaf.start : leaf.start + leaf.size].reshape(lead + leaf.shape)
            made.append(float(block) if (leaf.kind != "array" and not lead) else block)
        return self._assemble(self._skeleton, made)


def _rebuild(cls: type, items: object) -> object:
    try:
        return cls(items)
    except TypeError:
        return items


def _is_numeric_sequence(value: object) -> bool:
    # A list of numbers stands for an array (a gradient may come back as a list).
    if isinstance(value, Mapping):
        return False
    assert isinstance(value, Sequence)
    return all(isinstance(v, (Real, np.generic)) or _is_nested_numbers(v) for v in value)


def _is_nested_numbers(value: object) -> bool:
    if isinstance(value, np.ndarray):
        return True
    return isinstance(value, (list, tuple)) and all(
        isinstance(v, (Real, np.generic)) or _is_nested_numbers(v) for v in value
    )


def _leaf_text(leaf: Leaf) -> str:
    return "a number" if leaf.shape == () else f"an array of shape {leaf.shape}"


def _shape_message(
    here: str, got: tuple[int, ...], mine: str, shape: tuple[int, ...], lead: tuple[int, ...]
) -> str:
    if lead:
        return (
            f"{here} has shape {got}, expected {lead + shape}: the Jacobian of an f with output shape "
            f"{lead} puts those axes before {mine}'s shape {shape}"
        )
    hint = ""
    if len(got) >= 2 and got == shape[::-1]:
        hint = " (transposed?)"
    elif math.prod(got) == math.prod(shape):
        hint = " (same values, other shape: it would broadcast wrongly in x - learning_rate * gradient)"
    return (
        f"{here} has shape {got} but {mine} has shape {shape}{hint}; a gradient has the shape of its variable"
    )
