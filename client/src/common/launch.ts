// Turning "this interpreter, this import strategy" into the command that starts the server:
// the bundled copy with PYTHONPATH pointing into the .vsix, or the user's own installation.

import * as fs from 'fs';
import * as path from 'path';
import { SERVER_ARGS, SERVER_MODULE } from './constants';
import { InterpreterInfo, versionText } from './probe';
import { describeOrigin, InterpreterOrigin, problem, StartupProblem } from './problems';

export type ImportStrategy = 'useBundled' | 'fromEnvironment';

/** The bundle manifest's target of the package that carries no Python (any platform). */
export const UNIVERSAL_TARGET = 'universal';

/** dist/python/manifest.json, written by scripts/bundle_python.py. */
export interface BundleManifest {
    readonly format: number;
    readonly target: string;
    readonly server: { readonly name: string; readonly version: string; readonly module: string };
    /** Per "3.X": module search path (relative to the bundle) and the native-module suffix. */
    readonly pythons: Readonly<Record<string, { readonly path: readonly string[]; readonly extSuffix: string | null }>>;
}

export type ManifestResult = { readonly manifest: BundleManifest } | { readonly error: string };

export function readBundleManifest(bundleRoot: string): ManifestResult {
    const file = path.join(bundleRoot, 'manifest.json');
    let text: string;
    try {
        text = fs.readFileSync(file, 'utf8');
    } catch {
        return { error: `${file} does not exist` };
    }
    try {
        const data = JSON.parse(text) as Partial<BundleManifest>;
        if (data.format !== 1 || typeof data.pythons !== 'object' || data.pythons === null || typeof data.target !== 'string') {
            return { error: `${file} is not a bundle manifest this extension understands` };
        }
        return { manifest: data as BundleManifest };
    } catch (e) {
        return { error: `${file} is not valid JSON: ${String(e)}` };
    }
}

export interface LaunchPlan {
    readonly command: string;
    readonly args: readonly string[];
    readonly cwd: string;
    readonly env: NodeJS.ProcessEnv;
    readonly source: 'bundled' | 'environment' | 'executable';
    /** One line for the status item and the log: "Python 3.11.7, bundled server 0.1.0". */
    readonly summary: string;
}

export interface LaunchInput {
    readonly interpreter: InterpreterInfo;
    readonly origin: InterpreterOrigin;
    readonly importStrategy: ImportStrategy;
    readonly bundleRoot: string;
    readonly manifest: ManifestResult;
    /** Working folder of the server: the extension's root, which holds no Python packages. */
    readonly cwd: string;
    readonly baseEnv: NodeJS.ProcessEnv;
}

export type LaunchResult =
    | { readonly ok: true; readonly plan: LaunchPlan; readonly notes: readonly string[] }
    | { readonly ok: false; readonly problem: StartupProblem };

const FROM_ENVIRONMENT_ADVICE =
    'or install sqlalchemy-lint into that environment (pip install sqlalchemy-lint) and set sqlalchemyLint.importStrategy to "fromEnvironment"';

function pythonPathKey(env: NodeJS.ProcessEnv): string {
    // On Windows environment keys are case-insensitive; keep whatever spelling is there.
    return Object.keys(env).find((k) => k.toUpperCase() === 'PYTHONPATH') ?? 'PYTHONPATH';
}

function supportedRange(manifest: BundleManifest): string {
    const versions = Object.keys(manifest.pythons).sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
    return versions.length > 1 ? `${versions[0]} to ${versions.at(-1)}` : (versions[0] ?? 'none');
}

/** `sqlalchemyLint.path`: run that `sqlalchemy-lint` executable's server (as Ruff's `ruff.path`);
 * no interpreter is probed, and nothing of the bundle is used. */
export function planExecutable(executable: string, cwd: string, baseEnv: NodeJS.ProcessEnv): LaunchPlan {
    return {
        command: executable,
        args: ['server'],
        cwd,
        env: { ...baseEnv },
        source: 'executable',
        summary: `sqlalchemy-lint from ${executable} (sqlalchemyLint.path)`,
    };
}

