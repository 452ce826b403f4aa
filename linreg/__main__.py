"""``python -m linreg``: the same command line as the ``linreg`` console script."""

from linreg.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
