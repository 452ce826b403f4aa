"""The ``linreg`` command line: ``linreg reproduce`` runs the article's experiment end to end.

It trains as section 3 does (with a progress bar on a terminal), prints one table of
the article's figures beside linreg's and scikit-learn's, and writes the loss curve
of section 4 as ``loss_curve.png``.

Every failure is one line on stderr and a conventional exit status, never a traceback:
0 success, 1 a failure while running (training diverged, the PNG could not be written,
out of memory), 2 a bad option (including an ``--out`` that cannot be written, found
before training), 130 interrupted (Ctrl-C), 141 stdout closed early (``| head``),
which ends the run quietly as SIGPIPE ends other command-line tools.
"""

from __future__ import annotations

import argparse
import functools
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO, TypeVar

from linreg import __version__
from linreg._validation import as_count, as_learning_rate
from linreg.core import Callback, TrainingDiverged
from linreg.experiment import EPOCHS, LEARNING_RATE, load_diabetes_split, run_article

if TYPE_CHECKING:
    from tqdm import tqdm

PROG = "linreg"
LOSS_CURVE = "loss_curve.png"
# Progress-bar refreshes per run: enough to look live, few enough to cost nothing.
_PROGRESS_STEPS = 200
#: Above this many epochs without --exact, a note points to it before training starts.
LONG_RUN = 2_000_000
#: Exit statuses beyond 0, 1 and 2: 128 + the signal, as a shell reports a process it ended.
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
#: Characters of the output that an ASCII terminal cannot show, and what it shows instead.
_ASCII = str.maketrans({"\u2014": "-", "\u00b2": "^2", "\u03bb": "lambda"})
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
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    reproduce = commands.add_parser(
        "reproduce",
        help="run the article's diabetes experiment and compare it with the article and scikit-learn",
        description=(
            "Train by gradient descent on the diabetes data as the article does (sections 3-5), "
            "print the article's figures beside linreg's and scikit-learn's, and save the loss curve. "
            "The article's column is shown only for the article's settings (200,000 epochs at 0.01). "
            "A learning rate at or above the stable bound 2/lambda_max of the training data is "
            "reported before training, and a run whose loss rose says so in its table."
        ),
        epilog=(
            "exit status: 0 success; 1 training diverged or the run failed (e.g. the PNG could not "
            "be written); 2 a bad option; 130 interrupted; 141 stdout closed early."
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
        "--exact",
        action="store_true",
        help=(
            "compute the loss history in closed form (linreg.gradient_descent_history) instead of "
            "running every epoch: exact (each loss equals the loop's to 1e-10 relative; measured "
            "5e-14 on the article's run) and over 100 times faster (docs/benchmarks.md), for long "
            "runs such as --epochs 45000000 (seconds and under 1 GB instead of minutes); needs a "
            "learning rate below the stable bound"
        ),
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
        help=(
            f"folder to write {LOSS_CURVE} into, created if missing; checked for writing before "
            "training (default: the current folder)"
        ),
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

    from linreg.analysis import stable_learning_rate
    from linreg.plotting import plot_loss_curve
    from linreg.report import format_report

    def fail(status: int, message: str) -> NoReturn:
        parser.exit(status, f"{PROG} reproduce: error: {message}\n")

    # Everything that can be found wrong before training is, so a long run never ends in
    # an error it could have reported at once.
    problem = _unwritable(args.out)
    if problem:
        fail(2, f"argument --out: {problem}")
    split = load_diabetes_split()
    bound = stable_learning_rate(split.X_train)
    if args.learning_rate >= bound and not args.exact:  # --exact refuses it below, as an error
        _note(
            f"{PROG} reproduce: warning: --learning-rate {args.learning_rate:g} is at or above the stable "
            f"bound 2/lambda_max = {bound:.6g} of this data: the loss will not descend, and may overflow"
        )
    if args.epochs > LONG_RUN and not args.exact:
        _note(
            f"{PROG} reproduce: note: the loop runs all {args.epochs:,} epochs one by one; --exact "
            "computes the same history in closed form in seconds"
        )
    # No bar unless stderr is a terminal (CI logs, pipes, tests) or when it is closed.
    show = not args.exact and sys.stderr is not None and sys.stderr.isatty()
    with tqdm(total=args.epochs, desc="training", unit="epoch", disable=not show, leave=False) as bar:
        callback = None if bar.disable else _progress_callback(bar, args.epochs)
        try:
            run = run_article(split, args.learning_rate, args.epochs, callback=callback, exact=args.exact)
        except TrainingDiverged as exc:
            fail(1, str(exc))
        except MemoryError as exc:
            fail(1, f"out of memory: {exc}")
        bar.update(bar.total - bar.n)
    _say(format_report(run))
    target = args.out / LOSS_CURVE
    try:
        path = plot_loss_curve(run.loss_history, target, optimum_loss=run.optimum.train_loss)
    except OSError as exc:
        fail(1, f"cannot write {exc.filename if exc.filename else target}: {exc.strerror or exc}")
    _say(f"Loss curve written to {path}")
    return 0


def _unwritable(out: Path) -> str | None:
    """Why ``out`` cannot receive the loss curve, or None. Creates ``out`` if missing."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create {out}: {exc.strerror}"
    if (out / LOSS_CURVE).is_dir():
        return f"cannot write {out / LOSS_CURVE}: {os.strerror(21)}"  # EISDIR: "Is a directory"
    # The mode bits do not say (root ignores them; sysfs refuses everyone): try.
    try:
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        return f"cannot write into {out}: {exc.strerror}"
    return None


def _say(text: str) -> None:
    """Print to stdout, in ASCII where stdout's encoding cannot show the table's dash."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        text = text.translate(_ASCII)
    print(text)


def _note(line: str) -> None:
    """One line on stderr, or nothing when stderr is closed: a note is never worth a crash."""
    if sys.stderr is None:
        return
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):  # a broken pipe, or a stream closed under us
        pass


def _forgiving(stream: TextIO | None) -> None:
    # A character the stream cannot encode is written as an escape, never an exception.
    reconfigure = getattr(stream, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``linreg`` console script and of ``python -m linreg``.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0 on success, 130 if interrupted, 141 if stdout was closed
        early. Bad options exit through argparse (status 2), failures while running
        through ``parser.exit`` (status 1), each with one line on stderr.
    """
    _forgiving(sys.stdout)
    _forgiving(sys.stderr)
    try:
        try:
            parser = build_parser()
            args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
            status: int = args.handler(args)
        except SystemExit:  # --help, --version and errors print before they exit
            _flush_stdout()
            raise
        _flush_stdout()
        return status
    except KeyboardInterrupt:
        _note(f"{PROG}: interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader has gone (`linreg reproduce | head -1`). Point stdout at devnull so
        # the interpreter's own flush at exit cannot fail again, and end quietly, as
        # Python's documentation on SIGPIPE advises.
        _discard_stdout()
        return EXIT_BROKEN_PIPE


def _flush_stdout() -> None:
    # Here, inside main, where a closed pipe can still be handled: left to the
    # interpreter's exit, it would print "Exception ignored ... BrokenPipeError".
    if sys.stdout is not None:
        sys.stdout.flush()


def _discard_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # no file descriptor (tests' StringIO)
        pass
