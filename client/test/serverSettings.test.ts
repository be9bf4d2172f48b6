import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeServerSettings, shouldNotify } from '../src/common/serverSettings';

/** Written out rather than imported: what the server gets when nothing is set. */
const DEFAULTS = {
    enable: true,
    ignore: [],
    severity: {},
    unsafeFixes: false,
    run: 'onType',
    reportingScope: 'file',
    ignorePatterns: [],
    args: [],
    showNotifications: 'onWarning',
};

test('defaults: every rule, no overrides, and no select key (an empty list selects nothing)', () => {
    const { settings, warnings } = normalizeServerSettings({});
    assert.deepEqual(settings, DEFAULTS);
    assert.equal('select' in settings, false);
    assert.deepEqual(warnings, []);
});

test('codes are trimmed, upper-cased and de-duplicated; names pass through', () => {
    const { settings, warnings } = normalizeServerSettings({
        select: [' sqa101', 'SQA101', 'sqa1', 'connection-not-closed'],
        ignore: ['SQA104'],
    });
    assert.deepEqual(settings.select, ['SQA101', 'SQA1', 'connection-not-closed']);
    assert.deepEqual(settings.ignore, ['SQA104']);
    assert.deepEqual(warnings, []);
});

test('severity levels are case-insensitive; bad entries are dropped with a warning', () => {
    const { settings, warnings } = normalizeServerSettings({
        severity: { sqa101: 'Error', SQA102: 'hint', SQA103: 'loud', '': 'error' },
    });
    assert.deepEqual(settings.severity, { SQA101: 'error', SQA102: 'hint' });
    assert.equal(warnings.length, 2);
    assert.match(warnings.join('\n'), /SQA103.*loud/);
});

test('wrong types give defaults and a warning, never an exception', () => {
    const { settings, warnings } = normalizeServerSettings({
        enable: 'yes',
        select: 'SQA101',
        ignore: [42],
        severity: ['error'],
        unsafeFixes: 1,
        run: 'sometimes',
        reportingScope: 'everywhere',
        ignorePatterns: 'migrations',
        args: ['--select', 3],
        showNotifications: 'loud',
        cwd: 'relative/folder',
    });
    assert.deepEqual(settings, DEFAULTS);
    assert.equal(warnings.length, 11);
    assert.match(warnings.join('\n'), /showNotifications "loud" is not one of off, onError, onWarning, always/);
    assert.match(warnings.join('\n'), /cwd should be an absolute folder.*"relative\/folder"/);
});

test('booleans are kept', () => {
    const { settings } = normalizeServerSettings({ enable: false, unsafeFixes: true });
    assert.equal(settings.enable, false);
    assert.equal(settings.unsafeFixes, true);
});

test('run mode, ignore patterns and args are passed on, trimmed', () => {
    const { settings, warnings } = normalizeServerSettings({
        run: 'onSave',
        reportingScope: 'workspace',
        ignorePatterns: [' **/migrations/*.py ', ''],
        args: ['--select', 'SQA1', ' --config=ci/lint.toml '],
    });
    assert.equal(settings.run, 'onSave');
    assert.equal(settings.reportingScope, 'workspace');
    assert.deepEqual(settings.ignorePatterns, ['**/migrations/*.py']);
    assert.deepEqual(settings.args, ['--select', 'SQA1', '--config=ci/lint.toml']);
    assert.deepEqual(warnings, []);
});

test('showNotifications and an absolute cwd are passed on', () => {
    const { settings, warnings } = normalizeServerSettings({ showNotifications: 'off', cwd: '/work/services/billing' });
    assert.equal(settings.showNotifications, 'off');
    assert.equal(settings.cwd, '/work/services/billing');
    assert.deepEqual(normalizeServerSettings({ cwd: 'C:\\work\\billing' }).settings.cwd, 'C:\\work\\billing');
    assert.deepEqual(warnings, []);
    assert.equal('cwd' in normalizeServerSettings({ cwd: '' }).settings, false);
});

test('showNotifications decides which levels pop up', () => {
    const levels = ['error', 'warning', 'info'] as const;
    const shown = (setting: 'off' | 'onError' | 'onWarning' | 'always') => levels.filter((l) => shouldNotify(setting, l));
    assert.deepEqual(shown('off'), []);
    assert.deepEqual(shown('onError'), ['error']);
    assert.deepEqual(shown('onWarning'), ['error', 'warning']);
    assert.deepEqual(shown('always'), ['error', 'warning', 'info']);
});
