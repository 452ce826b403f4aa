"""The implementation under test: ``linreg`` by default, or any module given with ``--impl``.

The spec judges an implementation of the article, not only our rewrite. ``TARGET`` is an
importable module name (``linreg``, ``mypackage.regression``) or the path of a ``.py`` file
(a reader's own version, or the article's code typed in). It must provide the article's five
functions, callable as the article calls them (:data:`ARTICLE_FUNCTIONS`).

Steps never call the target directly: :class:`Implementation` calls it the one way the
article does, on copies of the spec's arrays (so a target that writes into its arguments
cannot spoil a shared fixture), with its printing captured and with numpy's overflow
warnings silenced (the article's code overflows to ``inf`` where ``linreg`` raises; the
steps judge the values either way).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import io
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np
import sklearn.metrics

from linreg.experiment import ArticleRun, Fit, Split

DEFAULT = "linreg"

#: The article's functions and the positional arguments it calls each with.
ARTICLE_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "initialize_params": ("dims",),
    "linear_loss": ("X", "y", "w", "b"),
    "linear_train": ("X", "y", "learning_rate", "epochs"),
    "predict": ("X", "params"),
    "r2_score": ("y_test", "y_pred"),
}


class ImplementationError(Exception):
    """The target cannot be judged. The message is one line that names why."""


def load(target: str) -> ModuleType:
    """Import ``target``, a module name or the path of a ``.py`` file, and check its functions.

    Raises
    ------
    ImplementationError
        If it cannot be found or imported, lacks one of the article's functions, or has one
        that cannot be called with the article's arguments.
    """
    module = _import(target)
    check_functions(module, target)
    return module


def _looks_like_path(target: str) -> bool:
    return target.endswith(".py") or "/" in target or "\\" in target


def _import(target: str) -> ModuleType:
    # Its top level may print (the article's script does); that is not the spec's output.
    with contextlib.redirect_stdout(io.StringIO()):
        if _looks_like_path(target):
            path = Path(target).expanduser().resolve()
            if not path.is_file():
                raise ImplementationError(f"--impl {target}: no such file")
            name = f"_impl_under_test_{path.stem}"
            spec = importlib.util.spec_from_file_location(name, path)
            if spec is None or spec.loader is None:
                raise ImplementationError(f"--impl {target}: not a Python file")
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                spec.loader.exec_module(module)
            except Exception as error:
                del sys.modules[name]
                raise ImplementationError(
                    f"--impl {target}: importing it raised {_one_line(error)}"
                ) from None
            return module
        try:
            return importlib.import_module(target)
        except ModuleNotFoundError as error:
            if error.name and target.startswith(error.name):
                raise ImplementationError(
                    f"--impl {target}: no module named {error.name!r} (give an importable module "
                    "name or the path of a .py file)"
                ) from None
            raise ImplementationError(f"--impl {target}: importing it raised {_one_line(error)}") from None
        except Exception as error:
            raise ImplementationError(f"--impl {target}: importing it raised {_one_line(error)}") from None


def check_functions(module: ModuleType, target: str) -> None:
    """Raise :class:`ImplementationError` naming the first article function missing or miscallable."""
    for name, arguments in ARTICLE_FUNCTIONS.items():
        call = f"{name}({', '.join(arguments)})"
        function = getattr(module, name, None)
        if function is None:
            raise ImplementationError(f"--impl {target}: it has no {name}; the article's code defines {call}")
        if not callable(function):
            raise ImplementationError(f"--impl {target}: its {name} is not a function")
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):
            continue  # a builtin without a signature: judged by calling it
        try:
            signature.bind(*arguments)
        except TypeError:
            raise ImplementationError(
                f"--impl {target}: {name}{signature} cannot be called as the article calls it, {call}"
            ) from None


def _one_line(error: BaseException) -> str:
    text = f"{type(error).__name__}: {error}".replace("\n", " ")
    return text if len(text) <= 200 else text[:197] + "..."


@contextlib.contextmanager
def _quiet() -> Iterator[io.StringIO]:
    """Capture printing; let overflow give inf or NaN instead of a warning raised as an error."""
    out = io.StringIO()
    with (
        contextlib.redirect_stdout(out),
        warnings.catch_warnings(),
        np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"),
    ):
        warnings.simplefilter("ignore", RuntimeWarning)
        yield out


def _copy(value: object) -> object:
    return value.copy() if isinstance(value, np.ndarray) else value


def theta_of(w: object, b: object) -> np.ndarray:
    """(w, b) as one flat float vector (w_1, ..., w_d, b), whatever shapes the target used."""
    return np.concatenate([np.ravel(np.asarray(w, dtype=float)), np.ravel(np.asarray(b, dtype=float))])


def params_of(theta: np.ndarray) -> dict:
    """The article's ``{'w': (d, 1) array, 'b': float}`` for a flat theta."""
    return {"w": theta[:-1].reshape(-1, 1).copy(), "b": float(theta[-1])}


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
    error : FloatingPointError, OverflowError or None
        The error that stopped training (``linreg`` raises one when the loss overflows).
    start : ndarray of shape (d + 1,) or None
        The (w, b) its ``initialize_params`` returned during this very run, flat: where
        this run started. None if its ``linear_train`` never called ``initialize_params``.
    """

    loss_history: np.ndarray | None
    params: dict | None
    grads: dict | None
    printed: list[str]
    error: ArithmeticError | None = None
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


@dataclass
class Implementation:
    """The module under test, called as the article calls its functions.

    Attributes
    ----------
    target : str
        As given to ``--impl``.
    module : module
    """

    target: str
    module: ModuleType
    _supports_verbose: bool = field(init=False)

    def __post_init__(self) -> None:
        try:
            parameters = inspect.signature(self.module.linear_train).parameters
        except (TypeError, ValueError):
            parameters = {}  # type: ignore[assignment]
        self._supports_verbose = "verbose" in parameters

    @classmethod
    def load(cls, target: str = DEFAULT) -> Implementation:
        """Import and check ``target`` (see :func:`load`)."""
        return cls(target, load(target))

    @property
    def is_linreg(self) -> bool:
        """Whether this is the project's own ``linreg`` package."""
        return self.module.__name__ == "linreg"

    @property
    def label(self) -> str:
        """How reports name it: ``linreg 0.1.0`` or the file's path."""
        if self.is_linreg:
            return f"linreg {getattr(self.module, '__version__', '')}".strip()
        origin = getattr(self.module, "__file__", None)
        return f"{self.target} ({origin})" if origin and not _looks_like_path(self.target) else str(origin)

    def _call(self, name: str, *args: object, **kwargs: object) -> tuple[object, list[str]]:
        with _quiet() as out:
            result = getattr(self.module, name)(*(_copy(a) for a in args), **kwargs)
        return result, out.getvalue().splitlines()

    # ------------------------------------------------------------------ the article's five
    def initialize_params(self, dims: int) -> tuple[object, object]:
        """``initialize_params(dims)``: the target's (w, b), as returned."""
        (w, b), _ = self._call("initialize_params", dims)  # type: ignore[misc]
        return w, b

    def linear_loss(self, X: np.ndarray, y: np.ndarray, w: object, b: object) -> Evaluation:
        """``linear_loss(X, y, w, b)``: prediction, loss and gradients, as returned."""
        result, _ = self._call("linear_loss", X, y, w, b)
        return Evaluation(*result)  # type: ignore[misc]

    def train(
        self,
        X: np.ndarray,
        y: np.ndarray,
        learning_rate: float,
        epochs: int,
        *,
        report: bool = False,
        start: np.ndarray | None = None,
    ) -> Training:
        """``linear_train(X, y, learning_rate, epochs)``; ``report`` asks for its progress lines.

        The article's loop prints every 10,000 epochs unconditionally; ``linreg`` only
        with ``verbose=True``, which is passed when the target's ``linear_train`` takes it.

        What its ``initialize_params`` returns during the run is recorded (``Training.start``).
        ``start``, a flat (w, b), makes that call return this point instead, in the shapes
        and types its own ``initialize_params`` gives: the same loop, from another start.
        """
        kwargs = {"verbose": True} if report and self._supports_verbose else {}
        with _quiet() as out, self._starting(X.shape[1], start) as starts:
            try:
                loss_his, params, grads = self.module.linear_train(
                    X.copy(), y.copy(), learning_rate, epochs, **kwargs
                )
            except (FloatingPointError, OverflowError) as error:
                partial = getattr(error, "loss_history", None)
                return Training(
                    None if partial is None else np.asarray(partial, dtype=float),
                    None,
                    None,
                    out.getvalue().splitlines(),
                    error,
                    starts[0] if starts else None,
                )
        history = np.asarray(loss_his, dtype=float)
        return Training(
            history, params, grads, out.getvalue().splitlines(), start=starts[0] if starts else None
        )

    @contextlib.contextmanager
    def _starting(self, dims: int, start: np.ndarray | None) -> Iterator[list[np.ndarray]]:
        """Record (and, given ``start``, replace) what ``initialize_params`` returns inside ``linear_train``.

        ``linear_train`` finds ``initialize_params`` among its module's globals; the one found
        there is wrapped for the duration of the call.
        """
        starts: list[np.ndarray] = []
        namespace = getattr(self.module.linear_train, "__globals__", None)
        own = namespace.get("initialize_params") if namespace is not None else None
        if own is None or not callable(own):
            yield starts
            return

        def recorded(*args: object, **kwargs: object) -> object:
            w, b = own(*args, **kwargs)
            if start is not None:
                w = np.asarray(start[:-1], dtype=float).reshape(np.shape(w))
                b = (
                    np.asarray(start[-1], dtype=float).reshape(np.shape(b))
                    if np.ndim(b)
                    else float(start[-1])
                )
            starts.append(theta_of(w, b))
            return w, b

        namespace["initialize_params"] = recorded
        try:
            yield starts
        finally:
            namespace["initialize_params"] = own

    def predict(self, X: np.ndarray, params: dict) -> object:
        """``predict(X, params)``, as returned."""
        result, _ = self._call("predict", X, {"w": _copy(params["w"]), "b": params["b"]})
        return result

    def r2_score(self, y_true: object, y_pred: object) -> float:
        """``r2_score(y_test, y_pred)`` as a float."""
        result, _ = self._call("r2_score", y_true, y_pred)
        return float(result)  # type: ignore[arg-type]

    # ------------------------------------------------------------------ views the steps share
    def gradient(self, X: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        """The target's (dw, db) at a flat theta, as one flat vector: what its loop steps against."""

        def gradient(theta: np.ndarray) -> np.ndarray:
            evaluation = self.linear_loss(X, y, theta[:-1].reshape(-1, 1), float(theta[-1]))
            return theta_of(evaluation.dw, evaluation.db)

        return gradient

    def loss(self, X: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], float]:
        """The target's loss at a flat theta."""
        return lambda theta: float(self.linear_loss(X, y, theta[:-1].reshape(-1, 1), float(theta[-1])).loss)  # type: ignore[arg-type]

    def fit(self, split: Split, params: dict) -> Fit:
        """Score ``params`` as the article does: the target's loss, predict and R^2.

        The mean squared error is scikit-learn's, as the article's section 5 computes it.
        """
        w, b = params["w"], params["b"]
        y_pred = np.asarray(self.predict(split.X_test, params), dtype=float)
        loss = float(self.linear_loss(split.X_train, split.y_train, w, b).loss)  # type: ignore[arg-type]
        return Fit(
            params={"w": np.asarray(w, dtype=float), "b": float(np.ravel(np.asarray(b, dtype=float))[0])},
            train_loss=loss,
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
            raise AssertionError(f"the article's run raised {_one_line(training.error)}")
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
                "db": float(np.ravel(training.grads["db"])[0]),
            },
            optimum=optimum,
            sklearn=sklearn_fit,
        )


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
