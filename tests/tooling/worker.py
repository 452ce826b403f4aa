"""The worker: the judged implementation runs here, in a process of its own, never in the judge's.

Both ends of one pipe live in this file. The judge (the pytest process) starts the worker
with :meth:`Worker.start`; the worker program, :func:`serve`, loads the implementation
(tests/tooling/loader.py) and answers one call at a time. Values cross as
:mod:`tooling.codec` messages (no pickle on the judge's side; float64 bit for bit), each
framed by its length, over two private pipes; the worker's own standard output and error
go to a third pipe that the judge drains and keeps only the end of (for a crash's last
words), so printing cannot flood the run.

What the worker guarantees the judge:

* it is a fresh interpreter (``python -I``), not a fork: nothing of the judge's pytest, its
  fixtures or its results is in its memory;
* it runs in a scratch directory of its own, in a session of its own (a Ctrl-C at the
  terminal reaches the judge, not it), with numpy's threads pinned to one and its address
  space limited;
* each call is bounded in time by the judge, which kills the worker's whole process group
  when a call overruns, and starts a new worker for the next call;
* a call's prints are captured, bounded (:data:`MAX_PRINTED`), and sent back with the result;
* after each call it sends back the arguments as they are then, so the judge sees a write
  into them;
* anything the implementation raises, ``SystemExit`` and ``KeyboardInterrupt`` included, is
  sent back as the exception's class names, message and (for a training run that stopped)
  the losses it carried, never re-raised in the judge.

It is a process boundary, not a security sandbox: code running as the same user can still
reach the machine. A grader who runs untrusted code should add one (a container, a VM).
"""

from __future__ import annotations

import contextlib
import io
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __package__:
    from tooling import codec
else:  # run as the worker program, ``python -I``, which leaves the script's folder off the path
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import codec  # type: ignore[no-redef]

#: The worker program, run by path.
PROGRAM = Path(__file__).resolve()
_FRAME = struct.Struct("<Q")
#: Printed text kept per call; the rest is counted, not kept.
MAX_PRINTED = 64 * 1024
#: What the judge keeps of the worker's own stdout and stderr (its last words when it crashes).
MAX_TAIL = 4 * 1024
#: Default bounds; the plugin's options override them.
DEFAULT_MEMORY_MB = 4096


class ChannelClosed(Exception):
    """The other end closed its pipe (the worker exited or was killed)."""


class CallTimeout(Exception):
    """No reply within the limit."""


# --------------------------------------------------------------------------- framing
def _write_all(fd: int, data: bytes, deadline: float | None) -> None:
    view = memoryview(data)
    while view:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CallTimeout
            _, ready, _ = select.select([], [fd], [], remaining)
            if not ready:
                raise CallTimeout
        try:
            written = os.write(fd, view[: 1 << 20])
        except BrokenPipeError:
            raise ChannelClosed from None
        view = view[written:]


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, needed = [], size
    while needed:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CallTimeout
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                raise CallTimeout
        chunk = os.read(fd, min(needed, 1 << 20))
        if not chunk:
            raise ChannelClosed
        chunks.append(chunk)
        needed -= len(chunk)
    return b"".join(chunks)


def send(fd: int, header: dict[str, Any], values: dict[str, Any], deadline: float | None = None) -> None:
    message = codec.encode(header, values)
    _write_all(fd, _FRAME.pack(len(message)) + message, deadline)


def receive(fd: int, deadline: float | None = None, limit: int | None = None) -> tuple[dict, dict]:
    (size,) = _FRAME.unpack(_read_exactly(fd, _FRAME.size, deadline))
    if limit is not None and size > limit:
        raise codec.DecodeError(f"a reply of {size:,} bytes, over the limit of {limit:,}")
    return codec.decode(_read_exactly(fd, size, deadline))


