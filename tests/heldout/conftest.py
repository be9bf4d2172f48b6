# The held-out corpus holds sample projects for the linter to analyse, not tests to run.
# Their test_*.py and conftest.py files import packages that are not installed,
# so keep pytest from collecting anything below this directory.
collect_ignore_glob = ["*"]
