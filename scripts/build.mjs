// Build everything the .vsix carries: the type-checked, bundled client (dist/extension.js) and
// the Python server with its dependencies (dist/python, by scripts/bundle_python.py).
// Also run by vsce as `vscode:prepublish`. Target: SQLALCHEMY_LINT_TARGET, else this machine.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.includes('--client-only') ? 'client' : process.argv.includes('--python-only') ? 'python' : 'all';

function run(command, args, what) {
    const started = Date.now();
    const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
    if (result.error || result.status !== 0) {
        console.error(`[build] ${what} failed${result.error ? `: ${result.error.message}` : ` (exit ${result.status})`}`);
        process.exit(1);
    }
    console.log(`[build] ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

function findPython() {
    const candidates = process.env.PYTHON ? [process.env.PYTHON] : process.platform === 'win32' ? ['py', 'python'] : ['python3', 'python'];
    for (const candidate of candidates) {
        const probe = spawnSync(candidate, ['-c', 'import sys, pip; sys.exit(sys.version_info < (3, 9))'], { stdio: 'ignore' });
        if (probe.status === 0) {
            return candidate;
        }
    }
    console.error('[build] needs Python 3.9+ with pip to bundle the server (set PYTHON to choose one)');
    process.exit(1);
}

if (only !== 'python') {
    run(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.', '--noEmit'], 'type check (tsc --strict)');
    const started = Date.now();
    await esbuild.build({
        entryPoints: [join(root, 'client', 'src', 'extension.ts')],
        outfile: join(root, 'dist', 'extension.js'),
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node18',
        external: ['vscode'],
        sourcemap: true,
        minify: process.env.SQLALCHEMY_LINT_MINIFY !== '0',
        logLevel: 'warning',
    });
    console.log(`[build] client bundle dist/extension.js: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (only !== 'client') {
    const args = [join(root, 'scripts', 'bundle_python.py')];
    if (process.env.SQLALCHEMY_LINT_TARGET) {
        args.push('--target', process.env.SQLALCHEMY_LINT_TARGET);
    }
    run(findPython(), args, 'Python bundle dist/python');
}
