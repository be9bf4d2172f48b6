// Reading the extension's settings, with workspace trust applied, and telling which changes
// need a restart and which only need to be sent to the running server.

import * as os from 'os';
import { ConfigurationChangeEvent, workspace, WorkspaceConfiguration, WorkspaceFolder } from 'vscode';
import { CONFIG_SECTION } from './constants';
import { ImportStrategy } from './launch';
import { normalizeServerSettings, ServerSettings } from './serverSettings';
import { resolveVariables } from './variables';

export interface ExtensionSettings {
    readonly enable: boolean;
    /** The interpreter setting, variables expanded; undefined when not set (or not trusted). */
    readonly interpreter: string | undefined;
    /** `sqlalchemyLint.path`, a `sqlalchemy-lint` executable to run, variables expanded;
     * undefined when not set (or set by an untrusted workspace). */
    readonly executable: string | undefined;
    readonly importStrategy: ImportStrategy;
    /** What the server receives as `{"settings": ...}`. */
    readonly server: ServerSettings;
    /** Values that were invalid and replaced by defaults, for the log. */
    readonly warnings: readonly string[];
}

/** Settings whose change restarts the server. */
const RESTART_KEYS = ['enable', 'interpreter', 'importStrategy', 'path'] as const;
/** Settings sent to the running server with workspace/didChangeConfiguration. */
const SERVER_KEYS = [
    'select',
    'ignore',
    'severity',
    'unsafeFixes',
    'run',
    'reportingScope',
    'ignorePatterns',
    'args',
    'showNotifications',
    'cwd',
] as const;

/** One server serves the window; its settings are those of the first workspace folder. */
export function settingsScope(): WorkspaceFolder | undefined {
    return workspace.workspaceFolders?.[0];
}

/**
 * The user-level value of a setting, ignoring workspace and folder values. VS Code already does
 * this for restrictedConfigurations in restricted mode; doing it here too keeps the rule visible
 * and independent of the VS Code version.
 */
function userValue<T>(config: WorkspaceConfiguration, key: string): T | undefined {
    const inspected = config.inspect<T>(key);
    return inspected?.globalValue ?? inspected?.defaultValue;
}

/** A path setting with `${workspaceFolder}`, `~` and environment variables expanded. */
function expandPath(value: string, scope: WorkspaceFolder | undefined): string {
    return resolveVariables(value.trim(), {
        workspaceFolder: scope?.uri.fsPath,
        workspaceFolders: (workspace.workspaceFolders ?? []).map((f) => ({ name: f.name, path: f.uri.fsPath })),
        userHome: os.homedir(),
        env: process.env,
    });
}

export function readSettings(scope: WorkspaceFolder | undefined, trusted: boolean): ExtensionSettings {
    const config = workspace.getConfiguration(CONFIG_SECTION, scope);
    const rawInterpreter = trusted ? config.get<unknown>('interpreter') : userValue<unknown>(config, 'interpreter');
    const rawStrategy = trusted ? config.get<unknown>('importStrategy') : userValue<unknown>(config, 'importStrategy');
    const warnings: string[] = [];

    let interpreter: string | undefined;
    if (typeof rawInterpreter === 'string' && rawInterpreter.trim().length > 0) {
        interpreter = expandPath(rawInterpreter, scope);
    } else if (Array.isArray(rawInterpreter) && rawInterpreter.length > 0 && typeof rawInterpreter[0] === 'string') {
        // The Python tools template uses a list; accept its first item rather than fail.
        warnings.push('sqlalchemyLint.interpreter should be a path, not a list; using its first item.');
        interpreter = rawInterpreter[0];
    }

    const rawPath = trusted ? config.get<unknown>('path') : userValue<unknown>(config, 'path');
    let executable: string | undefined;
    if (typeof rawPath === 'string' && rawPath.trim().length > 0) {
        executable = expandPath(rawPath, scope);
    } else if (rawPath !== undefined && rawPath !== null && rawPath !== '') {
        warnings.push(`sqlalchemyLint.path should be the path of a sqlalchemy-lint executable; ignoring ${JSON.stringify(rawPath)}.`);
    }

    let importStrategy: ImportStrategy = 'useBundled';
    if (rawStrategy === 'fromEnvironment' || rawStrategy === 'useBundled') {
        importStrategy = rawStrategy;
    } else if (rawStrategy !== undefined) {
        warnings.push(`sqlalchemyLint.importStrategy ${JSON.stringify(rawStrategy)} is unknown; using "useBundled".`);
    }

    const rawCwd = config.get<unknown>('cwd');
    const normalized = normalizeServerSettings({
        enable: config.get<unknown>('enable'),
        select: config.get<unknown>('select'),
        ignore: config.get<unknown>('ignore'),
        severity: config.get<unknown>('severity'),
        unsafeFixes: config.get<unknown>('unsafeFixes'),
        run: config.get<unknown>('run'),
        reportingScope: config.get<unknown>('reportingScope'),
        ignorePatterns: config.get<unknown>('ignorePatterns'),
        args: config.get<unknown>('args'),
        showNotifications: config.get<unknown>('showNotifications'),
        cwd: typeof rawCwd === 'string' && rawCwd.trim().length > 0 ? expandPath(rawCwd, scope) : rawCwd,
    });
    return {
        enable: normalized.settings.enable,
        interpreter,
        executable,
        importStrategy,
        server: normalized.settings,
        warnings: [...warnings, ...normalized.warnings],
    };
}

export function needsRestart(event: ConfigurationChangeEvent, scope: WorkspaceFolder | undefined): boolean {
    return RESTART_KEYS.some((key) => event.affectsConfiguration(`${CONFIG_SECTION}.${key}`, scope));
}

export function changesServerSettings(event: ConfigurationChangeEvent, scope: WorkspaceFolder | undefined): boolean {
    return SERVER_KEYS.some((key) => event.affectsConfiguration(`${CONFIG_SECTION}.${key}`, scope));
}
