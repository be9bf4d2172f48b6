// The Microsoft Python extension, when installed: which interpreter the user selected, and when
// that selection changes. Everything here degrades to "no answer" without the extension.

import { PythonExtension } from '@vscode/python-extension';
import { Disposable, Event, EventEmitter, extensions, Uri } from 'vscode';
import { PYTHON_EXTENSION_ID } from './constants';
import { traceInfo, traceWarn } from './logging';

export class PythonExtensionBridge implements Disposable {
    private api: PythonExtension | undefined;
    private hooked = false;
    private readonly changed = new EventEmitter<void>();
    private readonly disposables: Disposable[] = [this.changed];

    /** Fires when the selected interpreter changes, or when the extension appears. */
    readonly onDidChangeInterpreter: Event<void> = this.changed.event;

    constructor() {
        // The Python extension may be installed or enabled while this one runs.
        this.disposables.push(
            extensions.onDidChange(() => {
                if (!this.hooked && this.isInstalled()) {
                    void this.connect().then(() => this.changed.fire());
                }
            }),
        );
    }

    isInstalled(): boolean {
        return extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined;
    }

    /** Activate the Python extension (if installed) and follow its interpreter selection. */
    async connect(): Promise<void> {
        if (this.hooked || !this.isInstalled()) {
            return;
        }
        try {
            this.api = await PythonExtension.api();
            this.disposables.push(this.api.environments.onDidChangeActiveEnvironmentPath(() => this.changed.fire()));
            this.hooked = true;
            traceInfo('Following the interpreter selected in the Python extension.');
        } catch (error) {
            traceWarn(`The Python extension is installed but its API is not available: ${String(error)}`);
        }
    }

    /** The executable of the interpreter selected for `resource`, if the extension knows one. */
    async selectedInterpreter(resource: Uri | undefined): Promise<string | undefined> {
        await this.connect();
        if (this.api === undefined) {
            return undefined;
        }
        try {
            const active = this.api.environments.getActiveEnvironmentPath(resource);
            const resolved = await this.api.environments.resolveEnvironment(active);
            return resolved?.executable.uri?.fsPath;
        } catch (error) {
            traceWarn(`Could not ask the Python extension for its interpreter: ${String(error)}`);
            return undefined;
        }
    }

    dispose(): void {
        this.disposables.forEach((d) => d.dispose());
    }
}
