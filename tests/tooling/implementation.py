"""The implementation under test: linreg by default, or a module, script or notebook given with ``--impl``.

The spec judges an implementation of the article, not only our rewrite. ``TARGET`` is an
importable module name (``linreg``, ``mypackage.regression``), the path of a ``.py`` file
or of a notebook (``.ipynb``): a reader's version, or the article's code typed in, demo
and all (tests/tooling/loader.py keeps what defines the functions and says what it left
out). It must provide the article's five functions (:data:`ARTICLE_FUNCTIONS`).

The implementation never runs in the judge's process: :class:`Implementation` loads it
in a worker (tests/tooling/worker.py) and calls it there, the one way the article does,
each call bounded in time. What comes back is checked for the article's structure before
any step sees it, so a wrong structure fails in one line that names the function and what
the article's returns (:class:`FollowsFrom` its claim), never as a raw error. Right after
loading, :func:`probe` calls each function once on small inputs and lists what it found
(:attr:`Implementation.defects`), which the run's header shows.

Every call also sends back its arguments as they are after the call: a function that
writes into what it was given fails with :class:`ArgumentWritten`, naming the argument.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import sklearn.metrics

from linreg.experiment import ArticleRun, Fit, Split
from tooling import codec
from tooling.failures import FollowsFrom, short
from tooling.loader import kind_of
from tooling.worker import DEFAULT_MEMORY_MB, CallTimeout, ChannelClosed, Worker

DEFAULT = "linreg"
ROOT = Path(__file__).resolve().parents[2]

#: The article's functions and the positional arguments it calls each with.
ARTICLE_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "initialize_params": ("dims",),
    "linear_loss": ("X", "y", "w", "b"),
    "linear_train": ("X", "y", "learning_rate", "epochs"),
    "predict": ("X", "params"),
    "r2_score": ("y_test", "y_pred"),
}
#: The claim that states each function's return structure: a wrong one is that claim's root.
STRUCTURE_CLAIM = {
    "initialize_params": "claim-2.1",
    "linear_loss": "claim-2.2",
    "linear_train": "claim-2.5",
    "predict": "claim-4.1",
    "r2_score": "claim-4.2",
}
#: The claim that the functions leave their arguments as they found them (article, read top to bottom).
ARGUMENTS_CLAIM = "claim-5.7"
#: linear_train's default number of epochs in the article's code.
ARTICLE_DEFAULT_EPOCHS = 10_000
#: Seconds a call may take before it counts as a hang, unless it asks for more (training).
DEFAULT_TIMEOUT = 10.0
#: Seconds for loading: imports of scikit-learn or matplotlib a notebook makes take a few.
LOAD_TIMEOUT = 60.0
#: A training call may take this many times the time its size predicts (see Limits).
TRAINING_MARGIN = 20.0
#: The calibration run: epochs of linear_train on CALIBRATION_SHAPE random rows.
CALIBRATION_EPOCHS = 200
CALIBRATION_SHAPE = (400, 10)


class ImplementationError(Exception):
    """The target cannot be judged. The message is one line that names why."""


class CallFailed(AssertionError):
    """The implementation misbehaved during a call: it hung, crashed, exited or raised.

    Attributes
    ----------
    function : str
    what : str
        One line: ``linear_train did not return within 60 s``.
    claim : str
        The claim that states what the function returns: the root of every failure this
        causes (a scenario of another claim that needs the function follows from it).
    """

    def __init__(self, function: str, what: str) -> None:
        self.function = function
        self.what = what
        self.claim = STRUCTURE_CLAIM.get(function, "")
        super().__init__(what)


class ImplementationRaised(CallFailed):
    """The implementation raised: its exception's class names, message and what it carried."""

    def __init__(self, function: str, raised: dict[str, Any], carried: dict[str, Any]) -> None:
        self.type_name = str(raised.get("type", "Exception"))
        self.mro = [str(name) for name in raised.get("mro", [self.type_name])]
        self.message = str(raised.get("message", ""))
        self.carried = carried
        text = f"{self.type_name}: {self.message}" if self.message else self.type_name
        super().__init__(function, f"{function} raised {short(text, 200)}")

    def is_a(self, *names: str) -> bool:
        """Whether the exception is (a subclass of) one of the named classes."""
        return any(name in self.mro for name in names)

    def __repr__(self) -> str:
        return f"{self.type_name}({self.message!r})"


