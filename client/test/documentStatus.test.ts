import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { describe, DocumentStatuses, workspaceFindings } from '../src/common/documentStatus';

const URI = 'file:///app.py';

test('the newest version of each document wins; malformed notifications are dropped', () => {
    const statuses = new DocumentStatuses();
    assert.equal(statuses.update({ uri: URI, version: 2, analysed: true, message: '1 finding' }), true);
    assert.equal(statuses.update({ uri: URI, version: 1, analysed: true, message: 'no findings' }), false);
    assert.equal(statuses.update({ uri: URI, version: '3' }), false);
    assert.equal(statuses.update(null), false);
    assert.equal(statuses.get(URI)?.message, '1 finding');
    assert.equal(statuses.get(undefined), undefined);
    statuses.clear();
    assert.equal(statuses.get(URI), undefined);
});

test('a buffer that does not parse is shown as not analysed, with where', () => {
    const view = describe(
        { uri: URI, version: 3, analysed: false, message: 'not analysed: syntax error at line 45, column 3: invalid syntax' },
        'SQLAlchemy Lint',
        'bundled server, Python 3.11',
    );
    assert.equal(view.text, 'SQLAlchemy Lint: not analysed');
    assert.match(view.detail, /syntax error at line 45/);
    assert.match(view.detail, /showing the last findings/);
    assert.equal(view.warning, true);
});

test('an analysed document shows its count in the text, a click away from the Problems panel', () => {
    const view = describe({ uri: URI, version: 1, analysed: true, message: '3 findings' }, 'SQLAlchemy Lint', 'bundled');
    assert.deepEqual(view, { text: 'SQLAlchemy Lint: 3 findings', detail: 'bundled', warning: false, opens: 'problems' });
    assert.deepEqual(describe({ uri: URI, version: 2, analysed: true, message: 'no findings' }, 'S', 'b'), {
        text: 'S: no findings',
        detail: 'b',
        warning: false,
        opens: 'output',
    });
    assert.deepEqual(
        describe({ uri: URI, version: 1, analysed: false, message: 'not checked: ignorePatterns' }, 'S', 'b'),
        { text: 'S', detail: 'not checked: ignorePatterns · b', warning: false, opens: 'output' },
    );
    assert.deepEqual(describe(undefined, 'S', 'b'), { text: 'S', detail: 'b', warning: false, opens: 'output' });
});

test("the workspace's findings are counted across files and shown beside the server", () => {
    assert.equal(workspaceFindings([]), '');
    assert.equal(workspaceFindings([0, 0]), '');
    assert.equal(workspaceFindings([1]), '1 finding in 1 file');
    assert.equal(workspaceFindings([3, 0, 14, 1]), '18 findings in 3 files');
    const view = describe({ uri: URI, version: 1, analysed: true, message: '3 findings' }, 'S', 'bundled', '18 findings in 3 files');
    assert.equal(view.text, 'S: 3 findings');
    assert.equal(view.detail, 'bundled · workspace: 18 findings in 3 files');
    assert.equal(describe(undefined, 'S', 'bundled', '').detail, 'bundled');
});
