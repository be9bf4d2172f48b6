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
        'path',
        'select',
        'ignore',
        'severity',
        'unsafeFixes',
        'run',
        'reportingScope',
        'ignorePatterns',
        'args',
        'showNotifications',
        'cwd',
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
    assert.equal(properties['sqlalchemyLint.showNotifications']?.default, DEFAULT_SERVER_SETTINGS.showNotifications);
    assert.deepEqual(properties['sqlalchemyLint.showNotifications']?.enum, ['off', 'onError', 'onWarning', 'always']);
    assert.equal(properties['sqlalchemyLint.cwd']?.default, '');
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
    assert.deepEqual(untrusted.restrictedConfigurations.sort(), ['sqlalchemyLint.importStrategy', 'sqlalchemyLint.interpreter', 'sqlalchemyLint.path']);
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

test('Marketplace-ready: icon, banner, repository links, changelog, no missing-repository flag', () => {
    const icon = fs.readFileSync(path.join(repoRoot, manifest.icon));
    assert.deepEqual([...icon.subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''), 'PNG');
    // IHDR: width and height, big-endian, right after the signature and the chunk header.
    assert.deepEqual([icon.readUInt32BE(16), icon.readUInt32BE(20)], [128, 128]);
    assert.match(manifest.galleryBanner.color, /^#[0-9a-f]{6}$/i);
    assert.ok(['dark', 'light'].includes(manifest.galleryBanner.theme));
    assert.match(manifest.repository.url, /^https:\/\/github\.com\/.+\.git$/);
    assert.match(manifest.homepage, /^https:\/\//);
    assert.match(manifest.bugs.url, /\/issues$/);
    const ignore = fs.readFileSync(path.join(repoRoot, '.vscodeignore'), 'utf8').split('\n');
    assert.ok(ignore.includes(`!${manifest.icon}`) && ignore.includes('!CHANGELOG.md'));
    const packaging = fs.readFileSync(path.join(repoRoot, 'scripts', 'package.mjs'), 'utf8');
    assert.ok(!packaging.includes('--allow-missing-repository'));
    assert.ok(packaging.includes("'--readme-path', 'client/MARKETPLACE.md'"));
    assert.ok(ignore.includes('!client/MARKETPLACE.md'), 'vsce reads the page from the packaged files');
});

test("the Marketplace page's screenshots are in the repository, where its links point", () => {
    const page = fs.readFileSync(path.join(repoRoot, 'client', 'MARKETPLACE.md'), 'utf8');
    const base = manifest.repository.url.replace('https://github.com/', 'https://raw.githubusercontent.com/').replace(/\.git$/, '/main/');
    const images = [...page.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1] ?? '');
    assert.ok(images.length >= 3, 'the squiggle, the hover and the quick fix at least');
    for (const url of images) {
        assert.ok(url.startsWith(base), `${url} is not under ${base}`);
        const local = path.join(repoRoot, url.slice(base.length));
        const png = fs.readFileSync(local);
        assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG', local);
    }
});