class ArgumentWritten(FollowsFrom):
    """A function wrote into an argument it was given."""

    def __init__(self, function: str, argument: str, detail: str) -> None:
        self.function = function
        self.argument = argument
        super().__init__(ARGUMENTS_CLAIM, f"{function} wrote into its argument {argument}{detail}")


@dataclass(frozen=True)
class Defect:
    """What the contract probe found wrong with one function, and the claim it breaks."""

    claim: str
    function: str
    text: str


def what(value: object) -> str:
    """A value described for a one-line message: ``None``, ``a float``, ``an array of shape (3,)``."""
    if value is None:
        return "None"
    if isinstance(value, codec.Opaque):
        return f"a {value.type}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, np.generic):
        return f"a numpy {type(value).__name__}"
    if isinstance(value, Mapping):
        keys = ", ".join(repr(k) for k in list(value)[:6])
        return f"a dict with keys {keys}" if keys else "an empty dict"
    if isinstance(value, (list, tuple)):
        return f"a {type(value).__name__} of {len(value)}"
    return f"a {type(value).__name__}"


def theta_of(w: object, b: object) -> np.ndarray:
    """(w, b) as one flat float vector (w_1, ..., w_d, b), whatever shapes the target used."""
    return np.concatenate([np.ravel(np.asarray(w, dtype=float)), np.ravel(np.asarray(b, dtype=float))])


def params_of(theta: np.ndarray) -> dict:
    """The article's ``{'w': (d, 1) array, 'b': float}`` for a flat theta."""
    return {"w": theta[:-1].reshape(-1, 1).copy(), "b": float(theta[-1])}


def _numeric(value: object) -> bool:
    if isinstance(value, (codec.Opaque, str, bytes)) or value is None:
        return False
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False
    return array.dtype.kind == "f"


def _number(value: object) -> bool:
    return _numeric(value) and np.size(value) == 1  # type: ignore[arg-type]


@dataclass(frozen=True)
class Evaluation:
    """What the target's ``linear_loss`` returned, by name, as returned."""

    y_hat: object
    loss: object
    dw: object
    db: object


@dataclass(frozen=True)
class Training:
    """What a run of the target's ``linear_train`` left.

    Attributes
    ----------
    loss_history : ndarray of shape (epochs,), or None if training raised
        If training raised, the losses it had recorded when it stopped, if the error
        carries them (``linreg.TrainingDiverged.loss_history``), else None.
    params, grads : dict or None
        As returned.
    printed : list of str
        The lines it printed.
    error : ImplementationRaised or None
        The floating-point error that stopped training (``linreg`` raises one when the loss
        overflows). Any other exception fails the call.
    start : ndarray of shape (d + 1,) or None
        The (w, b) its ``initialize_params`` returned during this very run, flat: where
        this run started. None if its ``linear_train`` never called ``initialize_params``.
    """

    loss_history: np.ndarray | None
    params: dict | None
    grads: dict | None
    printed: list[str]
    error: ImplementationRaised | None = None
    start: np.ndarray | None = None

    @property
    def diverged(self) -> bool:
        """Training stopped with an arithmetic error or left finite numbers behind."""
        if self.error is not None:
            return True
        assert self.loss_history is not None and self.params is not None
        theta = theta_of(self.params["w"], self.params["b"])
        return not (np.all(np.isfinite(self.loss_history)) and np.all(np.isfinite(theta)))

    @property
    def theta(self) -> np.ndarray:
        """The returned (w, b), flat."""
        assert self.params is not None, "training raised"
        return theta_of(self.params["w"], self.params["b"])


@dataclass(frozen=True)
class Reply:
    """One call's outcome as the worker reported it."""

    value: object
    args: tuple
    kwargs: dict
    printed: list[str]
    starts: list


def _same(before: object, after: object) -> bool:
    """Bit for bit the same value (NaN equal to itself), recursively."""
    if isinstance(before, np.ndarray) or isinstance(after, np.ndarray):
        return (
            isinstance(before, np.ndarray)
            and isinstance(after, np.ndarray)
            and before.dtype == after.dtype
            and before.shape == after.shape
            and before.tobytes() == after.tobytes()
        )
    if isinstance(before, Mapping):
        return (
            isinstance(after, Mapping)
            and list(before) == list(after)
            and all(_same(before[k], after[k]) for k in before)
        )
    if isinstance(before, (list, tuple)):
        return (
            type(before) is type(after)
            and len(before) == len(after)  # type: ignore[arg-type]
            and all(_same(x, y) for x, y in zip(before, after, strict=True))  # type: ignore[call-overload]
        )
    if isinstance(before, float) and isinstance(after, float):
        return before.hex() == after.hex() or (math.isnan(before) and math.isnan(after))
    return type(before) is type(after) and before == after


