// Why the server could not start or stopped, said once, in words for the user.

/** What the notification offers, mapped to commands by the notifier. */
export type ProblemAction = 'openSettings' | 'selectInterpreter' | 'showOutput' | 'restart';

export type ProblemKind =
    | 'no-interpreter'
    | 'interpreter-not-found'
    | 'interpreter-not-runnable'
    | 'interpreter-failed'
    | 'interpreter-timeout'
    | 'not-python'
    | 'python-too-old'
    | 'unsupported-python'
    | 'bundle-missing'
    | 'not-installed'
    | 'server-exited'
    | 'server-timeout'
    | 'server-crashed';

export interface StartupProblem {
    readonly kind: ProblemKind;
    /** What went wrong, one or two sentences naming the interpreter involved. */
    readonly message: string;
    /** What the user can do about it. */
    readonly remedy: string;
    /** Extra text for the output channel only (stderr, exit code, ...). */
    readonly detail?: string;
    readonly actions: readonly ProblemAction[];
}

export function problem(
    kind: ProblemKind,
    message: string,
    remedy: string,
    actions: readonly ProblemAction[],
    detail?: string,
): StartupProblem {
    return detail === undefined ? { kind, message, remedy, actions } : { kind, message, remedy, actions, detail };
}

/** The last non-empty line of a process's stderr, usually the exception that ended it. */
export function lastMeaningfulLine(text: string): string | undefined {
    const lines = text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line.length > 0);
    return lines.at(-1);
}

/**
 * The line of a server's stderr that explains its end: the last Python exception line
 * (`ModuleNotFoundError: ...`) or error-level log record. Ordinary log lines explain nothing,
 * so without such a line there is no reason to quote.
 */
export function errorLine(text: string): string | undefined {
    const lines = text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line.length > 0)
        .reverse();
    return lines.find(
        (line) =>
            /^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt|Warning)\b(:|$)/.test(line) ||
            /\b(ERROR|CRITICAL|FATAL)\b/.test(line),
    );
}

/** Both sentences in one notification; trailing period normalised. */
export function notificationText(p: StartupProblem): string {
    const sentence = (s: string) => (/[.!?]$/.test(s) ? s : `${s}.`);
    return `SQLAlchemy Lint: ${sentence(p.message)} ${sentence(p.remedy)}`;
}

/** Where the interpreter came from; decides what the user is told to change. */
export type InterpreterOrigin = 'setting' | 'pythonExtension' | 'path';

export function describeOrigin(origin: InterpreterOrigin): string {
    switch (origin) {
        case 'setting':
            return 'set in sqlalchemyLint.interpreter';
        case 'pythonExtension':
            return 'selected in the Python extension';
        case 'path':
            return 'found on PATH';
    }
}

/** The advice for a bad interpreter, by where it came from. */
export function chooseAnotherInterpreter(origin: InterpreterOrigin): { remedy: string; actions: ProblemAction[] } {
    switch (origin) {
        case 'setting':
            return {
                remedy: 'Correct sqlalchemyLint.interpreter (Python 3.9 or newer), or clear it to use the Python extension\'s interpreter or python3 on PATH',
                actions: ['openSettings', 'showOutput'],
            };
        case 'pythonExtension':
            return {
                remedy: 'Select another interpreter with "Python: Select Interpreter", or set sqlalchemyLint.interpreter',
                actions: ['selectInterpreter', 'openSettings', 'showOutput'],
            };
        case 'path':
            return {
                remedy: 'Install Python 3.9 or newer, or set sqlalchemyLint.interpreter to the path of one',
                actions: ['openSettings', 'showOutput'],
            };
    }
}
