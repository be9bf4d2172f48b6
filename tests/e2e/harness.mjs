// Runs code-server (VS Code in a browser, from npm) with the built .vsix installed, and drives it
// with Debian's Chromium through playwright-core. Every run gets fresh user-data, extensions and
// browser-profile folders; screenshots and logs go to .artifacts/e2e/.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');
export const artifacts = resolve(process.env.SQLALCHEMY_LINT_ARTIFACTS ?? join(repoRoot, '.artifacts', 'e2e'));
const codeServerBin = join(here, 'node_modules', '.bin', 'code-server');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function vsixPath() {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'));
    return resolve(process.env.SQLALCHEMY_LINT_VSIX ?? join(repoRoot, `${manifest.name}-${manifest.version}.vsix`));
}

function freePort() {
    return new Promise((resolvePort, reject) => {
        const server = createServer();
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const { port } = server.address();
            server.close(() => resolvePort(port));
        });
    });
}

async function waitForHealth(url, child, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
        if (child.exitCode !== null) {
            throw new Error(`code-server exited with ${child.exitCode}`);
        }
        try {
            const response = await fetch(`${url}/healthz`);
            if (response.ok) {
                return;
            }
        } catch {
            // not listening yet
        }
        await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`code-server did not answer on ${url} within ${timeoutMs} ms`);
}

/** A copy of a fixture folder in a temporary place, so runs never touch the repository. */
export function workspaceFrom(fixture) {
    const folder = mkdtempSync(join(tmpdir(), 'sqla-lint-ws-'));
    cpSync(join(here, 'fixtures', fixture), folder, { recursive: true });
    return folder;
}

/**
 * Start code-server on `workspace` with the .vsix installed and `settings` as user settings;
 * open it in Chromium. Returns { page, url, log, close() }.
 */
export async function openEditor({ name, workspace, settings = {}, trust = false }) {
    mkdirSync(artifacts, { recursive: true });
    const runDir = mkdtempSync(join(tmpdir(), `sqla-lint-e2e-${name}-`));
    const userData = join(runDir, 'user-data');
    const extensions = join(runDir, 'extensions');
    mkdirSync(join(userData, 'User'), { recursive: true });
    const settingsFile = join(userData, 'User', 'settings.json');
    // trust: true runs VS Code's workspace trust with the folder left untrusted (restricted mode).
    const baseSettings = {
                'security.workspace.trust.enabled': trust,
                'security.workspace.trust.startupPrompt': 'never',
                'security.workspace.trust.emptyWindow': false,
                'workbench.startupEditor': 'none',
                'telemetry.telemetryLevel': 'off',
                'update.mode': 'none',
                'chat.disableAIFeatures': true,
                'editor.hover.delay': 150,
                'workbench.tips.enabled': false,
                'extensions.ignoreRecommendations': true,
    };
    writeFileSync(settingsFile, JSON.stringify({ ...baseSettings, ...settings }, null, 2));
    const env = { ...process.env, XDG_CONFIG_HOME: join(runDir, 'config'), XDG_DATA_HOME: join(runDir, 'data') };
    const common = ['--user-data-dir', userData, '--extensions-dir', extensions];

    const vsix = vsixPath();
    if (!existsSync(vsix)) {
        throw new Error(`${vsix} does not exist: run npm run package first`);
    }
    const install = spawnSync(codeServerBin, [...common, '--install-extension', vsix], { env, encoding: 'utf8' });
    if (install.status !== 0) {
        throw new Error(`installing ${vsix} failed:\n${install.stdout}\n${install.stderr}`);
    }

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const logFile = join(artifacts, `${name}-code-server.log`);
    const log = createWriteStream(logFile);
    const child = spawn(
        codeServerBin,
        [
            '--bind-addr', `127.0.0.1:${port}`,
            '--auth', 'none',
            '--disable-telemetry',
            '--disable-update-check',
            ...(trust ? [] : ['--disable-workspace-trust']),
            '--disable-getting-started-override',
            ...common,
            workspace,
        ],
        { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    await waitForHealth(url, child, 60_000);

    const profile = join(runDir, 'chromium');
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath,
        viewport: { width: 1400, height: 900 },
        args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
        ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${url}/?folder=${encodeURIComponent(workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });

    return {
        page,
        url,
        logFile,
        /** PIDs of language servers started by this editor's extension (found by their PYTHONPATH). */
        serverPids() {
            const pids = [];
            for (const entry of readdirSync('/proc')) {
                if (!/^\d+$/.test(entry)) {
                    continue;
                }
                try {
                    const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
                    const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
                    if (cmdline.includes('sqlalchemy_lint') && cmdline.includes('server') && environ.includes(extensions)) {
                        pids.push(Number(entry));
                    }
                } catch {
                    // gone, or not ours to read
                }
            }
            return pids;
        },
        /**
         * Replace the user settings the way a user does: in the settings.json editor, then save.
         * (code-server does not notice a change made to the file behind its back.)
         */
        async setSettings(extra) {
            await runCommand(page, 'Preferences: Open User Settings (JSON)');
            await page.locator('.tab.active[aria-label*="settings.json"]').waitFor({ timeout: 15_000 });
            await page.locator('.editor-instance .monaco-editor textarea').first().focus();
            await page.keyboard.press('Control+A');
            // insertText types in one go, so the editor does not auto-close brackets and quotes.
            await page.keyboard.insertText(JSON.stringify({ ...baseSettings, ...extra }, null, 2));
            await page.keyboard.press('Control+S');
            await page.locator('.tab.active[aria-label*="settings.json"]:not(.dirty)').waitFor({ timeout: 15_000 });
            await page.keyboard.press('Control+W');
            await page.locator('.tab.active[aria-label*=".py"]').waitFor({ timeout: 15_000 });
        },
        async screenshot(step) {
            await page.waitForTimeout(400); // let hovers and toasts finish fading in
            await page.screenshot({ path: join(artifacts, `${name}-${step}.png`) });
        },
        async close() {
            await context.close().catch(() => undefined);
            try {
                process.kill(-child.pid, 'SIGTERM'); // code-server and everything it started
            } catch {
                // already gone
            }
            await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
            log.end();
            // Keep the extension host's logs (the SQLAlchemy Lint output channel is among them).
            cpSync(join(userData, 'logs'), join(artifacts, `${name}-logs`), { recursive: true, force: true });
            rmSync(runDir, { recursive: true, force: true, maxRetries: 3 });
        },
    };
}

// ---- editor actions -------------------------------------------------------------------------

/** Text as Monaco renders it, with its non-breaking spaces made plain. */
export function plain(text) {
    return (text ?? '').replace(/\u00a0/g, ' ');
}

export async function runCommand(page, title) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(`>${title}`);
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
    await row.waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
}

export async function openFile(page, fileName) {
    await page.locator('.monaco-workbench').click({ position: { x: 700, y: 450 } }).catch(() => undefined);
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(fileName);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: fileName }).first().waitFor({ timeout: 15_000 });
    await page.keyboard.press('Enter');
    await page.locator(`.tab.active[aria-label*="${fileName}"]`).waitFor({ timeout: 15_000 });
    await page.locator('.monaco-editor .view-lines').first().waitFor();
}

