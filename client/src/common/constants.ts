// Names shared by the client's modules. Kept free of `vscode` imports so unit tests can load it.

/** Prefix of every setting (`sqlalchemyLint.enable`, ...). Also the language client's id, so
 * vscode-languageclient reads `sqlalchemyLint.trace.server` by itself. */
export const CONFIG_SECTION = 'sqlalchemyLint';
export const SERVER_NAME = 'SQLAlchemy Lint';
/** The Python package that `python -m` runs, with its `server` subcommand. */
export const SERVER_MODULE = 'sqlalchemy_lint';
export const SERVER_ARGS: readonly string[] = ['-m', SERVER_MODULE, 'server'];
/** `source` of the server's diagnostics; also names the diagnostic collection. */
export const DIAGNOSTIC_SOURCE = 'sqlalchemy-lint';

export const MIN_PYTHON: readonly [number, number] = [3, 9];

export const COMMANDS = {
    restart: 'sqlalchemyLint.restart',
    showOutput: 'sqlalchemyLint.showOutput',
    /** Executed by the server (vscode-languageclient registers it from the server's
     * executeCommandProvider); contributed here for its title in the palette. */
    checkWorkspace: 'sqlalchemyLint.checkWorkspace',
} as const;

export const PYTHON_EXTENSION_ID = 'ms-python.python';

/** Folder of the bundled server inside the extension (written by scripts/bundle_python.py). */
export const BUNDLE_FOLDER = 'dist/python';

/** How long the interpreter check may take: a cold start of a fresh environment can be slow. */
export const PROBE_TIMEOUT_MS = 20_000;
/** How long `initialize` may take before the start counts as failed. */
export const START_TIMEOUT_MS = 60_000;
/** How long a stopping server gets before the client gives up on it. */
export const STOP_TIMEOUT_MS = 3_000;
