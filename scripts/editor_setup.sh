# Sourced by scripts/e2e_vscode.sh and scripts/demo.sh: installs, once, what running the
# extension in code-server needs. Every step checks first, so a second run costs seconds.
# Facts behind the workarounds: shared/E2E.md.

CODE_SERVER_DIR="$ROOT/tests/e2e"
CODE_SERVER_BIN="$CODE_SERVER_DIR/node_modules/.bin/code-server"

log() { echo "[$(basename "$0" .sh)] $*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ensure_debian_packages PKG...: apt-get install those not installed yet (one update, one install).
ensure_debian_packages() {
    local missing=() package
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi
    log "apt-get install ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# code-server 4.100.3 (VS Code 1.100.3, the last for Node 20) and playwright-core, from
# tests/e2e/package-lock.json. Reinstalled only when the lock file is newer than the install.
ensure_code_server() {
    local stamp="$CODE_SERVER_DIR/node_modules/.package-lock.json"
    if [ -x "$CODE_SERVER_BIN" ] && [ -f "$stamp" ] && [ ! "$CODE_SERVER_DIR/package-lock.json" -nt "$stamp" ]; then
        return 0
    fi
    # Native modules (node-pty, argon2, ...) are compiled; ripgrep comes from Debian because
    # @vscode/ripgrep's postinstall would download it from GitHub.
    ensure_debian_packages ripgrep build-essential pkg-config python3 libkrb5-dev libxkbfile-dev libsecret-1-dev
    local tmp
    tmp="$(mktemp -d)"
    mkdir -p "$tmp/vscode-ripgrep-cache-1.15.11"
    tar czf "$tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz" -C "$(dirname "$(command -v rg)")" rg
    log "installing code-server and playwright-core (about 80 s)"
    (
        cd "$CODE_SERVER_DIR"
        TMPDIR="$tmp" npm_config_unsafe_perm=true npm_config_yes=true \
            npm ci --foreground-scripts --no-audit --no-fund --loglevel=error >"$tmp/npm.log" 2>&1
    ) || { tail -50 "$tmp/npm.log"; log "npm ci in tests/e2e failed"; rm -rf "$tmp"; return 1; }
    rm -rf "$tmp"
    # Check it runs, without letting it write ~/.config/code-server.
    XDG_CONFIG_HOME="$(mktemp -d)" "$CODE_SERVER_BIN" --version >/dev/null
}

# The .vsix of the working tree: npm run package builds client and Python bundle and packages.
build_vsix() {
    log "npm run package"
    (cd "$ROOT" && npm run --silent package)
}
