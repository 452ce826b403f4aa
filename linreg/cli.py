"""The ``linreg`` command line: ``linreg reproduce`` runs the article's experiment end to end.

It trains as section 3 does (with a progress bar on a terminal), prints one table of
the article's figures beside linreg's and scikit-learn's, and writes the loss curve
of section 4 as ``loss_curve.png``.

Every failure is one line on stderr and a conventional exit status, never a traceback:
0 success, 1 a failure while running (training diverged, the PNG or stdout could not be
written, out of memory), 2 a bad option (including an ``--out`` that cannot be written and
a learning rate ``--exact`` cannot take, found before training), 130 interrupted (Ctrl-C),
141 stdout closed early (``| head``), which ends the run quietly as SIGPIPE ends other
command-line tools, 143 terminated (SIGTERM). An interrupt while Python loads the package,
before :func:`main` runs, is the installed ``linreg`` script's to report (scripts/linreg.py);
``python -m linreg`` has no such guard, Python loading the package before any of its code.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib
import os
import signal
import sys
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
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
EXIT_TERMINATED = 128 + signal.SIGTERM
#: The most epochs a run can keep a loss for: its history is one float64 array, whose size
#: in bytes must be an index (numpy refuses more, whatever the machine's memory).
MAX_EPOCHS = sys.maxsize // 8
#: What `linreg reproduce` imports beyond numpy: (import name, distribution name).
EXPERIMENT_LIBRARIES = (("sklearn", "scikit-learn"), ("matplotlib", "matplotlib"), ("tqdm", "tqdm"))
#: Characters of the output that an ASCII terminal cannot show, and what it shows instead.
_ASCII = str.maketrans({"\u2014": "-", "\u00b2": "^2", "\u03bb": "lambda"})
T = TypeVar("T")


def positive_int(text: str) -> int:
    """argparse ``type=``: a whole number of at least 1, checked as ``linear_train`` checks epochs.

    >>> positive_int("20_000")
    20000
    """
    return _checked(text, int, lambda value: as_count(value, "epochs"), "a positive integer")


def epoch_count(text: str) -> int:
    """argparse ``type=`` of ``--epochs``: a positive integer whose loss history one array can hold.

    >>> epoch_count("200000")
    200000
    """
    epochs = positive_int(text)
    if epochs > MAX_EPOCHS:
        raise argparse.ArgumentTypeError(
            f"must be at most {MAX_EPOCHS:,} (one float64 loss is kept per epoch, in one array), got {text!r}"
        )
    return epochs


def out_folder(text: str) -> Path:
    """argparse ``type=`` of ``--out``: a folder's path; the empty string names none.

    >>> out_folder("out")
    PosixPath('out')
    """
    if not text:
        raise argparse.ArgumentTypeError("must name a folder, got '' (use --out . for the current folder)")
    return Path(text)


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

    def _print_message(self, message: str, file: TextIO | None = None) -> None:  # type: ignore[override]
        # argparse drops a failed write silently, so `linreg --help > /dev/full` would exit 0
        # with nothing written; on stdout that is a failure to report (see _stdout_writes).
        if not message:
            return
        file = sys.stderr if file is None else file
        if file is sys.stdout:
            with _stdout_writes():
                file.write(message)
            return
        try:
            file.write(message)
        except (AttributeError, OSError):  # no stderr (closed), or one that refuses: nothing to tell
            pass


def parse(parser: argparse.ArgumentParser, argv: Sequence[str]) -> argparse.Namespace:
    """``parser.parse_args(argv)``, with an unknown option reported by the subcommand given it.

    argparse reports an unknown option after a subcommand as the top-level parser's
    ("linreg: error: unrecognized arguments"); here the subcommand says it.
    """
    parsed, extras = parser.parse_known_args(argv)
    if extras:
        getattr(parsed, "parser", parser).error(f"unrecognized arguments: {' '.join(extras)}")
    return parsed


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
            "be written, out of memory); 2 a bad option (found before training); 130 interrupted; "
            "141 stdout closed early; 143 terminated."
        ),
    )
    reproduce.add_argument(
        "--epochs",
        type=epoch_count,
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
            "5e-14 on the article's run) and over 100 times faster, for long runs such as "
            "--epochs 45000000 (seconds and under 1 GB instead of minutes); needs a learning rate "
            "below the stable bound"
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
        type=out_folder,
        default=Path(),
        metavar="DIR",
        help=(
            f"folder to write {LOSS_CURVE} into, checked for writing before training and created "
            "(with its parents) only when the figure is written (default: the current folder)"
        ),
    )
    # The handler gets its own subparser, so its errors read "linreg reproduce: error: ...".
    reproduce.set_defaults(handler=functools.partial(_reproduce, parser=reproduce), parser=reproduce)
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
    def fail(status: int, message: str) -> NoReturn:
        parser.exit(status, f"{PROG} reproduce: error: {message}\n")

    _import_experiment_libraries(fail)
    from tqdm import tqdm

    from linreg.analysis import stable_learning_rate
    from linreg.plotting import plot_loss_curve
    from linreg.report import format_report

    # Everything that can be found wrong before training is, so a long run never ends in
    # an error it could have reported at once.
    problem = _unwritable(args.out)
    if problem:
        fail(2, f"argument --out: {problem}")
    split = load_diabetes_split()
    bound = stable_learning_rate(split.X_train)
    if args.learning_rate >= bound and args.exact:
        fail(
            2,
            f"argument --learning-rate: {args.learning_rate:g} is at or above the stable bound "
            f"2/lambda_max = {bound:.6g} of this data, where gradient descent does not converge and "
            "--exact has no closed form; use a smaller rate, or drop --exact to run the loop",
        )
    if args.learning_rate >= bound:
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
        # Created only now: a run that fails before this point leaves no folder behind.
        args.out.mkdir(parents=True, exist_ok=True)
        with _terminable():
            path = plot_loss_curve(run.loss_history, target, optimum_loss=run.optimum.train_loss)
    except OSError as exc:
        fail(1, f"cannot write {exc.filename if exc.filename else target}: {exc.strerror or exc}")
    _say(f"Loss curve written to {path}")
    return 0


def _import_experiment_libraries(fail: Callable[[int, str], NoReturn]) -> None:
    """Import scikit-learn, matplotlib and tqdm, or end the run in one line saying why not.

    Imported here, not at the top, so that ``linreg --help`` stays quick and a core-only
    install (numpy alone) gets a sentence rather than a traceback.
    """
    # linreg draws with matplotlib's Agg canvas and never opens a window, so the backend
    # MPLBACKEND names does not matter; an invalid one would fail matplotlib's import.
    os.environ["MPLBACKEND"] = "agg"
    for module, distribution in EXPERIMENT_LIBRARIES:
        try:
            with warnings.catch_warnings():
                # joblib (through scikit-learn) warns at import when it cannot make its
                # semaphores, as under a file-size limit; linreg runs nothing in parallel.
                warnings.filterwarnings("ignore", message=".*joblib will operate in serial mode")
                importlib.import_module(module)
        except ImportError as exc:
            if memory_exhausted(exc):
                fail(1, f"out of memory while loading {distribution}: {_first_line(exc)}")
            if isinstance(exc, ModuleNotFoundError) and exc.name == module:
                fail(
                    1,
                    f"{distribution} is not installed; linreg reproduce needs the 'reproduce' extra "
                    "(scikit-learn, matplotlib, tqdm): install linreg with it from its checkout or "
                    "wheel, as in: pip install '/path/to/linreg[reproduce]'",
                )
            fail(1, f"{distribution} is installed but cannot be loaded: {_first_line(exc)}")


def memory_exhausted(exc: BaseException) -> bool:
    """Whether ``exc`` says memory ran out: a MemoryError, or a library the loader could not map.

    Under a memory limit (``ulimit -v``) a compiled module fails to load with an ImportError,
    as if it were missing; only the loader's message tells the two apart.

    >>> memory_exhausted(ImportError("libx.so: failed to map segment from shared object"))
    True
    >>> memory_exhausted(ModuleNotFoundError("No module named 'sklearn'"))
    False
    """
    text = str(exc).lower()
    return isinstance(exc, MemoryError) or any(
        sign in text for sign in ("cannot allocate memory", "failed to map segment", "out of memory")
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _unwritable(out: Path) -> str | None:
    """Why ``out`` cannot receive the loss curve, or None. Creates nothing that stays.

    The mode bits do not say whether a file can be made (root ignores them; sysfs refuses
    everyone), so this tries: a temporary file in ``out`` if it exists, else a temporary
    folder in its nearest existing parent, where ``out`` would be created.
    """
    if os.path.isdir(out / LOSS_CURVE):
        return f"cannot write {out / LOSS_CURVE}: {os.strerror(21)}"  # EISDIR: "Is a directory"
    # os.path.exists, not Path.exists: a folder the user may not search is not there for us.
    existing = next(folder for folder in (out, *out.parents) if os.path.exists(folder))
    if not os.path.isdir(existing):
        return f"cannot {'write into' if existing == out else 'create'} {out}: {os.strerror(20)}"  # ENOTDIR
    try:
        if existing == out:
            with tempfile.TemporaryFile(dir=out):
                pass
        else:
            os.rmdir(tempfile.mkdtemp(dir=existing, prefix=".linreg-check-"))
    except OSError as exc:
        return f"cannot {'write into' if existing == out else 'create'} {out}: {exc.strerror}"
    return None


def _say(text: str) -> None:
    """Print to stdout, in ASCII where stdout's encoding cannot show the table's dash."""
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        text = text.translate(_ASCII)
    with _stdout_writes():
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


class _StdoutFailed(Exception):
    """stdout refused a write for a reason other than a reader that has gone."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error.strerror or str(error))


