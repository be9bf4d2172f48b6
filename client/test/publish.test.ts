import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { repoRoot, tempDir } from './helpers';

const SCRIPT = path.join(repoRoot, 'scripts', 'publish.mjs');

function publish(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
    const clean = { ...process.env };
    delete clean.VSCE_PAT;
    delete clean.OVSX_PAT;
    const result = spawnSync(process.execPath, [SCRIPT, ...args], { env: { ...clean, ...env }, encoding: 'utf8' });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function fakePackage(): string {
    const file = path.join(tempDir('publish'), 'sqlalchemy-lint-linux-x64-0.1.0.vsix');
    fs.writeFileSync(file, 'not a real package');
    return file;
}

test('without tokens nothing is published, and the message says how to get each one', () => {
    const { status, stderr } = publish([fakePackage()]);
    assert.equal(status, 2);
    assert.match(stderr, /VSCE_PAT is not set, so nothing can be published to the Visual Studio Marketplace/);
    assert.match(stderr, /OVSX_PAT is not set, so nothing can be published to Open VSX/);
});

test('one registry needs only its own token', () => {
    const { status, stdout } = publish(['--open-vsx', '--dry-run', fakePackage()], { OVSX_PAT: 'secret-token' });
    assert.equal(status, 0);
    assert.match(stdout, /would run: npx --yes ovsx@\d+\.\d+\.\d+ publish .*sqlalchemy-lint-linux-x64-0\.1\.0\.vsix --pat \*\*\*/);
    assert.doesNotMatch(stdout, /secret-token/);
    assert.doesNotMatch(stdout, /vsce/);
});

test('both registries, every package named; a missing package stops the run', () => {
    const file = fakePackage();
    const { status, stdout } = publish(['--dry-run', file], { VSCE_PAT: 'a', OVSX_PAT: 'b' });
    assert.equal(status, 0);
    assert.match(stdout, /vsce publish --packagePath .*\.vsix --pat \*\*\*/);
    assert.match(stdout, /ovsx@.* publish .*\.vsix/);
    const missing = publish(['--dry-run', `${file}.missing`], { VSCE_PAT: 'a', OVSX_PAT: 'b' });
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /no such package/);
});
