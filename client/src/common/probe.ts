// Asking an interpreter what it is before the server is started with it, so that a missing,
// broken or too old Python is reported in words instead of as a dead language client.

import { execFile, ExecFileException } from 'child_process';
import * as fs from 'fs';
import { MIN_PYTHON, SERVER_MODULE } from './constants';
import { chooseAnotherInterpreter, describeOrigin, InterpreterOrigin, lastMeaningfulLine, problem, StartupProblem } from './problems';

export interface InterpreterInfo {
    /** What was run: the setting's value, the Python extension's path, or the PATH match. */
    readonly command: string;
    /** `sys.executable` as the interpreter reports it. */
    readonly executable: string;
    readonly version: readonly [number, number, number];
    /** `platform.python_implementation()`: CPython, PyPy, ... */
    readonly implementation: string;
    /** `sysconfig.get_config_var("EXT_SUFFIX")`: which native wheels this interpreter loads. */
    readonly extSuffix: string | null;
    /** Whether `sqlalchemy_lint` is importable from the interpreter's own environment. */
    readonly hasServerModule: boolean;
}

export type ProbeResult = { readonly ok: true; readonly info: InterpreterInfo } | { readonly ok: false; readonly problem: StartupProblem };

export interface ProbeOptions {
    /** A folder without Python packages in it: `-c` puts the working folder on sys.path. */
    readonly cwd: string;
    readonly env: NodeJS.ProcessEnv;
    readonly timeoutMs: number;
    readonly origin: InterpreterOrigin;
}

/**
 * Runs under any Python from 2.7 on, so that an old interpreter is reported as old rather
 * than as a syntax error. Prints one JSON line.
 */
export const PROBE_SCRIPT = [
    'import json, platform, sys, sysconfig',
    'found = False',
    'if sys.version_info >= (3, 4):',
    '    import importlib.util',
    '    try:',
    `        found = importlib.util.find_spec("${SERVER_MODULE}") is not None`,
    '    except Exception:',
    '        found = False',
    'sys.stdout.write(json.dumps({',
    '    "executable": sys.executable,',
    '    "version": list(sys.version_info[:3]),',
    '    "implementation": platform.python_implementation(),',
    '    "extSuffix": sysconfig.get_config_var("EXT_SUFFIX"),',
    '    "hasServerModule": found,',
    '}) + "\\n")',
].join('\n');

export function versionText(info: Pick<InterpreterInfo, 'version'>): string {
    return info.version.join('.');
}

export function isSupportedVersion(version: readonly number[]): boolean {
    const [major = 0, minor = 0] = version;
    return major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1]);
}

/** Parse the probe's output; undefined when it is not what the probe prints. */
export function parseProbeOutput(command: string, stdout: string): InterpreterInfo | undefined {
    const line = stdout
        .split(/\r?\n/)
        .reverse()
        .find((l) => l.trim().startsWith('{'));
    if (line === undefined) {
        return undefined;
    }
    let data: unknown;
    try {
        data = JSON.parse(line);
    } catch {
        return undefined;
    }
    if (typeof data !== 'object' || data === null) {
        return undefined;
    }
    const record = data as Record<string, unknown>;
    const version = record.version;
    if (!Array.isArray(version) || version.length !== 3 || !version.every((n) => Number.isInteger(n))) {
        return undefined;
    }
    const executable = typeof record.executable === 'string' && record.executable.length > 0 ? record.executable : command;
    return {
        command,
        executable,
        version: [version[0] as number, version[1] as number, version[2] as number],
        implementation: typeof record.implementation === 'string' ? record.implementation : 'unknown',
        extSuffix: typeof record.extSuffix === 'string' ? record.extSuffix : null,
        hasServerModule: record.hasServerModule === true,
    };
}

interface ExecOutcome {
    readonly error: ExecFileException | null;
    readonly stdout: string;
    readonly stderr: string;
}

function run(command: string, options: ProbeOptions): Promise<ExecOutcome> {
    return new Promise((resolve) => {
        execFile(
            command,
            ['-c', PROBE_SCRIPT],
            {
                cwd: options.cwd,
                env: options.env,
                timeout: options.timeoutMs,
                windowsHide: true,
                maxBuffer: 1024 * 1024,
                encoding: 'utf8',
            },
            (error, stdout, stderr) => resolve({ error, stdout, stderr }),
        );
    });
}

function isDirectory(file: string): boolean {
    try {
        return fs.statSync(file).isDirectory();
    } catch {
        return false;
    }
}

/** Run `command` as Python and report what it is, or why it cannot serve. */
export async function probeInterpreter(command: string, options: ProbeOptions): Promise<ProbeResult> {
    const where = `"${command}" (${describeOrigin(options.origin)})`;
    const advice = chooseAnotherInterpreter(options.origin);
    const fail = (kind: StartupProblem['kind'], message: string, detail?: string): ProbeResult => ({
        ok: false,
        problem: problem(kind, message, advice.remedy, advice.actions, detail),
    });

    const { error, stdout, stderr } = await run(command, options);
    if (error) {
        const code = error.code;
        if (code === 'ENOENT') {
            return fs.existsSync(command)
                ? fail('interpreter-not-runnable', `The Python interpreter ${where} cannot be run (its program loader or a library is missing)`)
                : fail('interpreter-not-found', `The Python interpreter ${where} does not exist`);
        }
        if (code === 'EACCES' || code === 'EISDIR') {
            return isDirectory(command)
                ? fail('interpreter-not-runnable', `The Python interpreter ${where} is a folder, not a program`)
                : fail('interpreter-not-runnable', `The Python interpreter ${where} is not executable`);
        }
        if (error.killed || error.signal) {
            return fail(
                'interpreter-timeout',
                `The Python interpreter ${where} did not answer within ${Math.round(options.timeoutMs / 1000)} s`,
            );
        }
        if (typeof code === 'string') {
            return fail('interpreter-not-runnable', `The Python interpreter ${where} cannot be run (${code})`, error.message);
        }
        const reason = lastMeaningfulLine(stderr) ?? `exit code ${String(code)}`;
        return fail('interpreter-failed', `The Python interpreter ${where} fails to run: ${reason}`, stderr.trim() || undefined);
    }

    const info = parseProbeOutput(command, stdout);
    if (info === undefined) {
        return fail(
            'not-python',
            `${where} does not behave like a Python interpreter`,
            [stdout.trim(), stderr.trim()].filter((s) => s.length > 0).join('\n') || undefined,
        );
    }
    if (!isSupportedVersion(info.version)) {
        return fail(
            'python-too-old',
            `SQLAlchemy Lint needs Python ${MIN_PYTHON.join('.')} or newer, but ${where} is ${info.implementation} ${versionText(info)}`,
        );
    }
    return { ok: true, info };
}
