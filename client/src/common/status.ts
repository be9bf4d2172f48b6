// The language status item next to "Python" in the status bar: starting, running with which
// interpreter, disabled, or not running and why.

import { Disposable, languages, LanguageStatusItem, LanguageStatusSeverity } from 'vscode';
import { COMMANDS, SERVER_NAME } from './constants';
import { StartupProblem } from './problems';

export type ServerState = 'starting' | 'running' | 'disabled' | 'failed';

export class ServerStatus implements Disposable {
    private readonly item: LanguageStatusItem;
    private current: ServerState = 'starting';

    constructor() {
        this.item = languages.createLanguageStatusItem('sqlalchemyLint.status', { language: 'python' });
        this.item.name = SERVER_NAME;
        this.starting();
    }

    get state(): ServerState {
        return this.current;
    }

    starting(): void {
        this.set('starting', `${SERVER_NAME}: starting`, 'Starting the language server', LanguageStatusSeverity.Information, true);
        this.item.command = { title: 'Show Output', command: COMMANDS.showOutput };
    }

    running(summary: string): void {
        this.set('running', SERVER_NAME, summary, LanguageStatusSeverity.Information, false);
        this.item.command = { title: 'Show Output', command: COMMANDS.showOutput };
    }

    disabled(): void {
        this.set('disabled', `${SERVER_NAME}: off`, 'Disabled by sqlalchemyLint.enable', LanguageStatusSeverity.Information, false);
        this.item.command = { title: 'Open Settings', command: 'workbench.action.openSettings', arguments: ['sqlalchemyLint.enable'] };
    }

    failed(problem: StartupProblem): void {
        this.set('failed', `${SERVER_NAME}: not running`, problem.message, LanguageStatusSeverity.Error, false);
        this.item.command = { title: 'Restart', command: COMMANDS.restart };
    }

    private set(state: ServerState, text: string, detail: string, severity: LanguageStatusSeverity, busy: boolean): void {
        this.current = state;
        this.item.text = text;
        this.item.detail = detail;
        this.item.severity = severity;
        this.item.busy = busy;
        this.item.accessibilityInformation = { label: `${text}. ${detail}` };
    }

    dispose(): void {
        this.item.dispose();
    }
}
