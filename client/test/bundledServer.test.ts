// The launch path end to end, without an editor: the interpreter probe, the launch plan and the
// bundle in dist/python (npm run build) start a real server on every CPython on this machine,
// which answers `initialize` and reports SQA101 on a leaked connection.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { planLaunch, readBundleManifest } from '../src/common/launch';
import { probeInterpreter } from '../src/common/probe';
import { DEFAULT_SERVER_SETTINGS, ServerSettings } from '../src/common/serverSettings';
import { pythonVersion, repoRoot, tempDir } from './helpers';

const bundleRoot = path.join(repoRoot, 'dist', 'python');
const manifest = readBundleManifest(bundleRoot);
const noBundle = 'error' in manifest ? 'no dist/python bundle: run `npm run build` first' : false;

const SAMPLE = `from sqlalchemy import create_engine, text

engine = create_engine("sqlite://")


def count_users():
    conn = engine.connect()
    return conn.execute(text("SELECT count(*) FROM users")).scalar()
`;

interface Diagnostic {
    code?: string | number;
    source?: string;
    message: string;
    range: { start: { line: number; character: number } };
}

async function lint(python: string, settings: ServerSettings): Promise<{ diagnostics: Diagnostic[]; summary: string }> {
    const probe = await probeInterpreter(python, { cwd: repoRoot, env: process.env, timeoutMs: 20_000, origin: 'setting' });
    assert.ok(probe.ok, JSON.stringify(probe));
    const launch = planLaunch({
        interpreter: probe.info,
        origin: 'setting',
        importStrategy: 'useBundled',
        bundleRoot,
        manifest,
        cwd: repoRoot,
        baseEnv: { ...process.env, PYTHONNOUSERSITE: '1' },
    });
    assert.ok(launch.ok, JSON.stringify(launch));
    const plan = launch.plan;
    const child = spawn(plan.command, [...plan.args], { cwd: plan.cwd, env: plan.env, stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const workspace = tempDir('bundled-ws');
    const file = path.join(workspace, 'app.py');
    fs.writeFileSync(file, SAMPLE);
    const uri = pathToFileURL(file).toString();
    const published = new Promise<Diagnostic[]>((resolve) => {
        connection.onNotification('textDocument/publishDiagnostics', (params: { uri: string; diagnostics: Diagnostic[] }) => {
            if (params.uri === uri) {
                resolve(params.diagnostics);
            }
        });
    });
    connection.listen();
    try {
        const timeout = (ms: number) =>
            new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out; stderr:\n${stderr}`)), ms).unref());
        await Promise.race([
            connection.sendRequest('initialize', {
                processId: process.pid,
                rootUri: pathToFileURL(workspace).toString(),
                workspaceFolders: [{ uri: pathToFileURL(workspace).toString(), name: 'ws' }],
                capabilities: {},
                initializationOptions: { settings },
            }),
            timeout(30_000),
        ]);
        await connection.sendNotification('initialized', {});
        await connection.sendNotification('textDocument/didOpen', {
            textDocument: { uri, languageId: 'python', version: 1, text: SAMPLE },
        });
        const diagnostics = await Promise.race([published, timeout(30_000)]);
        await connection.sendRequest('shutdown');
        await connection.sendNotification('exit');
        return { diagnostics, summary: plan.summary };
    } finally {
        connection.dispose();
        setTimeout(() => child.kill(), 2000).unref();
    }
}

const defaults: ServerSettings = { ...DEFAULT_SERVER_SETTINGS, ignore: [], severity: {}, ignorePatterns: [], args: [] };

for (const version of ['3.9', '3.10', '3.11', '3.12', '3.13', '3.14']) {
    const python = noBundle ? undefined : pythonVersion(version);
    const skip = noBundle || (python === undefined && `no CPython ${version} on this machine`);
    test(`bundled server on CPython ${version} reports SQA101`, { skip, timeout: 90_000 }, async () => {
        const { diagnostics, summary } = await lint(python!, defaults);
        assert.match(summary, new RegExp(`^Python ${version.replace('.', '\\.')}\\.\\d+, bundled server`));
        const found = diagnostics.find((d) => d.code === 'SQA101');
        assert.ok(found, `no SQA101 in ${JSON.stringify(diagnostics)}`);
        assert.equal(found.source, 'sqlalchemy-lint');
        assert.equal(found.range.start.line, 6);
    });
}

test('initializationOptions reach the server: ignore SQA101 and it is not reported', { skip: noBundle, timeout: 90_000 }, async () => {
    const python = pythonVersion('3.11') ?? pythonVersion('3.12') ?? 'python3';
    const { diagnostics } = await lint(python, { ...defaults, ignore: ['SQA101'] });
    assert.equal(diagnostics.filter((d) => d.code === 'SQA101').length, 0, JSON.stringify(diagnostics));
});
