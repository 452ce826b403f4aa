"""The implementation's own gradient-descent update, for runs too long to loop.

Some claims are about 10 million or a billion epochs, which the article's loop would take
hours or days to run. The spec still judges the implementation under test, never a
formula of our own:

1. its ``linear_loss`` gradient is affine in (w, b) (the loss is a quadratic), so
   ``size + 2`` calls read off ``H`` and ``g0`` with ``g(theta) = H theta + g0``
   (:meth:`linreg.analysis.AffineGradient.read_off`), which also checks, at fresh random
   points, that the gradient really is affine: one that is not fails there;
2. its own ``linear_train`` must agree with that update, ``theta <- theta - alpha g(theta)``
   from its own starting point, on a real run: the session's 200,000 epochs at the article's
   rate, and a short run at any other rate a scenario uses (:meth:`Update.check_run`), so a
   mistake in the training loop is caught too;
3. only then is the update applied ``N`` times exactly, by repeated squaring
   (:meth:`linreg.analysis.AffineGradient.descend`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from linreg.analysis import AffineGradient
from tooling.implementation import Implementation, theta_of

#: Epochs of the real run that vouches for the update at a learning rate not yet checked.
CHECK_EPOCHS = 1_000
EPS = float(np.finfo(np.float64).eps)


class UpdateMismatch(AssertionError):
    """The implementation's training loop does not step by the gradient its linear_loss returns."""


def checkpoints(epochs: int) -> list[int]:
    """The epochs at which a run's recorded loss is compared.

    The first three, each power of ten, and the last.

    >>> checkpoints(200_000)
    [1, 2, 3, 10, 100, 1000, 10000, 100000, 200000]
    """
    marks = {1, 2, 3, epochs} | {10**k for k in range(1, 10)}
    return sorted(k for k in marks if 1 <= k <= epochs)


@dataclass
class Update:
    """The implementation's update on one data set, read off its gradient and checked against its loop.

    Attributes
    ----------
    gradient : AffineGradient
        ``H`` and ``g0`` of the implementation's (dw, db), flattened to (w_1, ..., w_d, b).
    start : ndarray of shape (d + 1,)
        Where the implementation's own training starts (its ``initialize_params``).
    """

    impl: Implementation
    X: np.ndarray
    y: np.ndarray
    gradient: AffineGradient
    start: np.ndarray
    checked: set[float] = field(default_factory=set)

    @classmethod
    def of(
        cls, impl: Implementation, X: np.ndarray, y: np.ndarray, gradient: AffineGradient | None = None
    ) -> Update:
        """The update of ``impl`` on ``(X, y)``, its gradient read off ``impl.linear_loss`` unless given.

        Raises :class:`linreg.analysis.NotAffineError` if that gradient is not affine.
        """
        if gradient is None:
            gradient = AffineGradient.read_off(impl.gradient(X, y), X.shape[1] + 1)
        w, b = impl.initialize_params(X.shape[1])
        return cls(impl, X, y, gradient, theta_of(w, b))

    def _allowed_drift(self, epochs: int, theta: np.ndarray) -> float:
        # Each update rounds each parameter, and computes a gradient that is a sum over the n
        # rows, with an error of at most about (n + p) machine epsilons of the parameters'
        # size; along the flattest direction nothing damps it, so it can add up over the
        # epochs. Ten times that worst case: 1.6e-7 relative after the article's 200,000
        # epochs, where a loop stepping by anything but alpha times its own gradient is off
        # by a sizeable fraction of the parameters.
        n, p = self.X.shape[0], self.X.shape[1] + 1
        return 10 * max(epochs, 1) * (n + p) * EPS * max(1.0, float(np.abs(theta).max()))

    def check_run(self, learning_rate: float, loss_history: np.ndarray, final: np.ndarray) -> None:
        """Hold the update to a real run of the implementation's ``linear_train`` from its own start.

        Parameters
        ----------
        learning_rate : float
        loss_history : ndarray of shape (epochs,)
            What the run recorded: the loss at the start of each epoch.
        final : ndarray of shape (d + 1,)
            The parameters it returned.

        Raises
        ------
        UpdateMismatch
            Naming the first disagreement: the recorded loss at an epoch, or the final parameters.
        """
        epochs = len(loss_history)
        loss = self.impl.loss(self.X, self.y)
        n, p = self.X.shape[0], self.X.shape[1] + 1
        for k in checkpoints(epochs):
            theta = self.gradient.descend(learning_rate, k - 1, self.start)
            expected = loss(theta)
            # The loss moves by at most |g| times the parameters' drift, plus its own rounding.
            allowed = 10 * (n + p) * EPS * abs(expected) + float(
                np.abs(self.gradient(theta)).sum() * self._allowed_drift(k - 1, theta)
            )
            if not abs(loss_history[k - 1] - expected) <= allowed:
                raise UpdateMismatch(
                    f"its own training at learning rate {learning_rate:g} recorded a loss of "
                    f"{loss_history[k - 1]:.10g} at epoch {k:,}, but stepping by its linear_loss's gradient "
                    f"from its starting point gives {expected:.10g} there"
                )
        theta = self.gradient.descend(learning_rate, epochs, self.start)
        gap = float(np.abs(np.asarray(final, dtype=float) - theta).max())
        allowed = self._allowed_drift(epochs, theta)
        if not gap <= allowed:
            raise UpdateMismatch(
                f"after {epochs:,} epochs at learning rate {learning_rate:g} its own training returns "
                f"parameters up to {gap:.4g} away from where stepping by its linear_loss's gradient "
                f"leads (allowed {allowed:.2g}): its loop does not step by that gradient"
            )
        self.checked.add(learning_rate)

    def check_rate(self, learning_rate: float) -> None:
        """Check the update against a short real run at ``learning_rate``, once per rate."""
        if learning_rate in self.checked:
            return
        training = self.impl.train(self.X, self.y, learning_rate, CHECK_EPOCHS)
        if training.diverged:
            raise UpdateMismatch(f"its own training diverged at learning rate {learning_rate:g}")
        assert training.loss_history is not None
        self.check_run(learning_rate, training.loss_history, training.theta)

    def descend(self, learning_rate: float, epochs: int, start: np.ndarray | None = None) -> np.ndarray:
        """The parameters after ``epochs`` updates at ``learning_rate`` from ``start``
        (the implementation's own starting point by default), once the rate is checked."""
        self.check_rate(learning_rate)
        return self.gradient.descend(learning_rate, epochs, self.start if start is None else start)

    def path(self, learning_rate: float, epochs: int) -> np.ndarray:
        """The parameters at the start of every epoch and after the last, shape (epochs + 1, d + 1)."""
        self.check_rate(learning_rate)
        return self.gradient.path(learning_rate, epochs, self.start)
