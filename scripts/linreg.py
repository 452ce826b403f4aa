#!python
"""The ``linreg`` command: :func:`linreg.cli.main`, guarded while the package loads.

A script rather than a generated entry point: loading linreg (numpy first) takes a fifth
of a second, and an interrupt or exhausted memory in that time would otherwise end in a
traceback. Once ``main`` runs it handles both itself (see linreg/cli.py).
"""

import sys

try:
    from linreg.cli import main
except KeyboardInterrupt:
    status, line = 130, "linreg: interrupted"
except (MemoryError, ImportError) as exc:
    # A library that cannot be mapped into memory fails to import, like one that is missing;
    # the loader's message tells them apart (the same signs as linreg.cli.memory_exhausted).
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    signs = ("cannot allocate memory", "failed to map segment", "out of memory")
    status = 1
    if isinstance(exc, MemoryError) or any(sign in text.lower() for sign in signs):
        line = "linreg: error: out of memory while loading linreg"
    else:
        line = f"linreg: error: cannot load linreg: {text}"
else:
    sys.exit(main())
try:
    print(line, file=sys.stderr, flush=True)
except (AttributeError, OSError, ValueError):  # no stderr to tell
    pass
sys.exit(status)
