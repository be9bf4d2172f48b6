// The settings object the server receives, checked and normalised. No `vscode` import: the
// same function serves initializationOptions and workspace/didChangeConfiguration.

export type Severity = 'error' | 'warning' | 'information' | 'hint';
export type NotificationLevel = 'off' | 'onError' | 'onWarning' | 'always';
const NOTIFICATION_LEVELS: readonly NotificationLevel[] = ['off', 'onError', 'onWarning', 'always'];
const SEVERITIES: readonly Severity[] = ['error', 'warning', 'information', 'hint'];

/** `{"settings": ServerSettings}` is what the server reads (see the server contract). */
export interface ServerSettings {
    enable: boolean;
    /** Absent when the user selected nothing: to the server an empty list selects no rule. */
    select?: string[];
    ignore: string[];
    severity: Record<string, Severity>;
    unsafeFixes: boolean;
    /** When files are checked: as you type, or when opened and saved. */
    run: 'onType' | 'onSave';
    /** Problems for the open files only, or for every file of the workspace. */
    reportingScope: 'file' | 'workspace';
    /** Globs of files never checked. */
    ignorePatterns: string[];
    /** Command-line options the server applies (`--select`, `--config PATH`...). */
    args: string[];
    /** Which messages pop up (the rest are only logged in the output). */
    showNotifications: NotificationLevel;
    /** The absolute folder relative paths in `args` and `ignorePatterns` are read from;
     * absent: the first workspace folder. */
    cwd?: string;
}

export interface RawServerSettings {
    readonly enable?: unknown;
    readonly select?: unknown;
    readonly ignore?: unknown;
    readonly severity?: unknown;
    readonly unsafeFixes?: unknown;
    readonly run?: unknown;
    readonly reportingScope?: unknown;
    readonly ignorePatterns?: unknown;
    readonly args?: unknown;
    readonly showNotifications?: unknown;
    /** Already expanded (`${workspaceFolder}`, `~`) by the caller. */
    readonly cwd?: unknown;
}

export const DEFAULT_SERVER_SETTINGS: Readonly<ServerSettings> = Object.freeze({
    enable: true,
    ignore: [],
    severity: {},
    unsafeFixes: false,
    run: 'onType',
    reportingScope: 'file',
    ignorePatterns: [],
    args: [],
    showNotifications: 'onWarning',
});

/** Whether a message of `level` pops up under the `showNotifications` setting. */
export function shouldNotify(setting: NotificationLevel, level: 'error' | 'warning' | 'info'): boolean {
    switch (setting) {
        case 'off':
            return false;
        case 'onError':
            return level === 'error';
        case 'onWarning':
            return level !== 'info';
        case 'always':
            return true;
    }
}

/** Codes and prefixes are upper-cased (`sqa1` -> `SQA1`); rule names (`connection-not-closed`)
 * and anything else are passed on as written: the server knows its rules and reports unknown ones. */
function canonicalSelector(text: string): string {
    const trimmed = text.trim();
    return /^(sqa\d*|all)$/i.test(trimmed) ? trimmed.toUpperCase() : trimmed;
}

function codes(value: unknown, key: string, warnings: string[]): string[] {
    if (value === undefined || value === null) {
        return [];
    }
    if (!Array.isArray(value)) {
        warnings.push(`sqlalchemyLint.${key} should be a list of rule codes; ignoring ${JSON.stringify(value)}.`);
        return [];
    }
    const result: string[] = [];
    for (const item of value) {
        const code = typeof item === 'string' ? canonicalSelector(item) : '';
        if (code.length === 0) {
            warnings.push(`sqlalchemyLint.${key}: ${JSON.stringify(item)} is not a rule code like "SQA101"; ignored.`);
        } else if (!result.includes(code)) {
            result.push(code);
        }
    }
    return result;
}

function severities(value: unknown, warnings: string[]): Record<string, Severity> {
    if (value === undefined || value === null) {
        return {};
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
        warnings.push(`sqlalchemyLint.severity should map rule codes to severities; ignoring ${JSON.stringify(value)}.`);
        return {};
    }
    const result: Record<string, Severity> = {};
    for (const [rawCode, rawLevel] of Object.entries(value as Record<string, unknown>)) {
        const code = canonicalSelector(rawCode);
        const level = typeof rawLevel === 'string' ? rawLevel.trim().toLowerCase() : '';
        if (code.length === 0) {
            warnings.push(`sqlalchemyLint.severity: ${JSON.stringify(rawCode)} is not a rule code like "SQA101"; ignored.`);
        } else if (!(SEVERITIES as readonly string[]).includes(level)) {
            warnings.push(
                `sqlalchemyLint.severity.${code}: ${JSON.stringify(rawLevel)} is not one of ${SEVERITIES.join(', ')}; ignored.`,
            );
        } else {
            result[code] = level as Severity;
        }
    }
    return result;
}