# --------------------------------------------------------------------------- the worker program
class _Printed(io.TextIOBase):
    """A stdout that keeps the first :data:`MAX_PRINTED` characters and counts the rest."""

    def __init__(self) -> None:
        self.kept: list[str] = []
        self.size = 0
        self.dropped = 0
        self.buffer = _PrintedBytes(self)

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def write(self, text: object) -> int:
        text = str(text)
        room = MAX_PRINTED - self.size
        if room > 0:
            self.kept.append(text[:room])
            self.size += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def lines(self) -> list[str]:
        return "".join(self.kept).splitlines()


class _PrintedBytes(io.RawIOBase):
    def __init__(self, text: _Printed) -> None:
        self.text = text

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        raw = bytes(data)  # type: ignore[call-overload]
        self.text.write(raw.decode("utf-8", "replace"))
        return len(raw)


def _exception(error: BaseException) -> tuple[dict[str, Any], dict[str, Any]]:
    names = [cls.__name__ for cls in type(error).__mro__]
    try:
        message = str(error)
    except BaseException:
        message = "?"
    carried = {}
    history = getattr(error, "loss_history", None)
    if history is not None:
        carried["loss_history"] = history
    return {"type": type(error).__name__, "mro": names, "message": message[:2000]}, carried


def _patched_initialize(function: Any, start: Any, record: list) -> contextlib.AbstractContextManager:
    """Record (and, given ``start``, replace) what ``initialize_params`` returns inside ``function``."""
    namespace = getattr(function, "__globals__", None)
    own = namespace.get("initialize_params") if isinstance(namespace, dict) else None

    @contextlib.contextmanager
    def patched():
        if own is None or not callable(own):
            yield
            return
        import numpy as np

        def initialize_params(*args: Any, **kwargs: Any) -> Any:
            result = own(*args, **kwargs)
            try:
                w, b = result
            except (TypeError, ValueError):
                record.append(result)
                return result
            if start is not None:
                w = np.asarray(start[:-1], dtype=float).reshape(np.shape(w))
                b = (
                    np.asarray(start[-1], dtype=float).reshape(np.shape(b))
                    if np.ndim(b)
                    else float(start[-1])
                )
                result = (w, b)
            record.append((np.array(w, copy=True) if isinstance(w, np.ndarray) else w, b))
            return result

        namespace["initialize_params"] = initialize_params
        try:
            yield
        finally:
            namespace["initialize_params"] = own

    return patched()


def _describe_functions(module: Any, arguments: dict[str, list[str]]) -> dict[str, Any]:
    """Each article function: present, callable, its signature, and whether the article's call binds."""
    import inspect

    out: dict[str, Any] = {}
    for name, names in arguments.items():
        function = getattr(module, name, None)
        entry: dict[str, Any] = {"present": function is not None, "callable": callable(function)}
        if callable(function):
            try:
                signature = inspect.signature(function)
            except (TypeError, ValueError):
                signature = None  # a builtin without one: judged by calling it
            if signature is not None:
                entry["signature"] = f"{name}{signature}"
                entry["parameters"] = list(signature.parameters)
                try:
                    signature.bind(*names)
                    entry["binds"] = True
                except TypeError:
                    entry["binds"] = False
        out[name] = entry
    return out


def _call(module: Any, header: dict[str, Any], values: dict[str, Any]) -> tuple[dict, dict]:
    import warnings

    import numpy as np

    function = getattr(module, header["function"])
    args, kwargs = values["args"], values["kwargs"]
    starts: list = []
    printed, errors = _Printed(), _Printed()
    reply: dict[str, Any] = {"ok": True}
    out: dict[str, Any] = {}
    import threading

    before = set(threading.enumerate())
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = printed, errors
    try:
        with (
            _patched_initialize(function, values.get("start"), starts)
            if header["function"] == "linear_train"
            else contextlib.nullcontext(),
            warnings.catch_warnings(),
            # The article's code overflows to inf where linreg raises: the judge reads the values.
            np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"),
        ):
            warnings.simplefilter("ignore")
            out["value"] = function(*args, **kwargs)
    except BaseException as error:
        reply["ok"] = False
        reply["raised"], out["carried"] = _exception(error)
    finally:
        sys.stdout, sys.stderr = saved
    reply["dropped"] = printed.dropped
    # Threads it started and left running (a plain computation leaves none).
    reply["threads"] = [
        t.name for t in threading.enumerate() if t not in before and t.is_alive() and not t.daemon
    ]
    out.update(args=args, kwargs=kwargs, printed=printed.lines(), starts=starts)
    return reply, out


