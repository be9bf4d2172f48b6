import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { BundleManifest, LaunchInput, planExecutable, planLaunch } from '../src/common/launch';
import { InterpreterInfo } from '../src/common/probe';

const manifest: BundleManifest = {
    format: 1,
    target: 'linux-x64',
    server: { name: 'sqlalchemy-lint', version: '0.1.0', module: 'sqlalchemy_lint' },
    pythons: {
        '3.9': { path: ['tool', 'libs/cp39', 'libs/common'], extSuffix: '.cpython-39-x86_64-linux-gnu.so' },
        '3.11': { path: ['tool', 'libs/common'], extSuffix: '.cpython-311-x86_64-linux-gnu.so' },
        '3.13': { path: ['tool', 'libs/common'], extSuffix: '.cpython-313-x86_64-linux-gnu.so' },
    },
};

const python311: InterpreterInfo = {
    command: '/usr/bin/python3',
    executable: '/usr/bin/python3.11',
    version: [3, 11, 7],
    implementation: 'CPython',
    extSuffix: '.cpython-311-x86_64-linux-gnu.so',
    hasServerModule: false,
};

function input(overrides: Partial<LaunchInput> = {}): LaunchInput {
    return {
        interpreter: python311,
        origin: 'path',
        importStrategy: 'useBundled',
        bundleRoot: '/ext/dist/python',
        manifest: { manifest },
        cwd: '/ext',
        baseEnv: { HOME: '/home/ada', PYTHONPATH: '/home/ada/lib' },
        ...overrides,
    };
}

test('bundled: python -m sqlalchemy_lint server, bundle first on PYTHONPATH, cwd outside the workspace', () => {
    const result = planLaunch(input());
    assert.ok(result.ok);
    if (result.ok) {
        // The resolved sys.executable, not the name that was probed (which may be a shim).
        assert.equal(result.plan.command, '/usr/bin/python3.11');
        assert.deepEqual(result.plan.args, ['-m', 'sqlalchemy_lint', 'server']);
        assert.equal(result.plan.cwd, '/ext');
        assert.equal(result.plan.source, 'bundled');
        assert.equal(
            result.plan.env.PYTHONPATH,
            ['/ext/dist/python/tool', '/ext/dist/python/libs/common', '/home/ada/lib'].join(path.delimiter),
        );
        assert.equal(result.plan.env.HOME, '/home/ada');
        assert.equal(result.plan.summary, 'Python 3.11.7, bundled server 0.1.0');
    }
});

test('an interpreter set by the user is run as given, even when it is a wrapper', () => {
    const result = planLaunch(input({ origin: 'setting', interpreter: { ...python311, command: '/opt/bin/python-wrapper' } }));
    assert.ok(result.ok);
    if (result.ok) {
        assert.equal(result.plan.command, '/opt/bin/python-wrapper');
    }
});

test('bundled on 3.9 adds the version-only folder', () => {
    const result = planLaunch(
        input({ interpreter: { ...python311, version: [3, 9, 18], extSuffix: '.cpython-39-x86_64-linux-gnu.so' }, baseEnv: {} }),
    );
    assert.ok(result.ok);
    if (result.ok) {
        assert.equal(
            result.plan.env.PYTHONPATH,
            ['/ext/dist/python/tool', '/ext/dist/python/libs/cp39', '/ext/dist/python/libs/common'].join(path.delimiter),
        );
    }
});

