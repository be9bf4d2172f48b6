// Shared by the unit tests: real interpreters on this machine, temporary files.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findOnPath } from '../src/common/executables';

export const repoRoot = path.resolve(__dirname, '..', '..', '..');

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), `sqla-lint-${prefix}-`));
}

export function script(folder: string, name: string, body: string): string {
    const file = path.join(folder, name);
    fs.writeFileSync(file, body);
    fs.chmodSync(file, 0o755);
    return file;
}

/** The machine's python3 (the tests need one, as the extension does). */
export function python3(): string {
    const found = process.env.SQLALCHEMY_LINT_TEST_PYTHON ?? findOnPath(['python3', 'python']);
    if (found === undefined) {
        throw new Error('no python3 on PATH');
    }
    return found;
}

/** CPython X.Y from PATH (pythonX.Y) or pyenv, if this machine has it. */
export function pythonVersion(version: string): string | undefined {
    const candidates: string[] = [];
    const onPath = findOnPath([`python${version}`]);
    if (onPath) {
        candidates.push(onPath);
    }
    const pyenv = process.env.PYENV_ROOT ?? path.join(os.homedir(), '.pyenv');
    try {
        for (const entry of fs.readdirSync(path.join(pyenv, 'versions')).sort()) {
            if (entry === version || entry.startsWith(`${version}.`)) {
                candidates.push(path.join(pyenv, 'versions', entry, 'bin', 'python'));
            }
        }
    } catch {
        // no pyenv
    }
    for (const candidate of candidates) {
        const out = spawnSync(candidate, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
        if (out.status === 0 && out.stdout.trim() === version) {
            return candidate;
        }
    }
    return undefined;
}
