"""The ``linreg`` command line: ``linreg reproduce`` runs the article's experiment end to end.

It trains as section 3 does (with a progress bar on a terminal), prints one table of
the article's figures beside linreg's and scikit-learn's, and writes the loss curve
of section 4 as ``loss_curve.png``.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TypeVar

from linreg._validation import as_count, as_learning_rate
from linreg.core import Callback, TrainingDiverged
from linreg.experiment import EPOCHS, LEARNING_RATE, run_article

if TYPE_CHECKING:
    from tqdm import tqdm

PROG = "linreg"
LOSS_CURVE = "loss_curve.png"
# Progress-bar refreshes per run: enough to look live, few enough to cost nothing.
_PROGRESS_STEPS = 200
T = TypeVar("T")


def positive_int(text: str) -> int:
    """argparse ``type=``: a whole number of at least 1, checked as ``linear_train`` checks epochs.

    >>> positive_int("20_000")
    20000
    """
    return _checked(text, int, lambda value: as_count(value, "epochs"), "a positive integer")


def positive_float(text: str) -> float:
    """argparse ``type=``: a finite number above 0, checked as ``linear_train`` checks its rate.

    >>> positive_float("1e-2")
    0.01
    """
    return _checked(text, float, as_learning_rate, "a positive finite number")


def _checked(text: str, parse: Callable[[str], T], check: Callable[[T], T], what: str) -> T:
    # The same checks as the library's, reworded for argparse, which names the option.
    try:
        return check(parse(text))
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"must be {what}, got {text!r}") from None


class _Parser(argparse.ArgumentParser):
    # argparse prints the usage block before an error; a bad option deserves
    # one line that names it, with a pointer to --help.
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The ``linreg`` argument parser with its ``reproduce`` subcommand."""
    parser = _Parser(
        prog=PROG, description="Linear regression from scratch, as a popular tutorial builds it, audited."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    reproduce = commands.add_parser(
        "reproduce",
        help="run the article's diabetes experiment and compare it with the article and scikit-learn",
        description=(
            "Train by gradient descent on the diabetes data as the article does (sections 3-5), "
            "print the article's figures beside linreg's and scikit-learn's, and save the loss curve."
        ),
    )
    reproduce.add_argument(
        "--epochs",
        type=positive_int,
        default=EPOCHS,
        metavar="N",
        help=f"number of gradient-descent epochs, a positive integer (default: {EPOCHS}, the article's)",
    )
    reproduce.add_argument(
        "--learning-rate",
        type=positive_float,
        default=LEARNING_RATE,
        metavar="ALPHA",
        help=f"gradient-descent step size, a positive number (default: {LEARNING_RATE}, the article's)",
    )
    reproduce.add_argument(
        "--out",
        type=Path,
        default=Path(),
        metavar="DIR",
        help=f"folder to write {LOSS_CURVE} into, created if missing (default: the current folder)",
    )
    # The handler gets its own subparser, so its errors read "linreg reproduce: error: ...".
    reproduce.set_defaults(handler=functools.partial(_reproduce, parser=reproduce))
    return parser


def _progress_callback(bar: tqdm, epochs: int) -> Callback:
    # linear_train calls back every epoch; the bar is advanced in chunks so a
    # 200,000-epoch run refreshes it only _PROGRESS_STEPS times.
    chunk = max(1, epochs // _PROGRESS_STEPS)

    def callback(epoch: int, loss: float, w: object, b: float) -> None:
        if epoch % chunk == 0:
            bar.update(chunk)

    return callback


def _reproduce(args: argparse.Namespace, *, parser: argparse.ArgumentParser) -> int:
    # Imported here so that `linreg --help` stays quick, and so that a core-only
    # install (numpy alone) gets a sentence rather than a traceback.
    try:
        import matplotlib  # noqa: F401  (plot_loss_curve imports it lazily)
        import sklearn  # noqa: F401  (so does run_article)
        from tqdm import tqdm
    except ImportError as exc:
        parser.exit(
            1,
            f"{PROG} reproduce: error: {exc.name} is not installed; "
            "install the extra with: pip install 'linreg[reproduce]'\n",
        )

    from linreg.plotting import plot_loss_curve
    from linreg.report import NOTE, format_table, reproduction_rows

    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        parser.exit(2, f"{PROG} reproduce: error: argument --out: cannot create {args.out}: {exc.strerror}\n")
    # disable=None: no bar unless stderr is a terminal (CI logs, pipes, tests).
    with tqdm(total=args.epochs, desc="training", unit="epoch", disable=None, leave=False) as bar:
        callback = None if bar.disable else _progress_callback(bar, args.epochs)
        try:
            run = run_article(learning_rate=args.learning_rate, epochs=args.epochs, callback=callback)
        except TrainingDiverged as exc:
            parser.exit(1, f"{PROG} reproduce: error: {exc}\n")
        bar.update(bar.total - bar.n)
    print(format_table(reproduction_rows(run)))
    print(NOTE)
    path = plot_loss_curve(run.loss_history, args.out / LOSS_CURVE, optimum_loss=run.optimum.train_loss)
    print(f"Loss curve written to {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``linreg`` console script and of ``python -m linreg``.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status, 0 on success. Bad options exit through argparse (status 2).
    """
    parser = build_parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    return args.handler(args)