test('fromEnvironment uses the installed server, untouched environment', () => {
    const result = planLaunch(input({ importStrategy: 'fromEnvironment', interpreter: { ...python311, hasServerModule: true } }));
    assert.ok(result.ok);
    if (result.ok) {
        assert.equal(result.plan.source, 'environment');
        assert.equal(result.plan.env.PYTHONPATH, '/home/ada/lib');
        assert.match(result.plan.summary, /from \/usr\/bin\/python3\.11's environment/);
    }
});

test('fromEnvironment without the server installed falls back to the bundle, with a note', () => {
    const result = planLaunch(input({ importStrategy: 'fromEnvironment' }));
    assert.ok(result.ok);
    if (result.ok) {
        assert.equal(result.plan.source, 'bundled');
        assert.equal(result.notes.length, 1);
        assert.match(result.notes[0] ?? '', /not installed/);
    }
});

test('a Python version without a bundle names the supported range and the way out', () => {
    const result = planLaunch(input({ interpreter: { ...python311, version: [3, 15, 0], extSuffix: '.cpython-315-x86_64-linux-gnu.so' } }));
    assert.equal(result.ok, false);
    if (!result.ok) {
        assert.equal(result.problem.kind, 'unsupported-python');
        assert.match(result.problem.message, /supports CPython 3\.9 to 3\.13, but "\/usr\/bin\/python3" \(found on PATH, CPython 3\.15\.0\)/);
        assert.match(result.problem.remedy, /fromEnvironment/);
    }
});

test('PyPy and a free-threaded build are refused before they fail to import libcst', () => {
    const pypy = planLaunch(input({ interpreter: { ...python311, implementation: 'PyPy' } }));
    assert.equal(pypy.ok, false);
    const freeThreaded = planLaunch(
        input({ interpreter: { ...python311, version: [3, 13, 0], extSuffix: '.cpython-313t-x86_64-linux-gnu.so' } }),
    );
    assert.equal(freeThreaded.ok, false);
    if (!freeThreaded.ok) {
        assert.match(freeThreaded.problem.message, /built for linux-x64 .* loads \.cpython-313t/);
    }
});

test('a missing bundle is a clear problem, unless the environment has the server', () => {
    const missing = planLaunch(input({ manifest: { error: '/ext/dist/python/manifest.json does not exist' } }));
    assert.equal(missing.ok, false);
    if (!missing.ok) {
        assert.equal(missing.problem.kind, 'bundle-missing');
        assert.equal(missing.problem.detail, '/ext/dist/python/manifest.json does not exist');
    }
    const installed = planLaunch(
        input({ manifest: { error: 'gone' }, importStrategy: 'fromEnvironment', interpreter: { ...python311, hasServerModule: true } }),
    );
    assert.ok(installed.ok);
});

test('the universal package runs the environment\'s server, or says how to install it', () => {
    const universal = { manifest: { manifest: { ...manifest, target: 'universal', pythons: {} } } };
    const installed = planLaunch(input({ ...universal, interpreter: { ...python311, hasServerModule: true } }));
    assert.ok(installed.ok);
    if (installed.ok) {
        assert.equal(installed.plan.source, 'environment'); // even with importStrategy "useBundled"
    }
    const missing = planLaunch(input({ ...universal, interpreter: { ...python311, hasServerModule: false } }));
    assert.equal(missing.ok, false);
    if (!missing.ok) {
        assert.equal(missing.problem.kind, 'not-installed');
        assert.match(missing.problem.remedy, /-m pip install sqlalchemy-lint/);
        assert.ok(missing.problem.actions.includes('restart'));
    }
});

test('sqlalchemyLint.path runs that executable\'s server, with no interpreter and no bundle', () => {
    const plan = planExecutable('/opt/tools/sqlalchemy-lint', '/ext', { PATH: '/usr/bin', PYTHONPATH: '/somewhere' });
    assert.equal(plan.command, '/opt/tools/sqlalchemy-lint');
    assert.deepEqual(plan.args, ['server']);
    assert.equal(plan.source, 'executable');
    assert.equal(plan.cwd, '/ext');
    assert.equal(plan.env.PYTHONPATH, '/somewhere'); // the user's environment, not the bundle's
    assert.match(plan.summary, /sqlalchemy-lint from \/opt\/tools\/sqlalchemy-lint \(sqlalchemyLint\.path\)/);
});
