// `npm run package [-- --target linux-x64]`: sqlalchemy-lint-<version>.vsix from a clean clone.
// Installs the npm dev dependencies (npm ci) when they are missing or older than the lock file,
// then lets vsce package; vsce runs `vscode:prepublish` (scripts/build.mjs) for the build.
//
// `--target universal`: the package for every other platform (linux-armhf, and any VS Code
// without a package of its own): no bundled Python, it runs the sqlalchemy-lint installed in
// the user's interpreter. `--all`: every platform package and the universal one, into
// dist/packages/ (each platform's wheels come from PyPI; about 3 minutes a target). `--list`:
// the targets `--all` builds, from scripts/targets.json.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
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

// The platforms Ruff's extension ships for, from the one list every packaging script reads;
// linux-armhf has no libcst wheels, so it gets the universal package (VS Code installs that
// where no package of the platform exists).
const targetList = JSON.parse(readFileSync(join(root, 'scripts', 'targets.json'), 'utf8'));
export const PLATFORM_TARGETS = Object.keys(targetList.targets);
const UNIVERSAL = targetList.universal;

// `--list`: every package `--all` builds, as JSON (the release workflow's matrix).
if (process.argv.includes('--list')) {
    console.log(JSON.stringify([...PLATFORM_TARGETS, UNIVERSAL]));
    process.exit(0);
}

if (process.argv.includes('--all')) {
    const folder = join(root, 'dist', 'packages');
    mkdirSync(folder, { recursive: true });
    for (const target of [...PLATFORM_TARGETS, UNIVERSAL]) {
        const out = join(folder, `${manifest.name}-${target}-${manifest.version}.vsix`);
        run(process.execPath, [join(root, 'scripts', 'package.mjs'), '--target', target, '--out', out]);
    }
    // Leave the host's bundle in dist/python for the tests and `npm run build` users.
    run(process.execPath, [join(root, 'scripts', 'build.mjs')]);
    console.log(`[package] every package is in ${folder}`);
    process.exit(0);
}

const explicitTarget = option('--target') ?? process.env.SQLALCHEMY_LINT_TARGET;
const target = explicitTarget ?? hostTarget();
const out =
    option('--out') ??
    (explicitTarget && explicitTarget !== hostTarget()
        ? `${manifest.name}-${target}-${manifest.version}.vsix`
        : `${manifest.name}-${manifest.version}.vsix`);
const outPath = isAbsolute(out) ? out : join(root, out);
mkdirSync(dirname(outPath), { recursive: true }); // vsce does not make the folder

const installed = join(root, 'node_modules', '.package-lock.json');
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(join(root, 'package-lock.json')).mtimeMs) {
    run('npm', ['ci', '--no-audit', '--no-fund']);
}

const vsceOptions = [
    '--out', outPath,
    // The client is bundled by esbuild and the Python side lives in dist/python.
    '--no-dependencies',
    // The Marketplace page: what users read, with the end-to-end run's screenshots.
    '--readme-path', 'client/MARKETPLACE.md',
    '--no-rewrite-relative-links',
];
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const started = Date.now();
if (target === UNIVERSAL) {
    packageUniversal();
} else {
    run(process.execPath, [vsce, 'package', '--target', target, ...vsceOptions], { ...process.env, SQLALCHEMY_LINT_TARGET: target });
}
const size = statSync(outPath).size;
console.log(`[package] ${out} (${target}, ${(size / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(0)} s`);

/** The universal package, staged apart so that the host's dist/python stays as it is: the
 * client, and a bundle manifest that says "universal" (no Python, no native code). */
function packageUniversal() {
    run(process.execPath, [join(root, 'scripts', 'build.mjs'), '--client-only']);
    const stage = mkdtempSync(join(tmpdir(), 'sqlalchemy-lint-universal-'));
    try {
        for (const file of ['client/MARKETPLACE.md', 'CHANGELOG.md', 'images/icon.png', 'LICENSE', 'dist/extension.js', '.vscodeignore']) {
            if (existsSync(join(root, file))) {
                cpSync(join(root, file), join(stage, file), { recursive: true });
            }
        }
        // vsce would run the build again (and bundle Python): the staged manifest has no prepublish.
        const staged = { ...manifest, scripts: { ...manifest.scripts } };
        delete staged.scripts['vscode:prepublish'];
        writeFileSync(join(stage, 'package.json'), JSON.stringify(staged, null, 4) + '\n');
        mkdirSync(join(stage, 'dist', 'python'), { recursive: true });
        const bundle = {
            format: 1,
            target: UNIVERSAL,
            server: { name: manifest.name, version: manifest.version, module: 'sqlalchemy_lint' },
            pythons: {},
        };
        writeFileSync(join(stage, 'dist', 'python', 'manifest.json'), JSON.stringify(bundle, null, 2) + '\n');
        const result = spawnSync(process.execPath, [vsce, 'package', ...vsceOptions], { cwd: stage, stdio: 'inherit' });
        if (result.error || result.status !== 0) {
            console.error('[package] vsce package (universal) failed');
            process.exit(1);
        }
    } finally {
        rmSync(stage, { recursive: true, force: true });
    }
}