def serve(read_fd: int, write_fd: int) -> None:
    """The worker's loop: load, then answer calls until told to exit (or killed)."""
    sys.dont_write_bytecode = True
    module = None
    while True:
        try:
            header, values = receive(read_fd)
        except ChannelClosed:
            os._exit(0)
        op = header.get("op")
        if op == "exit":
            # Without waiting for threads the implementation may have left running.
            os._exit(0)
        if op == "load":
            import loader  # type: ignore[import-not-found]

            sys.path[:0] = [p for p in values["path"] if p not in sys.path]
            limit_mb = header.get("memory_mb")
            if limit_mb:
                import resource

                limit = int(limit_mb) * 1024 * 1024
                with contextlib.suppress(ValueError, OSError):
                    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            printed = _Printed()
            saved = sys.stdout
            sys.stdout = printed
            try:
                module, notes = loader.load(values["target"])
                reply, out = (
                    {"ok": True},
                    {"notes": notes, "functions": _describe_functions(module, values["functions"])},
                )
            except loader.LoadError as error:
                reply, out = {"ok": False, "error": str(error)}, {}
            except BaseException as error:
                reply, out = {"ok": False, "error": f"loading it raised {loader.one_line(error)}"}, {}
            finally:
                sys.stdout = saved
            send(write_fd, reply, out)
        elif op == "call":
            if module is None:
                send(write_fd, {"ok": False, "error": "nothing loaded"}, {})
                continue
            reply, out = _call(module, header, values)
            try:
                send(write_fd, reply, out)
            except MemoryError:
                send(
                    write_fd,
                    {
                        "ok": False,
                        "raised": {
                            "type": "MemoryError",
                            "mro": ["MemoryError"],
                            "message": "its result is too large to send",
                        },
                    },
                    {},
                )


def _outlive_no_judge() -> None:
    """End the worker when the judge ends, however it ends (killed, crashed), even mid-call.

    On Linux the kernel does it (``PR_SET_PDEATHSIG``); elsewhere, and as a second line, a
    daemon thread notices that the worker has been handed to another parent.
    """
    judge = os.getppid()
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    if os.getppid() != judge:  # the judge ended before the line above
        os._exit(1)

    def watch() -> None:
        while os.getppid() == judge:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="linreg-judge-watch", daemon=True).start()


def _bootstrap() -> None:
    """``python -I worker.py READ_FD WRITE_FD``."""
    _outlive_no_judge()
    # Nobody at a terminal talks to the worker; the judge alone ends it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    import faulthandler

    faulthandler.enable()
    serve(int(sys.argv[1]), int(sys.argv[2]))


# --------------------------------------------------------------------------- the judge's end
@dataclass
class Exited:
    """How the worker ended, in words: ``exited with status 0`` or ``was killed by signal SIGSEGV``."""

    words: str


def _exit_words(returncode: int | None) -> str:
    if returncode is None:
        return "stopped answering"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"was killed by {name}"
    return f"exited with status {returncode}"


