import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProbeOptions, parseProbeOutput, probeInterpreter } from '../src/common/probe';
import { python3, pythonVersion, script, tempDir } from './helpers';

const options = (overrides: Partial<ProbeOptions> = {}): ProbeOptions => ({
    cwd: tempDir('probe-cwd'),
    env: process.env,
    timeoutMs: 20_000,
    origin: 'setting',
    ...overrides,
});

test('a real python3 reports its version, implementation and extension suffix', async () => {
    const result = await probeInterpreter(python3(), options());
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.info.version[0], 3);
    assert.equal(result.info.implementation, 'CPython');
    assert.match(result.info.extSuffix ?? '', /^\.cpython-3\d+/);
    assert.equal(result.info.command, python3());
});

test('a path that does not exist says so and points at the setting', async () => {
    const result = await probeInterpreter('/nonexistent/bin/python3', options());
    assert.equal(result.ok, false);
    if (!result.ok) {
        assert.equal(result.problem.kind, 'interpreter-not-found');
        assert.match(result.problem.message, /"\/nonexistent\/bin\/python3" \(set in sqlalchemyLint\.interpreter\) does not exist/);
        assert.match(result.problem.remedy, /sqlalchemyLint\.interpreter/);
        assert.deepEqual(result.problem.actions, ['openSettings', 'showOutput']);
    }
});

test('a folder and a file without execute permission are "not runnable"', { skip: process.platform === 'win32' }, async () => {
    const folder = tempDir('probe-folder');
    const folderResult = await probeInterpreter(folder, options());
    assert.equal(folderResult.ok, false);
    if (!folderResult.ok) {
        assert.equal(folderResult.problem.kind, 'interpreter-not-runnable');
        assert.match(folderResult.problem.message, /is a folder/);
    }
    const file = script(folder, 'python', '#!/bin/sh\n');
    const { chmodSync } = await import('node:fs');
    chmodSync(file, 0o644);
    const fileResult = await probeInterpreter(file, options());
    assert.equal(fileResult.ok, false);
    if (!fileResult.ok) {
        assert.match(fileResult.problem.message, /is not executable/);
    }
});

test('an interpreter that fails shows its last stderr line', { skip: process.platform === 'win32' }, async () => {
    const broken = script(tempDir('probe-broken'), 'python', '#!/bin/sh\necho "Traceback (most recent call last):" >&2\necho "ModuleNotFoundError: No module named \'encodings\'" >&2\nexit 1\n');
    const result = await probeInterpreter(broken, options({ origin: 'pythonExtension' }));
    assert.equal(result.ok, false);
    if (!result.ok) {
        assert.equal(result.problem.kind, 'interpreter-failed');
        assert.match(result.problem.message, /fails to run: ModuleNotFoundError: No module named 'encodings'/);
        assert.match(result.problem.remedy, /Python: Select Interpreter/);
        assert.ok(result.problem.actions.includes('selectInterpreter'));
    }
});

test('a program that is not Python is reported as such', { skip: process.platform === 'win32' }, async () => {
    const fake = script(tempDir('probe-fake'), 'python', '#!/bin/sh\necho hello\n');
    const result = await probeInterpreter(fake, options({ origin: 'path' }));
    assert.equal(result.ok, false);
    if (!result.ok) {
        assert.equal(result.problem.kind, 'not-python');
    }
});

test('an interpreter that hangs is given up on', { skip: process.platform === 'win32' }, async () => {
    const slow = script(tempDir('probe-slow'), 'python', '#!/bin/sh\nexec sleep 30\n');
    const started = Date.now();
    const result = await probeInterpreter(slow, options({ timeoutMs: 500 }));
    assert.ok(Date.now() - started < 10_000);
    assert.equal(result.ok, false);
    if (!result.ok) {
        assert.equal(result.problem.kind, 'interpreter-timeout');
    }
});

for (const old of ['2.7', '3.8']) {
    const interpreter = pythonVersion(old);
    test(`Python ${old} is reported as too old, not as a crash`, { skip: interpreter === undefined && `no Python ${old} here` }, async () => {
        const result = await probeInterpreter(interpreter!, options());
        assert.equal(result.ok, false);
        if (!result.ok) {
            assert.equal(result.problem.kind, 'python-too-old');
            assert.match(result.problem.message, new RegExp(`needs Python 3\\.9 or newer, but .* is CPython ${old.replace('.', '\\.')}\\.\\d+`));
        }
    });
}

test('the server module is found only where it is installed', async () => {
    const site = tempDir('probe-site');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(`${site}/sqlalchemy_lint`);
    writeFileSync(`${site}/sqlalchemy_lint/__init__.py`, '');
    const without = await probeInterpreter(python3(), options({ env: { ...process.env, PYTHONPATH: '' } }));
    const withIt = await probeInterpreter(python3(), options({ env: { ...process.env, PYTHONPATH: site } }));
    assert.ok(without.ok && withIt.ok);
    if (without.ok && withIt.ok) {
        assert.equal(withIt.info.hasServerModule, true);
        // The machine's own environment may or may not have it; the bundle must not leak in.
        assert.equal(typeof without.info.hasServerModule, 'boolean');
    }
});

test('probe output parsing tolerates noise and rejects garbage', () => {
    const info = parseProbeOutput('py', 'warning: something\n{"executable": "", "version": [3, 12, 1], "implementation": "CPython", "extSuffix": null, "hasServerModule": false}\n');
    assert.deepEqual(info, { command: 'py', executable: 'py', version: [3, 12, 1], implementation: 'CPython', extSuffix: null, hasServerModule: false });
    assert.equal(parseProbeOutput('py', '{"version": "3.12"}'), undefined);
    assert.equal(parseProbeOutput('py', 'not json'), undefined);
});
