"""The article's experiment on scikit-learn's diabetes data (sections 3 to 5).

Needs the ``reproduce`` extra (scikit-learn); the core of :mod:`linreg` does not.
The data set ships inside scikit-learn, so nothing is downloaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from linreg._types import Grads, Params
from linreg.analysis import (
    flatten_params,
    gradient_descent_closed_form,
    gradient_descent_history,
    least_squares,
)
from linreg.core import (
    Callback,
    initialize_params,
    linear_loss,
    linear_train,
    mean_squared_error,
    predict,
    r2_score,
)

#: The article's settings (section 3).
SEED = 42
TRAIN_FRACTION = 0.8
LEARNING_RATE = 0.01
EPOCHS = 200_000


@dataclass(frozen=True)
class Split:
    """Train and test arrays; targets are columns.

    Attributes
    ----------
    X_train : ndarray of shape (n_train, 10)
    y_train : ndarray of shape (n_train, 1)
    X_test : ndarray of shape (n_test, 10)
    y_test : ndarray of shape (n_test, 1)
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def load_diabetes_split(random_state: int = SEED, train_fraction: float = TRAIN_FRACTION) -> Split:
    """The article's split: shuffle the 442 samples, first 80 % train, rest test.

    Parameters
    ----------
    random_state : int, default 42
        Seed of ``sklearn.utils.shuffle``.
    train_fraction : float, default 0.8
        The training set is the first ``int(442 * train_fraction)`` shuffled rows.

    Returns
    -------
    Split
        With the defaults: 353 training and 89 test rows of 10 features.
    """
    from sklearn.datasets import load_diabetes
    from sklearn.utils import shuffle

    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must be strictly between 0 and 1, got {train_fraction!r}")
    data = load_diabetes()
    X, y = shuffle(data.data, data.target, random_state=random_state)
    offset = int(X.shape[0] * train_fraction)
    return Split(X[:offset], y[:offset].reshape(-1, 1), X[offset:], y[offset:].reshape(-1, 1))


def _train_loss(split: Split, params: Params) -> float:
    return linear_loss(split.X_train, split.y_train, params["w"], params["b"])[1]


@dataclass(frozen=True)
class Fit:
    """A fitted model's parameters and how it scores on the split.

    Attributes
    ----------
    params : dict
        ``{'w': ndarray of shape (10, 1), 'b': float}``.
    train_loss : float
        The article's loss (with its 1/2) on the training rows.
    test_r2, test_mse : float
        R^2 and mean squared error on the test rows.
    """

    params: Params
    train_loss: float
    test_r2: float
    test_mse: float

    @classmethod
    def of(cls, split: Split, params: Params) -> Fit:
        """Score ``params`` on ``split``."""
        y_pred = predict(split.X_test, params)
        return cls(
            params=params,
            train_loss=_train_loss(split, params),
            test_r2=r2_score(split.y_test, y_pred),
            test_mse=mean_squared_error(split.y_test, y_pred),
        )


