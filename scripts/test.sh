#!/usr/bin/env bash
# Sets up everything the tests need (a venv with the package and its test extras)
# and runs every check: ruff, mypy --strict, and the whole pytest suite.
# The README's test command and .ci/run both call this script.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

# Editors the end-to-end tests drive (Debian packages). CI runs as root on Debian.
if ! command -v nvim >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing neovim (apt-get)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq neovim >/dev/null
  else
    echo "note: Neovim is missing and cannot be installed here; its test is skipped"
  fi
fi

echo "== ruff"
.venv/bin/ruff check server tests
.venv/bin/ruff format --check server tests
echo "== mypy --strict"
.venv/bin/mypy
echo "== rule documentation is current"
.venv/bin/python -m sqlalchemy_lint.docs --check
echo "== pytest"
.venv/bin/python -m pytest -q "$@"
