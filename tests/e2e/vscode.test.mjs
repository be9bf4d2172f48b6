// The extension inside a real VS Code (code-server 4.100.3), driven through headless Chromium.
// Run by scripts/e2e_vscode.sh, which builds the .vsix and installs what this needs.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import {
    editorLines,
    languageStatusText,
    openEditor,
    openFile,
    plain,
    runCommand,
    toastTexts,
    wordPosition,
    workspaceFrom,
} from './harness.mjs';

const SQUIGGLE = '.editor-instance .monaco-editor .squiggly-warning';

describe('a workspace with a leaked connection', { timeout: 240_000 }, () => {
    let editor;
    let page;

    before(async () => {
        editor = await openEditor({ name: 'diagnostics', workspace: workspaceFrom('workspace') });
        page = editor.page;
        await openFile(page, 'app.py');
    });

    after(async () => {
        await editor?.screenshot('final').catch(() => undefined);
        await editor?.close();
    });

    test('SQA101 is underlined and counted in the status bar', async () => {
        // The first start probes the interpreter and imports libcst: allow for a cold machine.
        await page.locator(SQUIGGLE).first().waitFor({ timeout: 90_000 });
        await editor.screenshot('1-squiggle');
        await page.waitForFunction(
            () => {
                const item = document.querySelector('[id="status.problems"]');
                const label = `${item?.getAttribute('aria-label') ?? ''} ${item?.querySelector('a')?.getAttribute('aria-label') ?? ''}`;
                return /Warnings: 1\b/.test(label);
            },
            null,
            { timeout: 15_000 },
        );
    });

    test('the Problems panel lists it with its code and source', async () => {
        await page.keyboard.press('Control+Shift+M');
        const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'SQA101' }).first();
        await row.waitFor({ timeout: 15_000 });
        const text = plain(await row.innerText());
        assert.match(text, /Connection from `?engine\.connect\(\)`? is never closed/);
        assert.match(text, /sqlalchemy-lint/);
        await editor.screenshot('2-problems');
        await page.keyboard.press('Control+Shift+M'); // close the panel again
        await page.keyboard.press('Escape');
    });

    test('hovering Session explains it', async () => {
        const { x, y } = await wordPosition(page, 'with Session(engine)', 'Session');
        await page.mouse.move(x - 40, y - 40);
        await page.mouse.move(x, y, { steps: 4 });
        const hover = page.locator('.monaco-hover', { hasText: 'Session' }).filter({ hasText: /unit of work|transaction/ });
        await hover.first().waitFor({ state: 'visible', timeout: 20_000 });
        const text = plain(await hover.first().innerText());
        assert.match(text, /Session/);
        await editor.screenshot('3-hover');
        await page.mouse.move(5, 5);
        await page.keyboard.press('Escape');
    });

    test('a changed setting reaches the running server: ignoring SQA101 removes the warning, and back', async () => {
        await editor.setSettings({ 'sqlalchemyLint.ignore': ['SQA101'] });
        await page.locator(SQUIGGLE).first().waitFor({ state: 'detached', timeout: 30_000 });
        await editor.screenshot('4-ignored');
        await editor.setSettings({});
        await page.locator(SQUIGGLE).first().waitFor({ timeout: 30_000 });
    });

    test('the quick fix from the lightbulb menu wraps the connection and the warning goes', async () => {
        const { x, y } = await wordPosition(page, 'conn = engine.connect()', 'connect');
        await page.mouse.click(x, y);
        await page.keyboard.press('Control+.');
        const rows = page.locator('.action-widget .monaco-list-row');
        await rows.first().waitFor({ timeout: 20_000 });
        await editor.screenshot('5-quickfix-menu');
        const titles = (await rows.allInnerTexts()).map(plain);
        const index = titles.findIndex((t) => /Wrap the connection in a `?with`? block/.test(t));
        assert.ok(index >= 0, `no "Wrap the connection" action among ${JSON.stringify(titles)}`);
        // The menu opens with its first action focused; an overlay blocks clicks, so use keys.
        const focused = await rows.evaluateAll((els) => els.findIndex((e) => e.classList.contains('focused')));
        for (let i = Math.max(focused, 0); i < index; i++) {
            await page.keyboard.press('ArrowDown');
        }
        await page.keyboard.press('Enter');
        await page.waitForFunction(
            () =>
                [...document.querySelectorAll('.editor-instance .monaco-editor .view-lines .view-line')].some((l) =>
                    l.textContent.replace(/\u00a0/g, ' ').includes('with engine.connect() as conn:'),
                ),
            null,
            { timeout: 15_000 },
        );
        const lines = await editorLines(page);
        assert.ok(lines.some((l) => l.trim() === 'with engine.connect() as conn:'), lines.join('\n'));
        assert.ok(!lines.some((l) => l.includes('conn = engine.connect()')), lines.join('\n'));
        await page.locator(SQUIGGLE).first().waitFor({ state: 'detached', timeout: 30_000 });
        await editor.screenshot('6-fixed');
    });

    test('Restart Server starts a new server, and the status item says which Python runs it', async () => {
        const before = editor.serverPids();
        assert.equal(before.length, 1, `servers before: ${before}`);
        await runCommand(page, 'SQLAlchemy Lint: Restart Server');
        let after = [];
        for (let i = 0; i < 60 && !(after.length === 1 && after[0] !== before[0]); i++) {
            await page.waitForTimeout(250);
            after = editor.serverPids();
        }
        assert.equal(after.length, 1, `servers after: ${after}`);
        assert.notEqual(after[0], before[0]);
        let text = '';
        for (let i = 0; i < 40 && !(/bundled server/.test(text) && /(no|\d+) findings?/.test(text)); i++) {
            text = await languageStatusText(page);
        }
        assert.match(text, /Python 3\.\d+\.\d+, bundled server 0\.1\.0/);
        // The open file's count is in the item's text (the fix applied earlier left none).
        assert.match(text, /SQLAlchemy Lint: (no|\d+) findings?/);
        await editor.screenshot('7-status-running');
    });

    test('while the buffer does not parse, the status item says so and where', async () => {
        const { x, y } = await wordPosition(page, 'with engine.connect() as conn:', 'connect');
        await page.mouse.click(x, y);
        await page.keyboard.press('Control+End');
        // No bracket: the editor's auto-closing could complete it into valid code.
        await page.keyboard.type('\nbroken = = 1\n');
        let text = '';
        for (let i = 0; i < 40 && !/not analysed/.test(text); i++) {
            text = await languageStatusText(page);
        }
        assert.match(text, /SQLAlchemy Lint: not analysed/);
        assert.match(text, /syntax error at line \d+/);
        await editor.screenshot('8-not-analysed');
        for (let i = 0; i < 10 && /not analysed/.test(text); i++) {
            await page.keyboard.press('Control+Z');
            text = await languageStatusText(page);
        }
        assert.doesNotMatch(text, /not analysed/);
    });

    test('Check Workspace lists the problems of a file that is not open', async () => {
        await runCommand(page, 'SQLAlchemy Lint: Check Workspace');
        await page.keyboard.press('Control+Shift+M');
        const row = page.locator('.markers-panel .monaco-list-row', { hasText: 'SQA102' }).first();
        await row.waitFor({ timeout: 60_000 });
        const files = plain((await page.locator('.markers-panel').first().innerText()) ?? '');
        assert.match(files, /nightly\.py/);
        // The transaction and ORM rules too: an object read after its session closed.
        assert.match(files, /SQA107/);
        await editor.screenshot('9-workspace-problems');
        await page.keyboard.press('Control+Shift+M');
        await page.keyboard.press('Escape');
    });

    test('a server that dies is reported once and not restarted in a loop', async () => {
        const [pid] = editor.serverPids();
        assert.ok(pid);
        process.kill(pid, 'SIGKILL');
        const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'stopped unexpectedly' });
        await toast.first().waitFor({ timeout: 20_000 });
        assert.match(plain(await toast.first().innerText()), /SQLAlchemy Lint: The server stopped unexpectedly \(killed by SIGKILL\)/);
        await editor.screenshot('8-crash-notification');
        await page.waitForTimeout(5_000);
        assert.deepEqual(editor.serverPids(), [], 'the server was restarted without being asked');
        const ours = (await toastTexts(page)).filter((t) => t.includes('SQLAlchemy Lint'));
        assert.equal(ours.length, 1, JSON.stringify(ours));
        assert.match(await languageStatusText(page), /not running/);
    });
});

