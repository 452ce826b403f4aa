"""Step definitions shared by several feature files.

Session fixtures (the diabetes split, the 200,000-epoch run) and the Hypothesis
profiles live in the top-level conftest.py so the executed docs share them.
"""