function flag(value: unknown, key: string, fallback: boolean, warnings: string[]): boolean {
    if (value === undefined || value === null) {
        return fallback;
    }
    if (typeof value !== 'boolean') {
        warnings.push(`sqlalchemyLint.${key} should be true or false; using ${fallback}.`);
        return fallback;
    }
    return value;
}

function strings(value: unknown, key: string, warnings: string[]): string[] {
    if (value === undefined || value === null) {
        return [];
    }
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
        warnings.push(`sqlalchemyLint.${key} should be a list of strings; ignoring ${JSON.stringify(value)}.`);
        return [];
    }
    return (value as string[]).map((item) => item.trim()).filter((item) => item.length > 0);
}

function runMode(value: unknown, warnings: string[]): 'onType' | 'onSave' {
    if (value === undefined || value === null || value === 'onType' || value === 'onSave') {
        return value === 'onSave' ? 'onSave' : 'onType';
    }
    warnings.push(`sqlalchemyLint.run ${JSON.stringify(value)} is not "onType" or "onSave"; using "onType".`);
    return 'onType';
}

function scope(value: unknown, warnings: string[]): 'file' | 'workspace' {
    if (value === undefined || value === null || value === 'file' || value === 'workspace') {
        return value === 'workspace' ? 'workspace' : 'file';
    }
    warnings.push(`sqlalchemyLint.reportingScope ${JSON.stringify(value)} is not "file" or "workspace"; using "file".`);
    return 'file';
}

function notifications(value: unknown, warnings: string[]): NotificationLevel {
    if (value === undefined || value === null) {
        return DEFAULT_SERVER_SETTINGS.showNotifications;
    }
    if (typeof value === 'string' && (NOTIFICATION_LEVELS as readonly string[]).includes(value)) {
        return value as NotificationLevel;
    }
    warnings.push(
        `sqlalchemyLint.showNotifications ${JSON.stringify(value)} is not one of ${NOTIFICATION_LEVELS.join(', ')}; using "onWarning".`,
    );
    return DEFAULT_SERVER_SETTINGS.showNotifications;
}

function folder(value: unknown, warnings: string[]): string | undefined {
    if (value === undefined || value === null || value === '') {
        return undefined;
    }
    if (typeof value === 'string' && (value.startsWith('/') || /^[A-Za-z]:[\\/]/.test(value) || value.startsWith('\\\\'))) {
        return value;
    }
    warnings.push(`sqlalchemyLint.cwd should be an absolute folder (or \${workspaceFolder}/...); ignoring ${JSON.stringify(value)}.`);
    return undefined;
}

/** A valid settings object, plus a warning for every value that was dropped. */
export function normalizeServerSettings(raw: RawServerSettings): { settings: ServerSettings; warnings: string[] } {
    const warnings: string[] = [];
    const select = codes(raw.select, 'select', warnings);
    const settings: ServerSettings = {
        enable: flag(raw.enable, 'enable', DEFAULT_SERVER_SETTINGS.enable, warnings),
        ...(select.length > 0 ? { select } : {}),
        ignore: codes(raw.ignore, 'ignore', warnings),
        severity: severities(raw.severity, warnings),
        unsafeFixes: flag(raw.unsafeFixes, 'unsafeFixes', DEFAULT_SERVER_SETTINGS.unsafeFixes, warnings),
        run: runMode(raw.run, warnings),
        reportingScope: scope(raw.reportingScope, warnings),
        ignorePatterns: strings(raw.ignorePatterns, 'ignorePatterns', warnings),
        args: strings(raw.args, 'args', warnings),
        showNotifications: notifications(raw.showNotifications, warnings),
    };
    const cwd = folder(raw.cwd, warnings);
    if (cwd !== undefined) {
        settings.cwd = cwd;
    }
    return { settings, warnings };
}
