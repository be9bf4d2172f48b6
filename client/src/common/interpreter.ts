// Which Python runs the server: the sqlalchemyLint.interpreter setting, else the interpreter
// selected in the Python extension, else python3/python on PATH.

import { Uri } from 'vscode';
import { findOnPath, looksLikePath } from './executables';
import { traceInfo } from './logging';
import { chooseAnotherInterpreter, InterpreterOrigin, problem, StartupProblem } from './problems';
import { PythonExtensionBridge } from './python';

export interface InterpreterChoice {
    readonly command: string;
    readonly origin: InterpreterOrigin;
}

export type InterpreterChoiceResult =
    | { readonly ok: true; readonly choice: InterpreterChoice }
    | { readonly ok: false; readonly problem: StartupProblem };

const PATH_NAMES = process.platform === 'win32' ? ['python', 'python3'] : ['python3', 'python'];

export async function chooseInterpreter(options: {
    readonly setting: string | undefined;
    readonly python: PythonExtensionBridge;
    readonly resource: Uri | undefined;
    readonly trusted: boolean;
}): Promise<InterpreterChoiceResult> {
    if (options.setting !== undefined) {
        if (looksLikePath(options.setting)) {
            return { ok: true, choice: { command: options.setting, origin: 'setting' } };
        }
        // A bare name such as "python3.12": look it up like a shell would.
        const found = findOnPath([options.setting]);
        if (found === undefined) {
            const advice = chooseAnotherInterpreter('setting');
            return {
                ok: false,
                problem: problem(
                    'interpreter-not-found',
                    `The Python interpreter "${options.setting}" (set in sqlalchemyLint.interpreter) is not on PATH`,
                    advice.remedy,
                    advice.actions,
                ),
            };
        }
        return { ok: true, choice: { command: found, origin: 'setting' } };
    }

    if (options.trusted) {
        const selected = await options.python.selectedInterpreter(options.resource);
        if (selected !== undefined) {
            return { ok: true, choice: { command: selected, origin: 'pythonExtension' } };
        }
    } else if (options.python.isInstalled()) {
        // The Python extension's choice may come from the workspace (.vscode/settings.json, a .venv
        // inside it): not something to execute before the user trusts the folder.
        traceInfo('Workspace not trusted: not using the interpreter selected in the Python extension.');
    }

    const onPath = findOnPath(PATH_NAMES);
    if (onPath !== undefined) {
        return { ok: true, choice: { command: onPath, origin: 'path' } };
    }
    return {
        ok: false,
        problem: problem(
            'no-interpreter',
            `No Python interpreter found: sqlalchemyLint.interpreter is not set, ${
                options.python.isInstalled() ? 'the Python extension has no interpreter selected' : 'the Python extension is not installed'
            }, and neither ${PATH_NAMES.join(' nor ')} is on PATH`,
            'Install Python 3.9 or newer, or set sqlalchemyLint.interpreter to the path of one',
            ['openSettings', 'showOutput'],
        ),
    };
}
