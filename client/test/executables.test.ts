import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { findOnPath, looksLikePath } from '../src/common/executables';

function folderWith(files: Record<string, number>): string {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'sqla-lint-path-'));
    for (const [name, mode] of Object.entries(files)) {
        const file = path.join(folder, name);
        fs.writeFileSync(file, '#!/bin/sh\n');
        fs.chmodSync(file, mode);
    }
    return folder;
}

test('finds the first name in PATH order, skipping files that are not executable', { skip: process.platform === 'win32' }, () => {
    const first = folderWith({ python3: 0o644 });
    const second = folderWith({ python3: 0o755, python: 0o755 });
    const env = { PATH: [first, second].join(':') };
    assert.equal(findOnPath(['python3', 'python'], env), path.join(second, 'python3'));
    assert.equal(findOnPath(['python'], env), path.join(second, 'python'));
    assert.equal(findOnPath(['python4'], env), undefined);
});

test('relative PATH entries are never searched', { skip: process.platform === 'win32' }, () => {
    const folder = folderWith({ python3: 0o755 });
    const relative = path.relative(process.cwd(), folder);
    assert.equal(findOnPath(['python3'], { PATH: ['.', relative, ''].join(':') }), undefined);
});

test('paths and bare names are told apart', () => {
    assert.equal(looksLikePath('/usr/bin/python3'), true);
    assert.equal(looksLikePath('./venv/bin/python'), true);
    assert.equal(looksLikePath('C:\\Python312\\python.exe'), true);
    assert.equal(looksLikePath('python3.12'), false);
});
