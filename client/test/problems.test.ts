import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorLine, lastMeaningfulLine, notificationText, problem } from '../src/common/problems';

test('errorLine quotes the exception, not the log lines after it', () => {
    const stderr = [
        '2026-11-23 21:20:02,149 INFO pygls.server: Starting async IO server',
        'Traceback (most recent call last):',
        '  File "<frozen runpy>", line 198, in _run_module_as_main',
        "ModuleNotFoundError: No module named 'libcst.native'",
        '',
    ].join('\n');
    assert.equal(errorLine(stderr), "ModuleNotFoundError: No module named 'libcst.native'");
    assert.equal(errorLine('2026-11-23 ERROR sqlalchemy_lint: cannot read settings\n2026-11-23 INFO bye\n'), '2026-11-23 ERROR sqlalchemy_lint: cannot read settings');
});

test('errorLine says nothing when stderr holds only ordinary logging', () => {
    assert.equal(errorLine('2026-11-23 21:20:02,149 INFO pygls.protocol.json_rpc: Sending data: {"params": 1}\n'), undefined);
    assert.equal(errorLine(''), undefined);
});

test('lastMeaningfulLine skips blank lines', () => {
    assert.equal(lastMeaningfulLine('a\nb\n\n  \n'), 'b');
    assert.equal(lastMeaningfulLine(''), undefined);
});

test('the notification is two sentences with the product name first', () => {
    const text = notificationText(problem('no-interpreter', 'No Python found', 'Install Python 3.9 or newer.', []));
    assert.equal(text, 'SQLAlchemy Lint: No Python found. Install Python 3.9 or newer.');
});