/** The editor's visible lines, in order, as plain text. */
export async function editorLines(page) {
    return page.evaluate(() => {
        const lines = [...document.querySelectorAll('.editor-instance .monaco-editor .view-lines .view-line')];
        lines.sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top));
        return lines.map((l) => l.textContent.replace(/\u00a0/g, ' '));
    });
}

/**
 * Screen coordinates of `word` on the first rendered line containing `lineText`. Monaco merges
 * tokens into one span, so the word is located with a DOM Range over the line's text nodes.
 */
export async function wordPosition(page, lineText, word) {
    const box = await page.evaluate(
        ({ lineText, word }) => {
            const lines = [...document.querySelectorAll('.editor-instance .monaco-editor .view-lines .view-line')];
            const line = lines.find((l) => l.textContent.replace(/\u00a0/g, ' ').includes(lineText));
            if (!line) {
                return null;
            }
            const text = line.textContent.replace(/\u00a0/g, ' ');
            const start = text.indexOf(lineText) + lineText.indexOf(word);
            const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
            let offset = 0;
            const range = document.createRange();
            let begun = false;
            for (let node = walker.nextNode(); node; node = walker.nextNode()) {
                const length = node.textContent.length;
                if (!begun && start < offset + length) {
                    range.setStart(node, start - offset);
                    begun = true;
                }
                if (begun && start + word.length <= offset + length) {
                    range.setEnd(node, start + word.length - offset);
                    const r = range.getBoundingClientRect();
                    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
                }
                offset += length;
            }
            return null;
        },
        { lineText, word },
    );
    if (box === null) {
        throw new Error(`"${word}" in a line with "${lineText}" is not on screen`);
    }
    return box;
}

export async function toastTexts(page) {
    return page.locator('.notifications-toasts .notification-toast').allInnerTexts();
}

/** The text of the language status hover (the "{}" item next to the language name). */
export async function languageStatusText(page) {
    await page.mouse.move(5, 5);
    const item = page.locator('[id="status.languageStatus"]').first();
    await item.waitFor({ timeout: 10_000 });
    await item.hover();
    const hover = page.locator('.monaco-hover, .context-view', { hasText: 'SQLAlchemy Lint' }).first();
    await hover.waitFor({ state: 'visible', timeout: 10_000 });
    const text = plain(await hover.innerText());
    await page.mouse.move(5, 5);
    return text;
}
