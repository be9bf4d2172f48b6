#!/usr/bin/env bash
# Sets up everything the tests need (a venv with the package and its test extras,
# npm packages, Neovim, code-server and Chromium) and runs every check: ruff,
# mypy --strict, the pytest suite (server, CLI, Neovim), tsc --strict on the
# VS Code client, the extension inside real VS Code (code-server + headless
# Chromium) and the client's unit tests.
# The README's test command and .ci/run both call this script.
# SKIP_VSCODE_E2E=1 leaves out the VS Code part (it needs root for apt-get).
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

if [ -n "${SKIP_VSCODE_E2E:-}" ]; then
  echo "note: SKIP_VSCODE_E2E is set; the VS Code client was not built or tested"
  exit 0
fi
echo "== VS Code client: npm ci, tsc --strict"
npm ci --no-audit --no-fund --loglevel=error
npm run --silent lint
echo "== VS Code client: the universal package, built and inspected (needs npm ci)"
.venv/bin/python -m pytest -q tests/test_packages.py
echo "== VS Code client: package the .vsix and test it inside code-server"
bash scripts/e2e_vscode.sh
echo "== VS Code client: the package's native modules match its platform"
.venv/bin/python scripts/inspect_packages.py "${SQLALCHEMY_LINT_VSIX:-$(ls sqlalchemy-lint-*.vsix | head -1)}"
echo "== VS Code client: unit tests"
npm run --silent test:unit
