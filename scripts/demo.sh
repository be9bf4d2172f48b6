#!/usr/bin/env bash
# `npm run demo`: build the .vsix and open a copy of examples/ in code-server with it installed.
# Prints the URL to open in a browser; Ctrl+C stops it.
#   DEMO_PORT (default 8080), DEMO_HOST (default 127.0.0.1; there is no password: keep it local)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/editor_setup.sh
. "$ROOT/scripts/editor_setup.sh"

ensure_code_server
build_vsix
version="$(node -p "require('$ROOT/package.json').version")"
vsix="$ROOT/sqlalchemy-lint-$version.vsix"

demo="$ROOT/.artifacts/demo"
rm -rf "$demo"
mkdir -p "$demo/user-data/User" "$demo/extensions"
# A copy, so quick fixes tried in the demo do not edit the repository's examples.
cp -r "$ROOT/examples" "$demo/examples"
cat >"$demo/user-data/User/settings.json" <<'JSON'
{
    "security.workspace.trust.enabled": false,
    "workbench.startupEditor": "none",
    "telemetry.telemetryLevel": "off",
    "update.mode": "none",
    "chat.disableAIFeatures": true,
    "git.openRepositoryInParentFolders": "never"
}
JSON
export XDG_CONFIG_HOME="$demo/config" XDG_DATA_HOME="$demo/data"
dirs=(--user-data-dir "$demo/user-data" --extensions-dir "$demo/extensions")
"$CODE_SERVER_BIN" "${dirs[@]}" --install-extension "$vsix" >/dev/null

host="${DEMO_HOST:-127.0.0.1}"
port="${DEMO_PORT:-8080}"
echo
echo "  SQLAlchemy Lint demo: http://$host:$port/?folder=$demo/examples"
echo "  Open a file under shop/ to see the diagnostics; Ctrl+C stops the demo."
echo
exec "$CODE_SERVER_BIN" "${dirs[@]}" --bind-addr "$host:$port" --auth none --disable-telemetry \
    --disable-update-check --disable-workspace-trust --disable-getting-started-override "$demo/examples"
