"""The implementation's own gradient-descent update, for runs too long to loop.

Some claims are about 10 million or a billion epochs, which the article's loop would take
hours or days to run. The spec still judges the implementation under test, never a
formula of our own:

1. its ``linear_loss`` gradient is affine in (w, b) (the loss is a quadratic), so
   ``2 p + 1`` calls read off ``H`` and ``g0`` with ``g(theta) = H theta + g0``, and two more, at
   other points, check that it really is affine (:meth:`Update.of`);
2. its own ``linear_train`` must agree with that update, ``theta <- theta - alpha g(theta)``, on
   real runs (:meth:`Update.check_run`): the session's 200,000 epochs at the article's rate from
   the start that run used, and at every rate a scenario uses, a run from its own start and one
   from another start (``impl.train(..., start=...)``). Every epoch's recorded loss is compared
   with its own loss along the update's path, read off as a quadratic, and the final parameters
   with the path's end, each within a bound on the rounding of right arithmetic (below);
3. only then is the update applied ``N`` times exactly, by repeated squaring
   (:meth:`linreg.analysis.AffineGradient.descend`).

Every figure computed that way says so (:meth:`Update.applied`): the update applied N times, and
the runs of its own loop it was checked against (:attr:`Update.checks`), up to which epoch, at
which rates and from which starts.

The error analysis of a check, per epoch k of a run of K epochs:

* the loop's parameters drift from the exact path by the rounding of each update (the gradient's,
  :mod:`tooling.rounding`, times alpha, and the step's own eps (|theta| + alpha |g|)) plus what
  the read-off H and g0 may miss (their own rounding bounds); at a stable rate
  ``||I - alpha H||_2 <= 1`` does not amplify it, so the drift ``E_k`` is at most the sum of the
  steps' bounds so far;
* the recorded loss is off from the loss at the exact path's point by at most
  ``|grad L| E_k + ||A|| E_k^2 / 2`` plus its own rounding;
* the loss along the path is the implementation's loss read off as a quadratic about the
  update's fixed point from ``1 + 2 p + p (p - 1) / 2`` calls (:class:`Quadratic`), off by at
  most the rounding of those calls times ``1 + s + 2 s^2``, ``s = sum_i |z_i| / h_i``;
* the path itself is computed by blocks of matrix powers, and its own defects measured and
  added to the drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from threadpoolctl import threadpool_limits

from linreg.analysis import AffineGradient
from linreg.experiment import ArticleRun, Split
from tooling.failures import FollowsFrom
from tooling.implementation import Implementation, Training, params_of, theta_of
from tooling.rounding import EPS

#: Epochs of each real run that vouches for the update at a learning rate the session's
#: 200,000-epoch run does not cover, and of the run from another start at every rate.
CHECK_EPOCHS = 1_000
#: The update's path is computed a block of this many epochs at a time.
BLOCK = 512


class UpdateMismatch(AssertionError):
    """The implementation's training loop does not step by the gradient its linear_loss returns."""


def checkpoints(epochs: int) -> list[int]:
    """The epochs at which a run's recorded loss is also compared with the implementation's loss itself.

    The first three, each power of ten, and the last.

    >>> checkpoints(200_000)
    [1, 2, 3, 10, 100, 1000, 10000, 100000, 200000]
    """
    marks = {1, 2, 3, epochs} | {10**k for k in range(1, 10)}
    return sorted(k for k in marks if 1 <= k <= epochs)


@dataclass(frozen=True)
class Check:
    """One real run of the implementation's training loop that its update was held to.

    Attributes
    ----------
    learning_rate : float
    start : str
        Where the run started, in words: ``its own start (all zeros)``, ``another start``.
    epochs : int
        How many epochs it ran, all of them compared.
    """

    learning_rate: float
    start: str
    epochs: int

    def __str__(self) -> str:
        return (
            f"a run at learning rate {self.learning_rate:.6g} from {self.start}, epochs 1 to {self.epochs:,}"
        )