describe('a broken interpreter setting', { timeout: 180_000 }, () => {
    let editor;
    let page;
    const missing = '/nonexistent/bin/python3';

    before(async () => {
        editor = await openEditor({
            name: 'broken-interpreter',
            workspace: workspaceFrom('workspace'),
            settings: { 'sqlalchemyLint.interpreter': missing },
        });
        page = editor.page;
        await openFile(page, 'app.py');
    });

    after(async () => {
        await editor?.screenshot('final').catch(() => undefined);
        await editor?.close();
    });

    test('one notification says what is wrong and what to do, and it does not repeat', async () => {
        const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'SQLAlchemy Lint' });
        await toast.first().waitFor({ timeout: 60_000 });
        await editor.screenshot('1-notification');
        const text = plain(await toast.first().innerText());
        assert.match(text, new RegExp(`"${missing.replace(/\//g, '\\/')}" \\(set in sqlalchemyLint\\.interpreter\\) does not exist`));
        assert.match(text, /Correct sqlalchemyLint\.interpreter/);
        assert.match(text, /Open Settings/);
        // Nothing loops: after a while there is still exactly one, and no squiggle appeared.
        await page.waitForTimeout(6_000);
        const ours = (await toastTexts(page)).filter((t) => t.includes('SQLAlchemy Lint'));
        assert.equal(ours.length, 1, JSON.stringify(ours));
        assert.equal(await page.locator(SQUIGGLE).count(), 0);
    });

    test('the language status item shows the server is not running', async () => {
        const text = await languageStatusText(page);
        assert.match(text, /SQLAlchemy Lint: not running/);
        assert.match(text, /does not exist/);
        await editor.screenshot('2-language-status');
    });

    test('Show Output opens the log with the reason', async () => {
        await runCommand(page, 'SQLAlchemy Lint: Show Output');
        const output = page.locator('.output-view, [id="workbench.panel.output"]');
        await output.first().waitFor({ timeout: 10_000 });
        await page.waitForFunction(
            () => /does not exist/.test(document.querySelector('[id="workbench.panel.output"]')?.textContent?.replace(/\u00a0/g, ' ') ?? ''),
            null,
            { timeout: 10_000 },
        );
        await editor.screenshot('3-output');
    });

    test('correcting the setting restarts the server, which then reports SQA101', async () => {
        await editor.setSettings({});
        await page.locator(SQUIGGLE).first().waitFor({ timeout: 90_000 });
        await editor.screenshot('4-recovered');
        const ours = (await toastTexts(page)).filter((t) => t.includes('SQLAlchemy Lint'));
        assert.ok(ours.length <= 1, JSON.stringify(ours));
    });

    test('an environment where the server cannot import says so, quoting the error, once', async () => {
        // A Python that answers the interpreter check but whose libraries are broken.
        const folder = mkdtempSync(join(tmpdir(), 'sqla-lint-broken-env-'));
        const wrapper = join(folder, 'python');
        writeFileSync(
            wrapper,
            '#!/bin/sh\nif [ "$1" = "-m" ]; then\n  echo "Traceback (most recent call last):" >&2\n' +
                '  echo "ImportError: libcst/native.so: cannot open shared object file" >&2\n  exit 3\nfi\nexec python3 "$@"\n',
        );
        chmodSync(wrapper, 0o755);
        await page.locator('.notifications-toasts .notification-toast .codicon-notifications-clear, .notifications-toasts .notification-toast .codicon-close')
            .first()
            .click()
            .catch(() => undefined);
        await editor.setSettings({ 'sqlalchemyLint.interpreter': wrapper });
        const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'exited while starting' });
        await toast.first().waitFor({ timeout: 30_000 });
        const text = plain(await toast.first().innerText());
        assert.match(text, /The server \(Python 3\.\d+\.\d+, bundled server 0\.1\.0\) exited while starting with exit code 3: ImportError: libcst\/native\.so/);
        await editor.screenshot('5-server-exited');
        await page.waitForTimeout(5_000);
        const ours = (await toastTexts(page)).filter((t) => t.includes('exited while starting'));
        assert.equal(ours.length, 1, JSON.stringify(ours));
        assert.equal(await page.locator(SQUIGGLE).count(), 0);
    });

    test('sqlalchemyLint.path runs that sqlalchemy-lint executable instead', async (t) => {
        // The checkout's own install (the README's commands make it).
        const executable = fileURLToPath(new URL('../../.venv/bin/sqlalchemy-lint', import.meta.url));
        if (!existsSync(executable)) {
            t.skip(`no ${executable}`);
            return;
        }
        await editor.setSettings({ 'sqlalchemyLint.interpreter': 'python3', 'sqlalchemyLint.path': executable });
        await page.locator(SQUIGGLE).first().waitFor({ timeout: 90_000 });
        let text = '';
        for (let i = 0; i < 20 && !/sqlalchemyLint\.path/.test(text); i++) {
            text = await languageStatusText(page);
        }
        assert.match(text, /sqlalchemy-lint from .*\.venv\/bin\/sqlalchemy-lint \(sqlalchemyLint\.path\)/);
        await editor.screenshot('6-path');
    });
});

describe('an untrusted workspace that names its own interpreter', { timeout: 180_000 }, () => {
    let editor;
    let page;
    let workspace;

    before(async () => {
        workspace = workspaceFrom('untrusted');
        editor = await openEditor({ name: 'untrusted', workspace, trust: true });
        page = editor.page;
        await openFile(page, 'app.py');
    });

    after(async () => {
        await editor?.screenshot('final').catch(() => undefined);
        await editor?.close();
    });

    test('the workspace is in restricted mode', async () => {
        await page.locator('.statusbar, [id="workbench.parts.statusbar"]').first().waitFor();
        const restricted = await page.evaluate(() => document.body.innerText.includes('Restricted Mode'));
        assert.ok(restricted, 'no "Restricted Mode" indicator');
    });

    test('the server runs from the bundle with a trusted interpreter, not the workspace\'s program', async () => {
        await page.locator(SQUIGGLE).first().waitFor({ timeout: 90_000 });
        await editor.screenshot('1-squiggle');
        assert.equal(existsSync(join(workspace, 'RAN-WORKSPACE-INTERPRETER')), false, 'the workspace interpreter was executed');
    });
});
