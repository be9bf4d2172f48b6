// The extension manifest (package.json) and the code agree on settings, commands and packaging.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { COMMANDS, CONFIG_SECTION } from '../src/common/constants';
import { DEFAULT_SERVER_SETTINGS } from '../src/common/serverSettings';
import { repoRoot } from './helpers';

const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const properties: Record<string, { default: unknown; scope?: string; enum?: string[] }> = manifest.contributes.configuration.properties;

test('every documented setting is contributed', () => {
    const expected = [
        'enable',
        'interpreter',
        'importStrategy',
        'select',
        'ignore',
        'severity',
        'unsafeFixes',
        'run',
        'reportingScope',
        'ignorePatterns',
        'args',
        'trace.server',
    ];
    assert.deepEqual(Object.keys(properties).sort(), expected.map((k) => `${CONFIG_SECTION}.${k}`).sort());
});

test('defaults match what the client sends when nothing is set', () => {
    assert.equal(properties['sqlalchemyLint.enable']?.default, DEFAULT_SERVER_SETTINGS.enable);
    assert.equal(properties['sqlalchemyLint.unsafeFixes']?.default, DEFAULT_SERVER_SETTINGS.unsafeFixes);
    assert.deepEqual(properties['sqlalchemyLint.select']?.default, []);
    assert.deepEqual(properties['sqlalchemyLint.ignore']?.default, DEFAULT_SERVER_SETTINGS.ignore);
    assert.deepEqual(properties['sqlalchemyLint.severity']?.default, DEFAULT_SERVER_SETTINGS.severity);
    assert.equal(properties['sqlalchemyLint.run']?.default, DEFAULT_SERVER_SETTINGS.run);
    assert.deepEqual(properties['sqlalchemyLint.run']?.enum, ['onType', 'onSave']);
    assert.equal(properties['sqlalchemyLint.reportingScope']?.default, DEFAULT_SERVER_SETTINGS.reportingScope);
    assert.deepEqual(properties['sqlalchemyLint.ignorePatterns']?.default, DEFAULT_SERVER_SETTINGS.ignorePatterns);
    assert.deepEqual(properties['sqlalchemyLint.args']?.default, DEFAULT_SERVER_SETTINGS.args);
    assert.equal(properties['sqlalchemyLint.importStrategy']?.default, 'useBundled');
    assert.deepEqual(properties['sqlalchemyLint.importStrategy']?.enum, ['useBundled', 'fromEnvironment']);
});

test('commands are contributed with the category', () => {
    const contributed = manifest.contributes.commands.map((c: { command: string; category: string }) => [c.command, c.category]);
    assert.deepEqual(contributed.sort(), Object.values(COMMANDS).map((c) => [c, 'SQLAlchemy Lint']).sort());
});

test('untrusted workspaces cannot choose the interpreter or the import strategy', () => {
    const untrusted = manifest.capabilities.untrustedWorkspaces;
    assert.equal(untrusted.supported, 'limited');
    assert.deepEqual(untrusted.restrictedConfigurations.sort(), ['sqlalchemyLint.importStrategy', 'sqlalchemyLint.interpreter']);
});

test('activates on Python files and does not require the Python extension', () => {
    assert.deepEqual(manifest.activationEvents, ['onLanguage:python']);
    assert.equal(manifest.extensionDependencies, undefined);
    assert.equal(manifest.main, './dist/extension.js');
});

test('the extension version is the server version', () => {
    const pyproject = fs.readFileSync(path.join(repoRoot, 'pyproject.toml'), 'utf8');
    const version = /^version\s*=\s*"([^"]+)"/m.exec(pyproject)?.[1];
    assert.equal(manifest.version, version);
});