def _written(before: object, after: object) -> str:
    """How an argument changed, briefly: ``" (3 of 89 values)"``."""
    if isinstance(before, np.ndarray) and isinstance(after, np.ndarray) and before.shape == after.shape:
        changed = int(np.count_nonzero(~((before == after) | (np.isnan(before) & np.isnan(after)))))
        return f" ({changed} of {before.size} values changed)"
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        keys = [repr(k) for k in before if k not in after or not _same(before[k], after[k])]
        keys += [repr(k) for k in after if k not in before]
        return f" (its {', '.join(keys)})"
    return f" (now {what(after)})"


@dataclass
class Limits:
    """How long a call may take.

    A call may take ``timeout`` seconds; a training run also ``TRAINING_MARGIN`` times what
    its size predicts from the calibration run: seconds per epoch at
    ``CALIBRATION_SHAPE``, scaled by the rows times the columns (a loop over samples is
    slower per epoch, and its calibration says so).
    """

    timeout: float = DEFAULT_TIMEOUT
    #: Until the calibration run measures it: a generous guess (a slow loop over samples).
    per_epoch: float = 1e-4

    def training(self, epochs: int, n: int, d: int) -> float:
        rows, columns = CALIBRATION_SHAPE
        scale = max(1.0, n * (d + 1) / (rows * (columns + 1)))
        return self.timeout + TRAINING_MARGIN * self.per_epoch * scale * max(int(epochs), 0)


def _workload(function: str, args: tuple) -> float:
    """How much a call asks, to compare with one that hung: epochs x rows x columns for training
    (the article's default epochs when the call leaves them out)."""
    shapes = [np.shape(a) for a in args if isinstance(a, np.ndarray)]
    size = float(np.prod(shapes[0])) if shapes else 1.0
    if function == "linear_train":
        try:
            return size * max(float(args[3]) if len(args) > 3 else ARTICLE_DEFAULT_EPOCHS, 1.0)
        except (TypeError, ValueError):
            return size
    return size


