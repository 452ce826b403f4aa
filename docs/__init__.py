"""Executed documentation; a package only so that docs/conftest.py has a unique module name."""