class _Sizes:
    """Bounds, from |theta| alone, on the sizes that set the rounding of the loss and the gradient.

    With A = [X 1] and t = |theta|, a residual's terms a_i = |r_i| + S_i + |y_i| are at most
    2 (|A_i| t + |y_i|) (:mod:`tooling.rounding`), so for many thetas at once

    * T = sum a_i^2 / 2n <= (2 / n) (t^T |A|^T|A| t + 2 t^T |A|^T |y| + y^T y);
    * sum_i |A_ij| a_i / n <= (2 / n) (|A|^T|A| t + |A|^T |y|)_j.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray) -> None:
        A = np.abs(np.hstack([X, np.ones((X.shape[0], 1))]))
        self.n, self.d = X.shape
        self.gram = A.T @ A
        self.cross = A.T @ np.abs(y.reshape(-1))
        self.square = float(y.reshape(-1) @ y.reshape(-1))

    def loss(self, t: np.ndarray) -> np.ndarray:
        """Bound on the rounding of the loss at |theta| = t (rows), (n + d + 5) eps T."""
        T = (2 / self.n) * (np.sum((t @ self.gram) * t, axis=1) + 2 * t @ self.cross + self.square)
        return (self.n + self.d + 5) * EPS * T

    def loss_at_norm(self, r: np.ndarray) -> np.ndarray:
        """The same bound from ||theta|| <= r alone: t^T G t <= ||G|| r^2, t^T c <= ||c|| r."""
        T = (2 / self.n) * (
            float(np.linalg.norm(self.gram, 2)) * r**2
            + 2 * float(np.linalg.norm(self.cross)) * r
            + self.square
        )
        return (self.n + self.d + 5) * EPS * T

    def gradient(self, t: np.ndarray) -> np.ndarray:
        """Bound on the rounding of each gradient coordinate at |theta| = t (rows)."""
        return t @ self.gradient_matrix() + self.gradient_offset()

    def gradient_matrix(self) -> np.ndarray:
        return (self.n + self.d + 3) * EPS * (2 / self.n) * self.gram

    def gradient_offset(self) -> np.ndarray:
        return (self.n + self.d + 3) * EPS * (2 / self.n) * self.cross


@dataclass(frozen=True)
class Quadratic:
    """The implementation's loss read off as a quadratic about a centre c.

    ``L(c + z) = L0 + a^T z + z^T A z / 2``, from its values at c, at c +- h_i e_i and at
    c + h_i e_i + h_j e_j; each step h_i a power of two, so every probe is exact.

    Attributes
    ----------
    rounding : float
        The largest rounding bound of the probes' losses: the read-off L0, a and A are off by at
        most rounding, rounding / h_i and 4 rounding / (h_i h_j).
    """

    centre: np.ndarray
    steps: np.ndarray
    value: float
    slope: np.ndarray
    curvature: np.ndarray
    rounding: float

    @classmethod
    def read_off(cls, loss, centre: np.ndarray, steps: np.ndarray, rounding) -> Quadratic:
        """Read it off ``loss`` (a function of the flat theta); ``rounding(thetas)`` bounds each value's."""
        p = centre.size
        probes = [centre]
        for i in range(p):
            for s in (1, -1):
                probe = centre.copy()
                probe[i] += s * steps[i]
                probes.append(probe)
        pairs = [(i, j) for i in range(p) for j in range(i + 1, p)]
        for i, j in pairs:
            probe = centre.copy()
            probe[i] += steps[i]
            probe[j] += steps[j]
            probes.append(probe)
        values = np.array([float(loss(probe)) for probe in probes])
        value, up, down = values[0], values[1 : 2 * p + 1 : 2], values[2 : 2 * p + 1 : 2]
        curvature = np.diag((up - 2 * value + down) / steps**2)
        for (i, j), both in zip(pairs, values[2 * p + 1 :], strict=True):
            curvature[i, j] = curvature[j, i] = (both - up[i] - up[j] + value) / (steps[i] * steps[j])
        slope = (up - down) / (2 * steps)
        return cls(centre, steps, value, slope, curvature, float(np.max(rounding(np.abs(np.array(probes))))))

    def __call__(self, thetas: np.ndarray) -> np.ndarray:
        z = thetas - self.centre
        return self.value + z @ self.slope + np.sum((z @ self.curvature) * z, axis=1) / 2

    def along(self, thetas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Its values at many thetas (rows), and the 2-norms of its gradient there."""
        z = thetas - self.centre
        Az = z @ self.curvature
        gradient = Az + self.slope
        slope = _row_norms(gradient)
        gradient += self.slope
        gradient *= 0.5
        return self.value + np.einsum("ki,ki->k", z, gradient), slope

    def error_over(self, thetas: np.ndarray) -> float:
        """:meth:`error` for the farthest of ``thetas`` in every coordinate at once (one bound for all)."""
        reach = np.maximum(np.abs(thetas.max(axis=0) - self.centre), np.abs(thetas.min(axis=0) - self.centre))
        s = float(reach @ (1 / self.steps))
        return self.rounding * (1 + s + 2 * s**2)

    def error(self, thetas: np.ndarray) -> np.ndarray:
        """How far the read-off values at ``thetas`` can be from the quadratic the probes sampled."""
        s = np.abs(thetas - self.centre) @ (1 / self.steps)
        return self.rounding * (1 + s + 2 * s**2)


def _row_norms(rows: np.ndarray) -> np.ndarray:
    return np.sqrt(np.einsum("ki,ki->k", rows, rows))


def _flat(value: object) -> np.ndarray:
    return np.ravel(np.asarray(value, dtype=float))


def _power_of_two_above(values: np.ndarray) -> np.ndarray:
    return 2.0 ** np.ceil(np.log2(np.maximum(values, 1.0)))


@dataclass
class Update:
    """The implementation's update on one data set, read off its gradient and checked against its loop.

    Attributes
    ----------
    gradient : AffineGradient
        ``H`` and ``g0`` of the implementation's (dw, db), flattened to (w_1, ..., w_d, b).
    slack : ndarray of shape (p, p + 1)
        Bounds on the read-off errors of ``H`` (columns 0 to p - 1) and ``g0`` (the last).
    start : ndarray of shape (d + 1,)
        Where the implementation's own training starts: what its ``initialize_params`` returned
        during the run this update is held to.
    start_label : str
        That start in words.
    checks : list of Check
        The real runs of its loop the update agreed with, in order.
    """

    impl: Implementation
    X: np.ndarray
    y: np.ndarray
    gradient: AffineGradient
    slack: np.ndarray
    start: np.ndarray
    start_label: str = "its own start"
    checks: list[Check] = field(default_factory=list)

    @classmethod
    def of(
        cls,
        impl: Implementation,
        X: np.ndarray,
        y: np.ndarray,
        start: np.ndarray,
        start_label: str = "its own start",
    ) -> Update:
        """The update of ``impl`` on ``(X, y)``, its gradient read off ``impl.gradient``.

        Column i of H is (g(h e_i) - g(-h e_i)) / 2h with h a power of two large enough that the
        targets' share of the gradient's rounding, divided by h, is small; so H is off by at most
        the gradient's rounding bound at +- h e_i over h, and g0 = g(0) by its bound at 0.

        Raises
        ------
        linreg.analysis.NotAffineError
            If at two other points the gradient is not H theta + g0 up to those bounds.
        """
        from linreg.analysis import NotAffineError

        sizes = _Sizes(X, y)
        g = impl.gradient(X, y)
        p = X.shape[1] + 1
        columns = np.abs(np.hstack([X, np.ones((X.shape[0], 1))])).max(axis=0)
        steps = _power_of_two_above(1e3 * (1 + np.abs(y).max()) / np.where(columns > 0, columns, 1.0))
        offset = _flat(g(np.zeros(p)))
        hessian, slack = np.empty((p, p)), np.empty((p, p + 1))
        for i in range(p):
            probe = np.zeros(p)
            probe[i] = steps[i]
            hessian[:, i] = (_flat(g(probe)) - _flat(g(-probe))) / (2 * steps[i])
            slack[:, i] = sizes.gradient(np.abs(probe)[None, :])[0] / steps[i]
        slack[:, p] = sizes.gradient(np.zeros((1, p)))[0]
        rng = np.random.default_rng(0)
        for k in range(2):
            theta = rng.standard_normal(p) * steps / 4
            got = _flat(g(theta))
            expected = hessian @ theta + offset
            allowed = sizes.gradient(np.abs(theta)[None, :])[0] + slack[:, :p] @ np.abs(theta) + slack[:, p]
            excess = np.abs(got - expected) - allowed
            if np.any(excess > 0) or not np.all(np.isfinite(got)):
                i = int(np.argmax(np.where(np.isfinite(excess), excess, np.inf)))
                raise NotAffineError(
                    f"the gradient is not affine in the parameters: at check point {k + 1}, coordinate "
                    f"{i + 1} is {got[i]:.10g} where the affine map read off from {2 * p + 1} calls gives "
                    f"{expected[i]:.10g} (within {allowed[i]:.2g})"
                )
        return cls(
            impl, X, y, AffineGradient(hessian, offset), slack, np.asarray(start, dtype=float), start_label
        )

    # ------------------------------------------------------------------ the path and its bounds
    def _map(self, learning_rate: float) -> tuple[np.ndarray, np.ndarray]:
        p = self.gradient.offset.size
        return np.eye(p) - learning_rate * self.gradient.hessian, -learning_rate * self.gradient.offset

    def _path(self, learning_rate: float, epochs: int, start: np.ndarray) -> np.ndarray:
        """Theta after 0, 1, ..., ``epochs`` updates from ``start``, shape (epochs + 1, p).

        A block of BLOCK epochs at a time: the powers T^j (j < BLOCK) of the affine map
        T = [[M, c], [0, 1]] once, then each block's rows from its first with one matrix product.
        What that arithmetic may miss is measured afterwards (:meth:`_drift`).
        """
        M, c = self._map(learning_rate)
        p = c.size
        T = np.eye(p + 1)
        T[:p, :p], T[:p, p] = M, c
        powers = np.empty((BLOCK, p + 1, p + 1))
        powers[0] = np.eye(p + 1)
        for j in range(1, BLOCK):
            powers[j] = T @ powers[j - 1]
        leap = T @ powers[-1]
        stacked = powers.reshape(BLOCK * (p + 1), p + 1)
        path = np.empty((epochs + 1, p))
        head = np.append(np.asarray(start, dtype=float), 1.0)
        for k in range(0, epochs + 1, BLOCK):
            rows = min(BLOCK, epochs + 1 - k)
            path[k : k + rows] = (stacked @ head).reshape(BLOCK, p + 1)[:rows, :p]
            head = leap @ head
        return path

    def _drift(self, learning_rate: float, path: np.ndarray, sizes: _Sizes) -> np.ndarray:
        """E_k: how far a right loop's parameters can be from ``path[k]`` (2-norm), for every k.

        Each update of a right loop is off by at most alpha times the gradient's rounding
        (``sizes.gradient``) and the read-off H and g0's (``slack``), plus eps (|theta| + alpha |g|)
        for the step itself. The path computed by blocks is measured the same way: each row's
        defect theta_{k+1} - (theta_k - alpha g_k), computed within (p + 3) eps of its terms, is an
        update's own error. ``I - alpha H`` carries what came before on, by at most its norm (1 at
        a stable rate), so E_k is at most the sum of these bounds over the epochs before k. Each
        bound is taken in 2-norm from the rows' norms (||t S|| <= ||t|| ||S||), which keeps it to a
        few passes over the path.
        """
        M, _ = self._map(learning_rate)
        H, g0 = self.gradient.hessian, self.gradient.offset
        before, after = path[:-1], path[1:]
        norms = _row_norms(path)
        size, size_after = norms[:-1], norms[1:]
        g = before @ H.T + g0
        gradient = _row_norms(g)
        g *= learning_rate
        g += after
        g -= before
        defect = _row_norms(g)
        p = g0.size
        two = lambda matrix: float(np.linalg.norm(matrix, 2))  # noqa: E731
        per_epoch = (
            learning_rate * (two(sizes.gradient_matrix()) + two(self.slack[:, :-1])) * size
            + learning_rate * float(np.linalg.norm(sizes.gradient_offset() + self.slack[:, -1]))
            + EPS * (size + learning_rate * gradient)
            + defect
            + (p + 3)
            * EPS
            * (size_after + size + learning_rate * (two(np.abs(H)) * size + float(np.linalg.norm(g0))))
        )
        norm = max(two(M), 1.0)
        if norm == 1.0:
            return np.concatenate([[0.0], np.cumsum(per_epoch)])
        growth = norm ** np.arange(1, len(per_epoch) + 1)
        with np.errstate(over="ignore", invalid="ignore"):
            return np.concatenate([[0.0], growth * np.cumsum(per_epoch / growth)])

    # ------------------------------------------------------------------ checks against real runs
    def check_run(self, learning_rate: float, training: Training, start_label: str) -> None:
        """Hold the update to a real run of the implementation's ``linear_train``, every epoch.

        Parameters
        ----------
        learning_rate : float
        training : Training
            The run: its recorded losses (the loss at the start of each epoch), the parameters
            it returned, and where it started (``Training.start``; the update's own start when
            the run recorded none).
        start_label : str
            Where it started, in words, for :attr:`checks`.

        Raises
        ------
        UpdateMismatch
            Naming the first disagreement: the recorded loss at an epoch, or the final parameters.
        FollowsFrom
            If the implementation's loss is not a quadratic in (w, b) (claim 1.2): then no update
            can be held to its runs.
        """
        if training.error is not None or training.loss_history is None or training.params is None:
            raise UpdateMismatch(
                f"its own training at learning rate {learning_rate:g} from {start_label} raised "
                f"{training.error!r}"
            )
        # One BLAS thread: these are products of tall, thin matrices, which a second thread only
        # slows down (twenty-fold on a busy machine). threadpoolctl comes with scikit-learn.
        with threadpool_limits(1, user_api="blas"):
            self._check_run(learning_rate, training, start_label)

    def _check_run(self, learning_rate: float, training: Training, start_label: str) -> None:
        history = np.asarray(training.loss_history, dtype=float)
        epochs = history.size
        start = self.start if training.start is None else np.asarray(training.start, dtype=float)
        sizes = _Sizes(self.X, self.y)
        path = self._path(learning_rate, epochs, start)
        drift = self._drift(learning_rate, path, sizes)
        loss = self.impl.loss(self.X, self.y)
        quadratic = self._quadratic(loss, path, sizes)
        before, reach = path[:-1], _row_norms(path[:-1]) + drift[:-1]
        predicted, slope = quadratic.along(before)
        allowed = (
            slope * drift[:-1]
            + float(np.linalg.norm(quadratic.curvature, 2)) * drift[:-1] ** 2 / 2
            + sizes.loss_at_norm(reach)
            + quadratic.error_over(before)
        )
        wrong = np.flatnonzero(~(np.abs(history - predicted) <= allowed))
        # The checkpoints hold the recorded loss to the implementation's own loss as well, without
        # the read-off quadratic between them.
        for k in checkpoints(epochs):
            direct = float(loss(path[k - 1]))
            if not abs(history[k - 1] - direct) <= allowed[k - 1] + sizes.loss_at_norm(reach[k - 1 : k])[0]:
                wrong = np.append(wrong, k - 1)
                predicted[k - 1] = direct
        if wrong.size:
            k = int(wrong.min())
            raise UpdateMismatch(
                f"its own training at learning rate {learning_rate:g} from {start_label} recorded a loss of "
                f"{history[k]:.10g} at epoch {k + 1:,}, but stepping by its linear_loss's gradient from "
                f"there gives {predicted[k]:.10g} (within {allowed[k]:.2g})"
            )
        final = theta_of(training.params["w"], training.params["b"])
        gap = float(np.linalg.norm(final - path[-1])) if final.shape == path[-1].shape else np.inf
        if not gap <= drift[-1]:
            raise UpdateMismatch(
                f"after {epochs:,} epochs at learning rate {learning_rate:g} from {start_label} its own "
                f"training returns parameters {gap:.4g} away from where stepping by its linear_loss's "
                f"gradient leads (within {drift[-1]:.2g}): its loop does not step by that gradient"
            )
        self.checks.append(Check(learning_rate, start_label, epochs))

    def _quadratic(self, loss, path: np.ndarray, sizes: _Sizes) -> Quadratic:
        """The implementation's loss as a quadratic about the update's fixed point, over the path's box.

        Held at two other points in that box to its own values; a loss that is not a quadratic
        cannot be followed along a path, and is not the article's (claim 1.2).
        """
        try:
            centre = np.linalg.solve(self.gradient.hessian, -self.gradient.offset)
        except np.linalg.LinAlgError:
            centre = np.zeros(path.shape[1])
        if not np.all(np.isfinite(centre)):
            centre = np.zeros(path.shape[1])
        steps = _power_of_two_above(np.abs(path - centre).max(axis=0))
        quadratic = Quadratic.read_off(loss, centre, steps, sizes.loss)
        rng = np.random.default_rng(1)
        for _ in range(2):
            theta = centre + rng.uniform(-1, 1, centre.size) * steps
            value, expected = float(loss(theta)), float(quadratic(theta[None, :])[0])
            allowed = float(sizes.loss(np.abs(theta)[None, :])[0] + quadratic.error(theta[None, :])[0])
            if not abs(value - expected) <= allowed:
                raise FollowsFrom(
                    "claim-1.2",
                    f"its loss is not a quadratic in (w, b): {value:.10g} at a point where the quadratic "
                    f"read off {1 + centre.size * (centre.size + 3) // 2} of its values gives "
                    f"{expected:.10g}",
                )
        return quadratic

    def check_rate(self, learning_rate: float) -> None:
        """Hold the update to real runs at ``learning_rate`` from two starts, once per rate.

        From its own start (unless a check there already covers the rate, like the session's
        200,000-epoch run at 0.01) and from another start, CHECK_EPOCHS epochs each.
        """
        done = {(c.learning_rate, c.start) for c in self.checks}
        if (learning_rate, self.start_label) not in done:
            training = self.impl.train(self.X, self.y, learning_rate, CHECK_EPOCHS, start=self.start.copy())
            self.check_run(learning_rate, training, self.start_label)
        # Copies: a loop that updates in place (the article's w += ...) may write into its start.
        other, label = self.other_start()
        if (learning_rate, label) not in done:
            training = self.impl.train(self.X, self.y, learning_rate, CHECK_EPOCHS, start=other)
            if training.start is not None:  # its loop takes its start from initialize_params
                self.check_run(learning_rate, training, label)

    def other_start(self) -> tuple[np.ndarray, str]:
        """A second start for the checks: each parameter ten times the targets' spread, signs alternating."""
        p = self.start.size
        scale = 10 * float(np.std(self.y)) if np.std(self.y) > 0 else 10.0
        point = scale * (-1.0) ** np.arange(p)
        return point, f"another start (each parameter {scale:.4g}, signs alternating)"

    @classmethod
    def of_article_run(cls, impl: Implementation, split: Split, run: ArticleRun) -> Update:
        """The update on the training rows, held to the session's 200,000-epoch run from where it
        started (:func:`run_start`), every epoch.

        The plugin's session fixture ``diabetes_update`` makes it once; a refusal (its loop
        disagrees, or the run's start is unknown) is kept by pytest alike, so every scenario that
        needs the update fails the same way without checking it again.
        """
        start = run_start(impl, split, run)
        label = "its own start (all zeros)" if not np.any(start) else "its own start"
        update = cls.of(impl, split.X_train, split.y_train, start, label)
        final = theta_of(run.gradient_descent.params["w"], run.gradient_descent.params["b"])
        update.check_run(
            run.learning_rate, Training(run.loss_history, params_of(final), None, [], start=start), label
        )
        return update

    # ------------------------------------------------------------------ the long runs
    def descend(self, learning_rate: float, epochs: int, start: np.ndarray | None = None) -> np.ndarray:
        """The parameters after ``epochs`` updates at ``learning_rate`` from ``start``
        (the implementation's own starting point by default), once the rate is checked."""
        self.check_rate(learning_rate)
        return self.gradient.descend(learning_rate, epochs, self.start if start is None else start)

    def path(self, learning_rate: float, epochs: int) -> np.ndarray:
        """The parameters at the start of every epoch and after the last, shape (epochs + 1, d + 1)."""
        self.check_rate(learning_rate)
        return self._path(learning_rate, epochs, self.start)

    def applied(self, epochs: int, learning_rate: float, start: str | None = None) -> list[str]:
        """What a figure from :meth:`descend` is, a line each: the update applied ``epochs`` times,
        and every run of the implementation's own loop that update was checked against."""
        return [
            f"the implementation's update (read off its linear_loss's gradient) applied {epochs:,} times "
            f"at learning rate {learning_rate:.6g} from {start or self.start_label}, not its training loop;",
            "that update agreed with its own training loop at every epoch (losses, final parameters) "
            + ("of:" if self.checks else "of no run"),
            *(f"  {check}" for check in self.checks),
        ]


def run_start(impl: Implementation, split: Split, run: ArticleRun) -> np.ndarray:
    """Where the implementation's 200,000-epoch run started, flat.

    What its initialize_params returned during that very run (``run.start``). Where the run does
    not carry it, two one-epoch runs tell whether training starts at the same point every time;
    if it does, that is where the long run started too. If it does not (a random start), where the
    long run started is unknown, and every figure that needs it follows from claim 2.1.
    """
    recorded = getattr(run, "start", None)
    if recorded is not None:
        return _flat(recorded)
    X, y = split.X_train, split.y_train
    first, second = (impl.train(X, y, run.learning_rate, 1) for _ in range(2))
    if first.start is None:  # its linear_train does not call initialize_params
        return theta_of(*impl.initialize_params(X.shape[1]))
    if not np.array_equal(first.start, second.start):
        raise FollowsFrom(
            "claim-2.1",
            "training starts at a different point every run (its initialize_params is random), and the "
            "200,000-epoch run did not record where it started",
        )
    return _flat(first.start)