@dataclass
class Implementation:
    """The module under test, loaded in a worker and called as the article calls its functions.

    Attributes
    ----------
    target : str
        As given to ``--impl``.
    worker : Worker
    functions : dict
        What the worker found of each article function (its signature).
    notes : list of str
        What loading left out or changed (a notebook's demo, a rebound name).
    defects : list of Defect
        What the contract probe found.
    """

    target: str
    worker: Worker
    functions: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    defects: list[Defect] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)
    calls: list[str] = field(default_factory=list)
    _hung: dict[str, tuple[float, str]] = field(default_factory=dict)

    # ------------------------------------------------------------------ loading
    @classmethod
    def load(
        cls,
        target: str = DEFAULT,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        memory_mb: int = DEFAULT_MEMORY_MB,
        probe_it: bool = True,
    ) -> Implementation:
        """Load ``target`` in a worker, check it has the article's functions, and probe them.

        Raises
        ------
        ImplementationError
            If it cannot be found or loaded, lacks one of the article's functions, or has one
            that cannot be called with the article's arguments.
        """
        if kind_of(target) != "module" and not Path(target).expanduser().is_file():
            raise ImplementationError(f"--impl {target}: no such file")
        tests = str(ROOT / "tests")
        path = [os.getcwd(), *(p for p in sys.path if p and os.path.abspath(p) != tests)]
        # The worker runs in a scratch folder: a path is given to it whole.
        located = target if kind_of(target) == "module" else str(Path(target).expanduser().resolve())
        worker = Worker(
            located,
            path=path,
            memory_mb=memory_mb,
            functions={name: list(arguments) for name, arguments in ARTICLE_FUNCTIONS.items()},
        )
        try:
            _, values = cls._load_in(worker, target)
        except BaseException:
            worker.close()
            raise
        impl = cls(
            target, worker, values.get("functions", {}), list(values.get("notes", [])), limits=Limits(timeout)
        )
        try:
            impl._check_functions()
            if probe_it:
                impl.defects = probe(impl)
        except BaseException:
            impl.close()
            raise
        return impl

    @staticmethod
    def _load_in(worker: Worker, target: str) -> tuple[dict, dict]:
        try:
            header, values = worker.load(LOAD_TIMEOUT)
        except CallTimeout:
            worker.close()
            raise ImplementationError(
                f"--impl {target}: loading it did not finish within {LOAD_TIMEOUT:g} s"
            ) from None
        except ChannelClosed:
            words = worker.last_words()
            worker.close()
            raise ImplementationError(
                f"--impl {target}: the worker loading it {worker.ended()}"
                + (f" ({short(words)})" if words else "")
            ) from None
        except codec.DecodeError as error:
            worker.close()
            raise ImplementationError(
                f"--impl {target}: its worker sent a malformed reply ({error})"
            ) from None
        if not header.get("ok"):
            worker.close()
            raise ImplementationError(f"--impl {target}: {header.get('error', 'it could not be loaded')}")
        return header, values

    def _check_functions(self) -> None:
        for name, arguments in ARTICLE_FUNCTIONS.items():
            call = f"{name}({', '.join(arguments)})"
            found = self.functions.get(name, {})
            problem = None
            if not found.get("present"):
                problem = f"it has no {name}; the article's code defines {call}"
            elif not found.get("callable"):
                problem = f"its {name} is not a function"
            elif found.get("binds") is False:
                problem = f"{found['signature']} cannot be called as the article calls it, {call}"
            if problem:
                self.close()
                raise ImplementationError(f"--impl {self.target}: {problem}")

    def close(self) -> None:
        """End the worker."""
        self.worker.close()

    @property
    def is_linreg(self) -> bool:
        """Whether this is the project's own ``linreg`` package."""
        return self.target == "linreg"

    @property
    def label(self) -> str:
        """How reports name it: ``linreg 0.1.0`` or the file's path."""
        if self.is_linreg:
            import linreg

            return f"linreg {linreg.__version__}"
        if kind_of(self.target) == "module":
            return self.target
        return str(Path(self.target).expanduser().resolve())

    @property
    def supports_verbose(self) -> bool:
        return "verbose" in self.functions.get("linear_train", {}).get("parameters", [])

    # ------------------------------------------------------------------ one call
    def call(self, name: str, *args: object, start: np.ndarray | None = None, **kwargs: object) -> Reply:
        """Call ``name`` in the worker; what it returned, printed, and its arguments afterwards.

        Raises
        ------
        CallFailed
            It hung, crashed, exited or raised (an :class:`ImplementationRaised`).
        """
        self.calls.append(name)
        workload = _workload(name, args)
        hung = self._hung.get(name)
        if hung is not None and workload >= hung[0]:
            raise CallFailed(name, f"{hung[1]}; not called again for as much work")
        if name == "linear_train" and len(args) >= 2:
            X = args[0]
            n, d = (*np.shape(X), 1, 1)[:2] if isinstance(X, np.ndarray) else (1, 1)
            # Called on its defaults, it may train as long as the article's default, 10,000 epochs.
            epochs = args[3] if len(args) > 3 else ARTICLE_DEFAULT_EPOCHS
            try:
                limit = self.limits.training(int(epochs), n, d)  # type: ignore[call-overload]
            except (TypeError, ValueError):
                limit = self.limits.timeout
        else:
            limit = self.limits.timeout
        if not self.worker.alive:
            self._reload(name)
        values: dict[str, Any] = {"args": list(args), "kwargs": dict(kwargs)}
        if start is not None:
            values["start"] = np.asarray(start, dtype=float)
        try:
            header, out = self.worker.request({"op": "call", "function": name}, values, limit)
        except CallTimeout:
            message = (
                f"{name} did not return within {limit:.1f} s"
                if limit < 10
                else f"{name} did not return within {limit:.0f} s"
            )
            self._hung[name] = (workload, message)
            raise CallFailed(name, message) from None
        except ChannelClosed:
            words = self.worker.last_words()
            raise CallFailed(
                name,
                f"the implementation {self.worker.ended()} during {name}"
                + (f" ({short(words, 120)})" if words else ""),
            ) from None
        except codec.DecodeError as error:
            raise CallFailed(name, f"the worker's reply to {name} could not be read ({error})") from None
        if not header.get("ok"):
            raised = header.get("raised")
            if not isinstance(raised, dict):
                raise CallFailed(name, f"the worker could not call {name}: {header.get('error')}")
            failure = ImplementationRaised(name, raised, out.get("carried") or {})
            if failure.is_a("SystemExit"):
                raise CallFailed(name, f"the implementation called sys.exit({failure.message}) during {name}")
            if failure.is_a("KeyboardInterrupt"):
                raise CallFailed(name, f"the implementation raised KeyboardInterrupt during {name}")
            if failure.is_a("MemoryError"):
                raise CallFailed(
                    name,
                    f"the implementation ran out of memory (limit {self.worker.memory_mb} MB) during {name}",
                )
            raise failure
        threads = [str(t) for t in header.get("threads", [])]
        if threads:
            raise CallFailed(
                name,
                f"{name} left {len(threads)} thread{'s' if len(threads) > 1 else ''} running "
                "after it returned",
            )
        return Reply(
            out.get("value"),
            tuple(out.get("args", ())),
            dict(out.get("kwargs", {})),
            [str(line) for line in out.get("printed", [])],
            list(out.get("starts", [])),
        )

    def _reload(self, name: str) -> None:
        ended = self.worker.ended() if self.worker.starts else ""
        try:
            self._load_in(self.worker, self.target)
        except ImplementationError as error:
            raise CallFailed(name, f"after its worker {ended}, loading it again failed: {error}") from None

    def _checked(self, name: str, *args: object, **kwargs: object) -> Reply:
        """:meth:`call`, failing with :class:`ArgumentWritten` if it wrote into an argument."""
        reply = self.call(name, *args, **kwargs)
        self.written(name, args, reply)
        return reply

    @staticmethod
    def written(name: str, args: tuple, reply: Reply) -> None:
        """Raise :class:`ArgumentWritten` naming the first argument ``reply`` shows changed."""
        names = ARTICLE_FUNCTIONS.get(name, ())
        for i, (before, after) in enumerate(zip(args, reply.args, strict=False)):
            if not _same(before, after):
                label = names[i] if i < len(names) else f"number {i + 1}"
                raise ArgumentWritten(name, label, _written(before, after))

    # ------------------------------------------------------------------ the article's five
    def initialize_params(self, dims: int) -> tuple[object, object]:
        """``initialize_params(dims)``: the target's (w, b), as returned."""
        value = self._checked("initialize_params", dims).value
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise FollowsFrom(
                STRUCTURE_CLAIM["initialize_params"],
                f"initialize_params returns {what(value)}; the article's returns w and b",
            )
        w, b = value
        for label, part in (("w", w), ("b", b)):
            if not _numeric(part):
                raise FollowsFrom(
                    STRUCTURE_CLAIM["initialize_params"],
                    f"initialize_params returns {label} as {what(part)}; the article's is numbers",
                )
        return w, b

    def linear_loss(self, X: np.ndarray, y: np.ndarray, w: object, b: object) -> Evaluation:
        """``linear_loss(X, y, w, b)``: prediction, loss and gradients, as returned."""
        value = self._checked("linear_loss", X, y, w, b).value
        if not isinstance(value, (tuple, list)) or len(value) != 4:
            count = f"{len(value)} values" if isinstance(value, (tuple, list)) else what(value)
            raise FollowsFrom(
                STRUCTURE_CLAIM["linear_loss"],
                f"linear_loss returns {count}; the article's returns 4: y_hat, loss, dw, db",
            )
        for label, part in zip(("y_hat", "loss", "dw", "db"), value, strict=True):
            if not _numeric(part):
                raise FollowsFrom(
                    STRUCTURE_CLAIM["linear_loss"],
                    f"linear_loss returns {label} as {what(part)}; the article's is numbers",
                )
        if not _number(value[1]):
            raise FollowsFrom(
                STRUCTURE_CLAIM["linear_loss"],
                f"linear_loss returns the loss as {what(value[1])}; the article's is one number",
            )
        return Evaluation(*value)

    def train(
        self,
        X: np.ndarray,
        y: np.ndarray,
        learning_rate: float | None,
        epochs: int | None,
        *,
        report: bool = False,
        start: np.ndarray | None = None,
    ) -> Training:
        """``linear_train(X, y, learning_rate, epochs)``; ``report`` asks for its progress lines.

        ``learning_rate`` and ``epochs`` None: called as ``linear_train(X, y)``, on its defaults
        (the article's are 0.01 and 10,000).

        The article's loop prints every 10,000 epochs unconditionally; ``linreg`` only
        with ``verbose=True``, which is passed when the target's ``linear_train`` takes it.

        What its ``initialize_params`` returns during the run is recorded (``Training.start``).
        ``start``, a flat (w, b), makes that call return this point instead, in the shapes
        and types its own ``initialize_params`` gives: the same loop, from another start.
        A floating-point error (overflow) ends in a Training with ``error`` set; any other
        exception fails the call.
        """
        kwargs = {"verbose": True} if report and self.supports_verbose else {}
        if (learning_rate is None) != (epochs is None):
            raise ValueError("learning_rate and epochs: give both, or neither for linear_train's defaults")
        args = (X, y) if learning_rate is None else (X, y, learning_rate, epochs)
        try:
            reply = self.call("linear_train", *args, start=start, **kwargs)
        except ImplementationRaised as error:
            if not error.is_a("FloatingPointError", "OverflowError"):
                raise
            partial = error.carried.get("loss_history")
            history = np.asarray(partial, dtype=float) if _numeric(partial) else None
            return Training(history, None, None, [], error, None)
        self.written("linear_train", args, reply)
        start_of_run = _start_of(reply.starts)
        value = reply.value
        claim = STRUCTURE_CLAIM["linear_train"]
        if not isinstance(value, (tuple, list)) or len(value) != 3:
            count = f"{len(value)} values" if isinstance(value, (tuple, list)) else what(value)
            raise FollowsFrom(
                claim, f"linear_train returns {count}; the article's returns 3: loss_his, params, grads"
            )
        loss_his, params, grads = value
        if not _numeric(loss_his) or np.ndim(loss_his) != 1:  # type: ignore[arg-type]
            raise FollowsFrom(
                claim,
                f"linear_train returns loss_his as {what(loss_his)}; the article's is one loss per epoch",
            )
        for label, mapping, keys in (("params", params, ("w", "b")), ("grads", grads, ("dw", "db"))):
            if not isinstance(mapping, Mapping) or any(k not in mapping for k in keys):
                raise FollowsFrom(
                    claim,
                    f"linear_train returns {label} as {what(mapping)}; the article's is a dict of "
                    f"{' and '.join(repr(k) for k in keys)}",
                )
            for k in keys:
                if not _numeric(mapping[k]):
                    raise FollowsFrom(
                        claim,
                        f"linear_train returns {label}[{k!r}] as {what(mapping[k])}; "
                        "the article's is numbers",
                    )
        history = np.asarray(loss_his, dtype=float)
        return Training(history, dict(params), dict(grads), reply.printed, start=start_of_run)

    def predict(self, X: np.ndarray, params: dict) -> object:
        """``predict(X, params)``, as returned."""
        value = self._checked("predict", X, {"w": params["w"], "b": params["b"]}).value
        if not _numeric(value):
            raise FollowsFrom(
                STRUCTURE_CLAIM["predict"],
                f"predict returns {what(value)}; the article's returns the predictions",
            )
        return value

    def r2_score(self, y_true: object, y_pred: object) -> float:
        """``r2_score(y_test, y_pred)`` as a float."""
        value = self._checked("r2_score", y_true, y_pred).value
        if not _number(value):
            raise FollowsFrom(
                STRUCTURE_CLAIM["r2_score"],
                f"r2_score returns {what(value)}; the article's returns one number",
            )
        return float(np.ravel(np.asarray(value, dtype=float))[0])

    # ------------------------------------------------------------------ views the steps share
    def gradient(self, X: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """The target's (dw, db) at a flat theta, as one flat vector: what its loop steps against."""

        def gradient(theta: np.ndarray) -> np.ndarray:
            evaluation = self.linear_loss(X, y, theta[:-1].reshape(-1, 1), float(theta[-1]))
            return theta_of(evaluation.dw, evaluation.db)

        return gradient

    def loss(self, X: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], float]:
        """The target's loss at a flat theta."""

        def loss(theta: np.ndarray) -> float:
            value = self.linear_loss(X, y, theta[:-1].reshape(-1, 1), float(theta[-1])).loss
            return float(np.ravel(np.asarray(value, dtype=float))[0])

        return loss

    def fit(self, split: Split, params: dict) -> Fit:
        """Score ``params`` as the article does: the target's loss, predict and R^2.

        The mean squared error is scikit-learn's, as the article's section 5 computes it.
        """
        w, b = params["w"], params["b"]
        y_pred = np.asarray(self.predict(split.X_test, params), dtype=float)
        loss = self.linear_loss(split.X_train, split.y_train, w, b).loss
        return Fit(
            params={"w": np.asarray(w, dtype=float), "b": float(np.ravel(np.asarray(b, dtype=float))[0])},
            train_loss=float(np.ravel(np.asarray(loss, dtype=float))[0]),
            test_r2=self.r2_score(split.y_test, y_pred),
            test_mse=float(
                sklearn.metrics.mean_squared_error(split.y_test, y_pred.reshape(split.y_test.shape))
            ),
        )

    def run_article(
        self, split: Split, learning_rate: float, epochs: int, *, optimum: Fit, sklearn_fit: Fit
    ) -> ArticleRun:
        """Train as the article's section 3 does and score the result as sections 4 and 5 do."""
        training = self.train(split.X_train, split.y_train, learning_rate, epochs)
        if training.error is not None:
            raise AssertionError(f"the article's run stopped: {training.error.what}")
        assert (
            training.params is not None and training.grads is not None and training.loss_history is not None
        )
        return ArticleRun(
            split=split,
            learning_rate=learning_rate,
            epochs=epochs,
            loss_history=training.loss_history,
            gradient_descent=self.fit(split, training.params),
            final_grads={
                "dw": np.asarray(training.grads["dw"], dtype=float),
                "db": float(np.ravel(np.asarray(training.grads["db"], dtype=float))[0]),
            },
            optimum=optimum,
            sklearn=sklearn_fit,
            start=training.start,
        )


