#!/usr/bin/env bash
# Editor tests of the extension: build the .vsix, install it into code-server, and drive VS Code
# with headless Chromium (tests/e2e/vscode.test.mjs). Installs what it needs, idempotently.
# Exits non-zero on any failure. Screenshots and logs: .artifacts/e2e/.
#   SQLALCHEMY_LINT_VSIX=path  test that .vsix instead of building one
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/editor_setup.sh
. "$ROOT/scripts/editor_setup.sh"

started=$SECONDS
ensure_debian_packages chromium fonts-liberation
ensure_code_server
log "tools ready after $((SECONDS - started)) s"

if [ -z "${SQLALCHEMY_LINT_VSIX:-}" ]; then
    build_vsix
fi
log "vsix ready after $((SECONDS - started)) s"

rm -rf "$ROOT/.artifacts/e2e"
status=0
(cd "$ROOT" && node --test --test-concurrency=1 tests/e2e/vscode.test.mjs) || status=$?
if [ "$status" -eq 0 ]; then
    # The Marketplace page (client/MARKETPLACE.md) shows these: kept current by this run.
    for pair in 1-squiggle:squiggle 3-hover:hover 5-quickfix-menu:quick-fix 9-workspace-problems:check-workspace; do
        cp "$ROOT/.artifacts/e2e/diagnostics-${pair%%:*}.png" "$ROOT/images/${pair##*:}.png"
    done
fi
log "finished after $((SECONDS - started)) s with status $status; artefacts in .artifacts/e2e/"
exit "$status"