@dataclass
class Worker:
    """The judge's handle on one worker process for one target, restarted when it dies.

    Attributes
    ----------
    target : str
        As given to ``--impl``.
    path : list of str
        Entries put first on the worker's ``sys.path`` (for an importable module name).
    memory_mb : int
        The worker's address-space limit.
    """

    target: str
    path: list[str] = field(default_factory=list)
    memory_mb: int = DEFAULT_MEMORY_MB
    functions: dict[str, list[str]] = field(default_factory=dict)
    starts: int = 0
    scratch: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="linreg-judge-")))
    _process: subprocess.Popen | None = None
    _to: int = -1
    _from: int = -1
    _tail: bytearray = field(default_factory=bytearray)
    _drain: threading.Thread | None = None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _spawn(self) -> None:
        to_read, to_write = os.pipe()
        from_read, from_write = os.pipe()
        out_read, out_write = os.pipe()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "HYPOTHESIS"))}
        # One thread for numpy's BLAS: the same arithmetic on every machine, and no core taken
        # from the judge. Plots, if the implementation draws, go nowhere.
        env.update(
            OPENBLAS_NUM_THREADS="1",
            OMP_NUM_THREADS="1",
            MKL_NUM_THREADS="1",
            MPLBACKEND="Agg",
            LC_ALL="C.UTF-8",
        )
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-I", str(PROGRAM), str(to_read), str(from_write)],
                stdin=subprocess.DEVNULL,
                stdout=out_write,
                stderr=out_write,
                pass_fds=(to_read, from_write),
                cwd=self.scratch,
                env=env,
                start_new_session=True,
            )
        finally:
            for fd in (to_read, from_write, out_write):
                os.close(fd)
        self._to, self._from = to_write, from_read
        self._tail = bytearray()
        self._drain = threading.Thread(target=self._drain_output, args=(out_read,), daemon=True)
        self._drain.start()
        self.starts += 1

    def _drain_output(self, fd: int) -> None:
        with contextlib.suppress(OSError):
            while chunk := os.read(fd, 65536):
                self._tail += chunk
                del self._tail[:-MAX_TAIL]
        with contextlib.suppress(OSError):
            os.close(fd)

    def last_words(self) -> str:
        """The end of what the worker itself wrote to its stdout or stderr (a crash's dump)."""
        text = bytes(self._tail).decode("utf-8", "replace").strip()
        return " ".join(text.splitlines()[-3:])

    def load(self, timeout: float) -> tuple[dict, dict]:
        """Start a worker and load the target in it: the load reply's header and values.

        Raises ``CallTimeout`` or ``ChannelClosed`` (with the worker stopped) if it does not load.
        """
        self.stop()
        self._spawn()
        deadline = time.monotonic() + timeout
        try:
            send(
                self._to,
                {"op": "load", "memory_mb": self.memory_mb},
                {"target": self.target, "path": self.path, "functions": self.functions},
                deadline,
            )
            return receive(self._from, deadline)
        except (CallTimeout, ChannelClosed, codec.DecodeError):
            self.stop()
            raise

    def request(self, header: dict[str, Any], values: dict[str, Any], timeout: float) -> tuple[dict, dict]:
        """One call, answered within ``timeout`` seconds.

        Raises
        ------
        CallTimeout
            The worker did not answer in time; it has been killed.
        ChannelClosed
            The worker ended during the call (:meth:`ended` says how).
        codec.DecodeError
            The reply was not a codec message; the worker has been killed.
        """
        deadline = time.monotonic() + timeout
        try:
            send(self._to, header, values, deadline)
            return receive(self._from, deadline)
        except CallTimeout:
            self.stop()
            raise
        except codec.DecodeError:
            self.stop()
            raise
        except ChannelClosed:
            self._reap()
            raise

    def _reap(self) -> None:
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=2)
            if self._process.poll() is None:
                self.stop()
        if self._drain is not None:
            self._drain.join(timeout=1)

    def ended(self) -> str:
        """How the last worker ended, in words."""
        return _exit_words(self._process.returncode if self._process is not None else None)

    def stop(self) -> None:
        """Kill the worker and everything it started, and close the pipes."""
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        elif process is not None:
            # It has ended; what it started may not have.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        for fd in (self._to, self._from):
            if fd >= 0:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._to = self._from = -1
        if self._drain is not None:
            self._drain.join(timeout=1)

    def close(self) -> None:
        """End the worker for good and remove its scratch directory."""
        if self.alive:
            with contextlib.suppress(CallTimeout, ChannelClosed, OSError):
                send(self._to, {"op": "exit"}, {}, time.monotonic() + 1)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(timeout=1)  # type: ignore[union-attr]
        self.stop()
        import shutil

        shutil.rmtree(self.scratch, ignore_errors=True)


if __name__ == "__main__":
    _bootstrap()
