import * as assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveVariables, VariableContext } from '../src/common/variables';

const context: VariableContext = {
    workspaceFolder: '/work/app',
    workspaceFolders: [
        { name: 'app', path: '/work/app' },
        { name: 'lib', path: '/work/lib' },
    ],
    userHome: '/home/ada',
    env: { VENV: '/opt/venv' },
};

test('workspace, home and environment variables expand', () => {
    assert.equal(resolveVariables('${workspaceFolder}/.venv/bin/python', context), '/work/app/.venv/bin/python');
    assert.equal(resolveVariables('${workspaceFolder:lib}/python', context), '/work/lib/python');
    assert.equal(resolveVariables('${userHome}/py/bin/python', context), '/home/ada/py/bin/python');
    assert.equal(resolveVariables('${env:VENV}/bin/python', context), '/opt/venv/bin/python');
    assert.equal(resolveVariables('~/py/bin/python', context), '/home/ada/py/bin/python');
});

test('unknown variables stay as written, so errors name what the user typed', () => {
    assert.equal(resolveVariables('${workspaceFolder:nope}/python', context), '${workspaceFolder:nope}/python');
    assert.equal(resolveVariables('${interpreter}', context), '${interpreter}');
    assert.equal(resolveVariables('${env:MISSING}/python', context), '/python');
});

test('a tilde that is not a home prefix is kept', () => {
    assert.equal(resolveVariables('/opt/~x/python', context), '/opt/~x/python');
});