@contextlib.contextmanager
def _stdout_writes() -> Iterator[None]:
    # A full disk (/dev/full), a file-size limit: the output is lost, which must not pass for
    # success. A broken pipe is the reader's choice and stays a BrokenPipeError.
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise _StdoutFailed(exc) from exc


class _Terminated(BaseException):
    """SIGTERM (or SIGHUP) while the figure is written, raised where the process was, so that
    ``finally`` blocks run: the figure's temporary file is removed, as on Ctrl-C.

    Only there: a handler runs between two Python instructions, never inside a C call, so a
    process stuck in one (a library loading under a memory limit) would ignore SIGTERM. Until
    the figure, SIGTERM keeps its default and ends the process at once, with nothing to clean.
    """


def _terminate(signum: int, frame: FrameType | None) -> NoReturn:
    raise _Terminated(signal.Signals(signum).name)


@contextlib.contextmanager
def _terminable() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`_Terminated` inside the block, then restore them."""
    if threading.current_thread() is not threading.main_thread():  # signal.signal needs the main thread
        yield
        return
    previous = {sig: signal.signal(sig, _terminate) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``linreg`` command and of ``python -m linreg``.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0 on success; 1 if stdout is closed or cannot be written, or memory
        ran out; 130 if interrupted, 141 if stdout was closed early, 143 if terminated.
        Bad options exit through argparse (status 2), failures while running through
        ``parser.exit`` (status 1), each with one line on stderr.
    """
    _forgiving(sys.stdout)
    _forgiving(sys.stderr)
    if sys.stdout is None:  # started with stdout closed (`linreg ... >&-`): print() would drop it all
        _note(f"{PROG}: error: stdout is closed, so the output would be lost; redirect it instead")
        return 1
    try:
        try:
            parser = build_parser()
            args = parse(parser, sys.argv[1:] if argv is None else list(argv))
            status: int = args.handler(args)
        except SystemExit:  # --help, --version and errors print before they exit
            _flush_stdout()
            raise
        _flush_stdout()
        return status
    except KeyboardInterrupt:
        _note(f"{PROG}: interrupted")
        return EXIT_INTERRUPTED
    except _Terminated as exc:
        _note(f"{PROG}: terminated ({exc})")
        return EXIT_TERMINATED
    except BrokenPipeError:
        # The reader has gone (`linreg reproduce | head -1`). Point stdout at devnull so
        # the interpreter's own flush at exit cannot fail again, and end quietly, as
        # Python's documentation on SIGPIPE advises.
        _discard_stdout()
        return EXIT_BROKEN_PIPE
    except _StdoutFailed as exc:
        _discard_stdout()
        _note(f"{PROG}: error: cannot write to stdout: {exc}")
        return 1
    except MemoryError as exc:
        _note(f"{PROG}: error: out of memory{f': {exc}' if str(exc) else ''}")
        return 1


def _flush_stdout() -> None:
    # Here, inside main, where a closed pipe can still be handled: left to the
    # interpreter's exit, it would print "Exception ignored ... BrokenPipeError".
    if sys.stdout is not None:
        with _stdout_writes():
            sys.stdout.flush()


def _discard_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # no file descriptor (tests' StringIO)
        pass