def _start_of(starts: list) -> np.ndarray | None:
    """The flat (w, b) the first recorded ``initialize_params`` call returned, if it was a pair of numbers."""
    if not starts:
        return None
    first = starts[0]
    if isinstance(first, (tuple, list)) and len(first) == 2 and all(_numeric(part) for part in first):
        return theta_of(*first)
    return None


# --------------------------------------------------------------------------- the contract probe
def probe(impl: Implementation) -> list[Defect]:
    """Call each article function once on small inputs; what is wrong with each, by claim.

    It also times a short training run, which sets how long a training call may take
    (:class:`Limits`): a ``linear_train`` that hangs is found here, once, and every later
    training call fails at once with the same one line.
    """
    rng = np.random.default_rng(0)
    n, d = 5, 3
    X, y = rng.normal(size=(n, d)), rng.normal(size=(n, 1))
    w, b = rng.normal(size=(d, 1)), 0.5
    found: list[Defect] = []

    def attempt(function: str, run: Callable[[], object]) -> object:
        try:
            return run()
        except FollowsFrom as error:
            found.append(Defect(error.claim, function, error.reason))
        except CallFailed as error:
            found.append(Defect(STRUCTURE_CLAIM[function], function, error.what))
        return None

    def shapes(function: str, *expected: tuple[str, object, tuple[int, ...]]) -> None:
        # The article's shapes: a column (n, 1) or (d, 1), or a single number. Flat arrays
        # give the same numbers, and broadcast differently: say so once, here.
        for label, value, shape in expected:
            if np.shape(value) != shape:  # type: ignore[arg-type]
                article = "a single number" if shape == () else f"of shape {shape}"
                found.append(
                    Defect(
                        STRUCTURE_CLAIM[function],
                        function,
                        f"{function} gives {label} of shape {np.shape(value)}; the article's is {article}",  # type: ignore[arg-type]
                    )
                )
                return

    start = attempt("initialize_params", lambda: impl.initialize_params(d))
    if isinstance(start, tuple):
        shapes("initialize_params", ("w", start[0], (d, 1)), ("b", start[1], ()))
    evaluation = attempt("linear_loss", lambda: impl.linear_loss(X, y, w, b))
    if isinstance(evaluation, Evaluation):
        shapes(
            "linear_loss",
            ("y_hat", evaluation.y_hat, (n, 1)),
            ("loss", evaluation.loss, ()),
            ("dw", evaluation.dw, (d, 1)),
            ("db", evaluation.db, ()),
        )
    training = attempt("linear_train", lambda: impl.train(X, y, 0.01, 3))
    if isinstance(training, Training) and training.loss_history is not None:
        if training.loss_history.size != 3:
            found.append(
                Defect(
                    STRUCTURE_CLAIM["linear_train"],
                    "linear_train",
                    f"linear_train records {training.loss_history.size} losses for 3 epochs; "
                    "the article's records one per epoch",
                )
            )
        elif training.params is not None and training.grads is not None:
            shapes(
                "linear_train",
                ("params['w']", training.params["w"], (d, 1)),
                ("grads['dw']", training.grads["dw"], (d, 1)),
            )
    prediction = attempt("predict", lambda: impl.predict(X, {"w": w, "b": b}))
    if prediction is not None:
        shapes("predict", ("its predictions", prediction, (n, 1)))
    attempt("r2_score", lambda: impl.r2_score(y, y + 0.1 * rng.normal(size=(n, 1))))
    if "linear_train" not in impl._hung:
        _calibrate(impl, found)
    impl.calls.clear()
    return found