@dataclass(frozen=True)
class ArticleRun:
    """Everything the article reports, measured.

    Attributes
    ----------
    split : Split
    learning_rate : float
    epochs : int
    loss_history : ndarray of shape (epochs,)
        ``loss_history[k - 1]`` is the loss at the start of epoch ``k``.
    gradient_descent : Fit
        The parameters ``linear_train`` returns.
    final_grads : dict
        ``{'dw', 'db'}`` of the last epoch.
    optimum : Fit
        The exact least-squares solution (:func:`linreg.least_squares`).
    sklearn : Fit or None
        scikit-learn's ``LinearRegression`` on the same split.
    exact : bool
        Whether the history and parameters come from the closed form
        (:func:`linreg.gradient_descent_history`) rather than the training loop.
    start : ndarray of shape (n_features + 1,) or None
        Where the run started, (w_1, ..., w_d, b) flat, if known; the article's is zero.
    """

    split: Split
    learning_rate: float
    epochs: int
    loss_history: np.ndarray
    gradient_descent: Fit
    final_grads: Grads
    optimum: Fit
    sklearn: Fit | None = field(default=None)
    exact: bool = False
    start: np.ndarray | None = None

    @property
    def is_the_articles(self) -> bool:
        """Whether this run has the article's settings (200,000 epochs at 0.01), so its
        figures can stand beside the article's."""
        return self.epochs == EPOCHS and self.learning_rate == LEARNING_RATE

    @property
    def rises(self) -> np.ndarray:
        """The 1-based epochs whose loss is above the epoch before's by more than rounding.

        Below the stable bound there are none: in exact arithmetic every step lowers the
        loss, and computed losses near the optimum jitter by an ulp or two (4.5e-13 at
        0.99 times the bound here). A rise counts when it exceeds n_samples float64
        epsilons of the loss, the accuracy to which a sum of n_samples squares is known
        (1.1e-10 on the diabetes rows); above the bound rises start at ~1e-2 and grow.
        """
        history, found = self.loss_history, [np.empty(0, dtype=np.int64)]
        rounding = self.split.X_train.shape[0] * np.finfo(np.float64).eps
        # In chunks of 2**20 steps, so a long history costs no mask of its own size.
        for lo in range(0, history.size - 1, 2**20):
            hi = min(lo + 2**20, history.size - 1)
            before = history[lo:hi]
            found.append(np.flatnonzero(history[lo + 1 : hi + 1] - before > rounding * before) + lo + 2)
        return np.concatenate(found)

    def loss_at(self, epoch: int) -> float:
        """The loss recorded at 1-based ``epoch``, as the article's print shows it."""
        if not 1 <= epoch <= self.epochs:
            raise ValueError(f"epoch must be between 1 and {self.epochs}, got {epoch}")
        return float(self.loss_history[epoch - 1])

    def excess_loss(self, epoch: int) -> float:
        """How far the loss at 1-based ``epoch`` is above the least-squares optimum's."""
        return self.loss_at(epoch) - self.optimum.train_loss

    @property
    def distance_to_optimum(self) -> float:
        """Euclidean distance from the trained (w, b) to the least-squares optimum's."""
        gap = flatten_params(self.gradient_descent.params) - flatten_params(self.optimum.params)
        return float(np.linalg.norm(gap))


def fit_sklearn(split: Split) -> Fit:
    """Fit scikit-learn's ``LinearRegression`` as section 5 does, and score it.

    Parameters
    ----------
    split : Split
        Fitted on ``X_train`` (n_train, n_features) and ``y_train`` (n_train, 1).

    Returns
    -------
    Fit
        Its parameters as ``{'w': ndarray of shape (n_features, 1), 'b': float}``,
        with the training loss and the test R^2 and MSE.
    """
    from sklearn.linear_model import LinearRegression

    model = LinearRegression().fit(split.X_train, split.y_train)
    params: Params = {"w": model.coef_.reshape(-1, 1), "b": float(model.intercept_[0])}
    return Fit.of(split, params)


def run_article(
    split: Split | None = None,
    learning_rate: float = LEARNING_RATE,
    epochs: int = EPOCHS,
    *,
    callback: Callback | None = None,
    with_sklearn: bool = True,
    exact: bool = False,
) -> ArticleRun:
    """Train as section 3 does and measure what sections 3 to 5 report.

    Parameters
    ----------
    split : Split, optional
        Defaults to :func:`load_diabetes_split`.
    learning_rate : float, default 0.01
    epochs : int, default 200000
    callback : callable, optional
        Passed to :func:`linreg.linear_train` (progress bars use it).
    with_sklearn : bool, default True
        Also fit scikit-learn's ``LinearRegression``.
    exact : bool, default False
        Compute the history and the parameters in closed form with
        :func:`linreg.gradient_descent_history` instead of running the loop: the same
        figures (every loss to 1e-10 relative on the article's run) in milliseconds,
        for any number of epochs. ``callback`` is not called then. Needs a learning
        rate below the stable bound (TrainingDiverged otherwise).

    Returns
    -------
    ArticleRun
    """
    split = load_diabetes_split() if split is None else split
    X, y = split.X_train, split.y_train
    if exact:
        loss_his, params = gradient_descent_history(X, y, learning_rate, epochs)
        # linear_train's grads are those the last epoch stepped against: at theta_{epochs - 1}.
        if epochs == 1:
            w, b = initialize_params(X.shape[1])
        else:
            before = gradient_descent_closed_form(X, y, learning_rate, epochs - 1)
            w, b = before["w"], before["b"]
        _, _, dw, db = linear_loss(X, y, w, b)
        grads: Grads = {"dw": dw, "db": db}
    else:
        loss_his, params, grads = linear_train(X, y, learning_rate, epochs, callback=callback)
    return ArticleRun(
        split=split,
        learning_rate=learning_rate,
        epochs=epochs,
        loss_history=np.asarray(loss_his),
        gradient_descent=Fit.of(split, params),
        final_grads=grads,
        optimum=Fit.of(split, least_squares(split.X_train, split.y_train)),
        sklearn=fit_sklearn(split) if with_sklearn else None,
        exact=exact,
    )
