"""The spec's own tooling, kept apart from the step modules.

* :mod:`tooling.implementation`: the implementation under test (``pytest --impl=TARGET``),
  loaded in a worker, probed for the article's structure at load, and called the one way
  the article calls it, every result checked for that structure before a step sees it;
* :mod:`tooling.worker`: the worker process the implementation runs in (bounded calls,
  captured prints, arguments compared after each call), and the judge's end of its pipe;
* :mod:`tooling.codec`: values across that pipe, as JSON and raw buffers, never pickle;
* :mod:`tooling.loader`: loads a module, a script or a notebook in the worker, its demo left out;
* :mod:`tooling.update`: the implementation's own gradient-descent update, read off its
  gradient and held to its own training runs, for runs too long to loop;
* :mod:`tooling.model`: one parsed model of the feature files (claims, rules, scenarios,
  steps), with the figures measured on a run and the results of a spec run;
* :mod:`tooling.ledger` and :mod:`tooling.report`: the claims ledger (Markdown) and the
  reviewer's report (HTML, from ``templates/``), both rendered from that model;
* :mod:`tooling.failures`: a failed step reported in the spec's words;
* :mod:`tooling.binding`: binds a feature file to a step module with readable test ids that
  start with their claim;
* :mod:`tooling.results`: one record of every test's every phase, as the terminal counts them,
  from which the report and its Cucumber JSON are made;
* :mod:`tooling.causes`: the root causes of a run's failures, from what each claim builds on;
* :mod:`tooling.runs`: pytest runs the suite makes of itself (other implementations, the
  reports for the browser test, the docs' commands), in background interpreters;
* :mod:`tooling.faults`: a plugin for the suite's own tests that fails a claim's teardowns;
* :mod:`tooling.mutants`: every wrong implementation on every claim (``make mutants``);
* :mod:`tooling.mutation`: a mutation-testing engine (cosmic-ray) over a right implementation,
  the spec as its test (``make mutation``);
* :mod:`tooling.styles`: every right implementation on every claim (``make styles``);
* :mod:`tooling.rounding`: how much rounding right arithmetic may show, for the steps and the update;
* :mod:`tooling.plugin`: the pytest hooks and session fixtures that tie these together.
"""