def _calibrate(impl: Implementation, found: list[Defect]) -> None:
    rows, columns = CALIBRATION_SHAPE
    rng = np.random.default_rng(1)
    X = rng.normal(size=(rows, columns)) / np.sqrt(rows)
    y = X @ rng.normal(size=(columns, 1)) + 1.0
    began = time.monotonic()
    try:
        impl.call("linear_train", X, y, 0.01, CALIBRATION_EPOCHS)
    except CallFailed as error:
        if "linear_train" in impl._hung:
            found.append(Defect(STRUCTURE_CLAIM["linear_train"], "linear_train", error.what))
        return
    impl.limits.per_epoch = (time.monotonic() - began) / CALIBRATION_EPOCHS


# --------------------------------------------------------------------------- files it leaves
#: Folders of the checkout that tools write to (and the judge's own outputs go to): not watched.
UNWATCHED = frozenset(
    {
        ".git",
        ".venv",
        "out",
        "__pycache__",
        ".pytest_cache",
        ".hypothesis",
        ".benchmarks",
        ".mypy_cache",
        ".ruff_cache",
        "node_modules",
        "build",
        "dist",
        "mutants",
    }
)


def checkout_state(root: Path = ROOT) -> dict[str, tuple[int, int]]:
    """Every watched file under ``root``: its path relative to ``root`` -> (size, modification time)."""
    state = {}
    for folder, folders, files in os.walk(root):
        folders[:] = [f for f in folders if f not in UNWATCHED and not f.endswith(".egg-info")]
        for name in files:
            path = Path(folder) / name
            try:
                stat = path.stat()
            except OSError:
                continue
            state[path.relative_to(root).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return state


def left_behind(before: dict[str, tuple[int, int]], after: dict[str, tuple[int, int]]) -> list[str]:
    """The files that are new or changed in ``after``, in order."""
    return sorted(path for path, mark in after.items() if before.get(path) != mark)


# --------------------------------------------------------------------------- the references
def reference_fits(split: Split) -> tuple[Fit, Fit]:
    """The least-squares optimum (``numpy.linalg.lstsq``) and scikit-learn's model.

    Both scored by :func:`oracle_fit`.
    """
    from linreg import least_squares
    from linreg.experiment import fit_sklearn

    return oracle_fit(split, least_squares(split.X_train, split.y_train)), oracle_fit(
        split, fit_sklearn(split).params
    )


def oracle_fit(split: Split, params: dict) -> Fit:
    """Score parameters that no implementation under test produced (least squares,
    scikit-learn's) with scikit-learn's metrics, so the reference figures never depend on it."""
    w = np.asarray(params["w"], dtype=float).reshape(-1, 1)
    b = float(params["b"])
    train_pred, test_pred = split.X_train @ w + b, split.X_test @ w + b
    return Fit(
        params={"w": w, "b": b},
        train_loss=float(sklearn.metrics.mean_squared_error(split.y_train, train_pred)) / 2,
        test_r2=float(sklearn.metrics.r2_score(split.y_test, test_pred)),
        test_mse=float(sklearn.metrics.mean_squared_error(split.y_test, test_pred)),
    )