export function planLaunch(input: LaunchInput): LaunchResult {
    const { interpreter, origin, importStrategy } = input;
    const notes: string[] = [];
    // A path the user set is run as given (it may be a wrapper that prepares the environment);
    // otherwise run the interpreter the probe found, so a pyenv shim cannot pick another Python.
    const command = origin !== 'setting' && path.isAbsolute(interpreter.executable) ? interpreter.executable : interpreter.command;
    const who = `"${interpreter.command}" (${describeOrigin(origin)}, ${interpreter.implementation} ${versionText(interpreter)})`;

    // The universal package bundles no Python: it always runs the environment's sqlalchemy-lint.
    const universal = !('error' in input.manifest) && input.manifest.manifest.target === UNIVERSAL_TARGET;
    if (importStrategy === 'fromEnvironment' || universal) {
        if (interpreter.hasServerModule) {
            return {
                ok: true,
                notes,
                plan: {
                    command,
                    args: [...SERVER_ARGS],
                    cwd: input.cwd,
                    env: { ...input.baseEnv },
                    source: 'environment',
                    summary: `Python ${versionText(interpreter)}, sqlalchemy-lint from ${interpreter.executable}'s environment`,
                },
            };
        }
        if (universal) {
            const actions = origin === 'pythonExtension' ? (['selectInterpreter', 'restart', 'showOutput'] as const) : (['openSettings', 'restart', 'showOutput'] as const);
            return {
                ok: false,
                problem: problem(
                    'not-installed',
                    `This build of the extension runs sqlalchemy-lint from your Python environment, and it is not installed for ${who}`,
                    `Install it there (${interpreter.command} -m pip install sqlalchemy-lint) and restart the server, or choose an interpreter that has it`,
                    actions,
                ),
            };
        }
        notes.push(
            `importStrategy is "fromEnvironment" but ${SERVER_MODULE} is not installed for ${interpreter.executable}; using the bundled server.`,
        );
    }

    if ('error' in input.manifest) {
        return {
            ok: false,
            problem: problem(
                'bundle-missing',
                'This copy of the extension has no bundled server',
                `Reinstall the extension (in a source checkout: npm run build), ${FROM_ENVIRONMENT_ADVICE}`,
                ['openSettings', 'showOutput'],
                input.manifest.error,
            ),
        };
    }
    const manifest = input.manifest.manifest;
    const remedyForUnsupported = `Choose a CPython ${supportedRange(manifest)} interpreter, ${FROM_ENVIRONMENT_ADVICE}`;
    const actions = origin === 'pythonExtension' ? (['selectInterpreter', 'openSettings', 'showOutput'] as const) : (['openSettings', 'showOutput'] as const);

    if (interpreter.implementation !== 'CPython') {
        return {
            ok: false,
            problem: problem('unsupported-python', `The bundled server is built for CPython, but ${who} is not CPython`, remedyForUnsupported, actions),
        };
    }
    const key = `${interpreter.version[0]}.${interpreter.version[1]}`;
    const entry = manifest.pythons[key];
    if (entry === undefined) {
        return {
            ok: false,
            problem: problem(
                'unsupported-python',
                `The bundled server supports CPython ${supportedRange(manifest)}, but ${who} is not among them`,
                remedyForUnsupported,
                actions,
            ),
        };
    }
    if (entry.extSuffix !== null && interpreter.extSuffix !== null && entry.extSuffix !== interpreter.extSuffix) {
        return {
            ok: false,
            problem: problem(
                'unsupported-python',
                `The bundled server's native modules are built for ${manifest.target} (${entry.extSuffix}), but ${who} loads ${interpreter.extSuffix}`,
                remedyForUnsupported,
                actions,
            ),
        };
    }

    const env: NodeJS.ProcessEnv = { ...input.baseEnv };
    const pathKey = pythonPathKey(env);
    const bundled = entry.path.map((part) => path.join(input.bundleRoot, part));
    const inherited = (env[pathKey] ?? '').split(path.delimiter).filter((p) => p.length > 0);
    // The bundle goes first so that an older pygls or libcst in the user's environment does not win.
    env[pathKey] = [...bundled, ...inherited].join(path.delimiter);
    return {
        ok: true,
        notes,
        plan: {
            command,
            args: [...SERVER_ARGS],
            cwd: input.cwd,
            env,
            source: 'bundled',
            summary: `Python ${versionText(interpreter)}, bundled server ${manifest.server.version}`,
        },
    };
}
