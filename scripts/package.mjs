// `npm run package [-- --target linux-x64]`: sqlalchemy-lint-<version>.vsix from a clean clone.
// Installs the npm dev dependencies (npm ci) when they are missing or older than the lock file,
// then lets vsce package; vsce runs `vscode:prepublish` (scripts/build.mjs) for the build.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function option(name) {
    const index = process.argv.indexOf(name);
    return index >= 0 ? process.argv[index + 1] : undefined;
}

function hostTarget() {
    const os = { linux: 'linux', darwin: 'darwin', win32: 'win32' }[platform()];
    const cpu = { x64: 'x64', arm64: 'arm64' }[arch()];
    if (!os || !cpu) {
        console.error(`[package] no VS Code target for ${platform()}-${arch()}; pass --target`);
        process.exit(1);
    }
    return `${os}-${cpu}`;
}

function run(command, args, env = process.env) {
    const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env, shell: process.platform === 'win32' });
    if (result.error || result.status !== 0) {
        console.error(`[package] ${command} ${args.join(' ')} failed`);
        process.exit(1);
    }
}

const explicitTarget = option('--target') ?? process.env.SQLALCHEMY_LINT_TARGET;
const target = explicitTarget ?? hostTarget();
const out =
    option('--out') ??
    (explicitTarget && explicitTarget !== hostTarget()
        ? `${manifest.name}-${target}-${manifest.version}.vsix`
        : `${manifest.name}-${manifest.version}.vsix`);

const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(root, 'package-lock.json')).mtimeMs) {
    run('npm', ['ci', '--no-audit', '--no-fund']);
}

const started = Date.now();
run(
    process.execPath,
    [
        join(root, 'node_modules', '@vscode', 'vsce', 'vsce'),
        'package',
        '--target', target,
        '--out', out,
        // The client is bundled by esbuild and the Python side lives in dist/python.
        '--no-dependencies',
        // The Marketplace page: what users read, with the end-to-end run's screenshots.
        '--readme-path', 'client/MARKETPLACE.md',
        '--no-rewrite-relative-links',
    ],
    { ...process.env, SQLALCHEMY_LINT_TARGET: target },
);
const size = statSync(join(root, out)).size;
console.log(`[package] ${out} (${target}, ${(size / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(0)} s`);
