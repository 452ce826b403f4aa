"""Values across the boundary between the judge and the worker, without pickle.

The judge must never unpickle what the judged code sends (a pickle can run code on the
receiving side), so values cross as a JSON header and raw buffers:

* ``None``, ``bool``, ``int`` (any size), ``float`` (as ``float.hex``: bit for bit), ``complex``
  and ``str`` as themselves;
* numpy arrays and scalars of a numeric or boolean dtype as their bytes, with dtype and shape
  (float64 bit for bit, subclasses such as ``numpy.matrix`` noted by name);
* lists and tuples (a run of plain floats, such as a loss history kept as a list, packed into
  one buffer), and dicts with such keys and values;
* anything else as an :class:`Opaque`: its type's name and a shortened ``repr``, which the
  judge can name in a failure but never call.

The worker imports this module as a top-level module (it runs outside the test suite's
path); the judge as ``tooling.codec``. Only the standard library and numpy are used.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

#: dtype kinds that cross as bytes: booleans, signed and unsigned integers, floats, complex.
NUMERIC_KINDS = frozenset("biufc")
#: Nesting deeper than this is sent as an Opaque (a self-referencing list, say).
MAX_DEPTH = 32
MAX_TEXT = 2_000
_LENGTH = struct.Struct("<Q")


@dataclass(frozen=True)
class Opaque:
    """A value the codec does not carry: what it was, by name, and how it printed."""

    type: str
    repr: str

    def __str__(self) -> str:
        return f"<{self.type}: {self.repr}>"


def _type_name(value: object) -> str:
    cls = type(value)
    module = getattr(cls, "__module__", "")
    return cls.__qualname__ if module in ("builtins", "") else f"{module}.{cls.__qualname__}"


def _short_repr(value: object) -> str:
    try:
        text = repr(value)
    except BaseException:
        text = "?"
    return text if len(text) <= 200 else text[:197] + "..."


class _Encoder:
    def __init__(self) -> None:
        self.buffers: list[bytes] = []

    def buffer(self, data: bytes) -> int:
        self.buffers.append(data)
        return len(self.buffers) - 1

    def encode(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            return {"t": "opaque", "type": _type_name(value), "repr": "nested too deeply"}
        if value is None:
            return {"t": "none"}
        if type(value) is bool:
            return {"t": "bool", "v": value}
        if type(value) is int:
            return {"t": "int", "v": str(value)}
        if type(value) is float:
            return {"t": "float", "v": value.hex()}
        if type(value) is complex:
            return {"t": "complex", "v": [value.real.hex(), value.imag.hex()]}
        if type(value) is str:
            return {"t": "str", "v": value[:MAX_TEXT]}
        if isinstance(value, (np.ndarray, np.generic)) and np.dtype(value.dtype).kind in NUMERIC_KINDS:
            array = np.asarray(value)
            return {
                "t": "array" if isinstance(value, np.ndarray) else "scalar",
                "dtype": array.dtype.str,
                "shape": list(array.shape),
                "class": _type_name(value),
                "b": self.buffer(np.ascontiguousarray(array).tobytes()),
            }
        if type(value) in (list, tuple):
            kind = "list" if type(value) is list else "tuple"
            if value and all(type(item) is float for item in value):
                return {"t": "floats", "kind": kind, "b": self.buffer(np.array(value, dtype=float).tobytes())}
            first = type(value[0]) if value else None
            if (
                first is not None
                and issubclass(first, np.generic)
                and all(type(item) is first for item in value)
            ):
                # A run of numpy scalars of one type (the article's history: a list of float64).
                array = np.array(value, dtype=first)
                if array.dtype.kind in NUMERIC_KINDS:
                    return {
                        "t": "scalars",
                        "kind": kind,
                        "dtype": array.dtype.str,
                        "b": self.buffer(array.tobytes()),
                    }
            return {"t": kind, "items": [self.encode(item, depth + 1) for item in value]}
        if type(value) is dict:
            return {
                "t": "dict",
                "items": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()],
            }
        return {"t": "opaque", "type": _type_name(value), "repr": _short_repr(value)}


def encode(header: dict[str, Any], values: dict[str, Any]) -> bytes:
    """One message: ``header`` (JSON-able already) plus ``values``, each encoded, as bytes."""
    encoder = _Encoder()
    body = dict(header)
    body["values"] = {name: encoder.encode(value) for name, value in values.items()}
    body["sizes"] = [len(b) for b in encoder.buffers]
    text = json.dumps(body, allow_nan=False).encode("utf-8")
    return b"".join([_LENGTH.pack(len(text)), text, *encoder.buffers])


class DecodeError(ValueError):
    """A message that does not follow the codec (a worker that wrote into its own channel)."""


class _Decoder:
    def __init__(self, buffers: list[memoryview]) -> None:
        self.buffers = buffers

    def buffer(self, index: object) -> memoryview:
        if not isinstance(index, int) or not 0 <= index < len(self.buffers):
            raise DecodeError(f"no buffer {index!r}")
        return self.buffers[index]

    def decode(self, node: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH + 1 or not isinstance(node, dict):
            raise DecodeError("malformed value")
        kind = node.get("t")
        if kind == "none":
            return None
        if kind == "bool":
            return bool(node["v"])
        if kind == "int":
            return int(str(node["v"])[:5000])
        if kind == "float":
            return float.fromhex(str(node["v"]))
        if kind == "complex":
            real, imag = node["v"]
            return complex(float.fromhex(str(real)), float.fromhex(str(imag)))
        if kind == "str":
            return str(node["v"])[:MAX_TEXT]
        if kind in ("array", "scalar"):
            dtype = np.dtype(str(node["dtype"]))
            if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
                raise DecodeError(f"dtype {dtype} is not numeric")
            shape = tuple(int(n) for n in node["shape"])
            array = np.frombuffer(self.buffer(node["b"]), dtype=dtype).reshape(shape).copy()
            if kind == "scalar":
                return array[()]
            return np.asmatrix(array) if node.get("class") == "numpy.matrix" and array.ndim == 2 else array
        if kind == "floats":
            values = np.frombuffer(self.buffer(node["b"]), dtype=float).tolist()
            return values if node.get("kind") == "list" else tuple(values)
        if kind == "scalars":
            dtype = np.dtype(str(node["dtype"]))
            if dtype.kind not in NUMERIC_KINDS or dtype.fields is not None or dtype.subdtype is not None:
                raise DecodeError(f"dtype {dtype} is not numeric")
            array = np.frombuffer(self.buffer(node["b"]), dtype=dtype)
            items = [array[i] for i in range(array.size)]
            return items if node.get("kind") == "list" else tuple(items)
        if kind in ("list", "tuple"):
            items = [self.decode(item, depth + 1) for item in node["items"]]
            return items if kind == "list" else tuple(items)
        if kind == "dict":
            out = {}
            for key, value in node["items"]:
                decoded = self.decode(key, depth + 1)
                try:
                    out[decoded] = self.decode(value, depth + 1)
                except TypeError:  # an unhashable key (an array): keep it readable
                    out[Opaque(_type_name(decoded), _short_repr(decoded))] = self.decode(value, depth + 1)
            return out
        if kind == "opaque":
            return Opaque(str(node.get("type", "?"))[:200], str(node.get("repr", ""))[:200])
        raise DecodeError(f"unknown kind {kind!r}")


def decode(message: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """The header and the decoded values of one message made by :func:`encode`.

    Raises
    ------
    DecodeError
        If the message is malformed.
    """
    view = memoryview(message)
    try:
        (length,) = _LENGTH.unpack_from(view, 0)
        body = json.loads(bytes(view[_LENGTH.size : _LENGTH.size + length]))
        sizes = [int(n) for n in body.pop("sizes")]
        values = body.pop("values")
    except (struct.error, ValueError, KeyError, TypeError, AttributeError) as error:
        raise DecodeError(f"malformed message: {error}") from None
    offset, buffers = _LENGTH.size + length, []
    for size in sizes:
        if size < 0 or offset + size > len(view):
            raise DecodeError("message shorter than its buffers")
        buffers.append(view[offset : offset + size])
        offset += size
    decoder = _Decoder(buffers)
    try:
        return body, {str(name): decoder.decode(node) for name, node in values.items()}
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise DecodeError(f"malformed value: {error}") from None
