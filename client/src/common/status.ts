// The language status item next to "Python" in the status bar: starting, running with which
// interpreter, disabled, or not running and why.

import { Disposable, languages, LanguageStatusItem, LanguageStatusSeverity, window } from 'vscode';
import { COMMANDS, DIAGNOSTIC_SOURCE, SERVER_NAME } from './constants';
import { describe, DocumentStatuses, workspaceFindings } from './documentStatus';
import { StartupProblem } from './problems';

export type ServerState = 'starting' | 'running' | 'disabled' | 'failed';

export class ServerStatus implements Disposable {
    private readonly item: LanguageStatusItem;
    private current: ServerState = 'starting';
    private summary = '';
    /** What the server said about each document (`sqlalchemyLint/documentStatus`). */
    private readonly documents = new DocumentStatuses();
    private readonly editorChanges: Disposable;
    private readonly diagnosticChanges: Disposable;
    /** Diagnostics change in bursts (a workspace check publishes file after file): recount once. */
    private recount: ReturnType<typeof setTimeout> | undefined;

    constructor() {
        this.item = languages.createLanguageStatusItem('sqlalchemyLint.status', { language: 'python' });
        this.item.name = SERVER_NAME;
        this.editorChanges = window.onDidChangeActiveTextEditor(() => this.showDocument());
        this.diagnosticChanges = languages.onDidChangeDiagnostics(() => {
            if (this.recount === undefined) {
                this.recount = setTimeout(() => {
                    this.recount = undefined;
                    this.showDocument();
                }, 250);
            }
        });
        this.starting();
    }

    get state(): ServerState {
        return this.current;
    }

    starting(): void {
        this.documents.clear();
        this.set('starting', `${SERVER_NAME}: starting`, 'Starting the language server', LanguageStatusSeverity.Information, true);
        this.item.command = { title: 'Show Output', command: COMMANDS.showOutput };
    }

    running(summary: string): void {
        this.summary = summary;
        this.current = 'running';
        this.showDocument();
    }

    /** A `sqlalchemyLint/documentStatus` notification from the running server. */
    documentStatus(value: unknown): void {
        if (this.documents.update(value) && this.current === 'running') {
            this.showDocument();
        }
    }

    /** While running: what the server said about the file in the active editor. */
    private showDocument(): void {
        if (this.current !== 'running') {
            return;
        }
        const uri = window.activeTextEditor?.document.uri.toString();
        const view = describe(this.documents.get(uri), SERVER_NAME, this.summary, this.workspace());
        const severity = view.warning ? LanguageStatusSeverity.Warning : LanguageStatusSeverity.Information;
        this.set('running', view.text, view.detail, severity, false);
        this.item.command =
            view.opens === 'problems'
                ? { title: 'Show Problems', command: 'workbench.actions.view.problems' }
                : { title: 'Show Output', command: COMMANDS.showOutput };
    }

    /** This server's findings in every file VS Code holds diagnostics for. */
    private workspace(): string {
        return workspaceFindings(
            languages
                .getDiagnostics()
                .map(([, diagnostics]) => diagnostics.filter((d) => d.source === DIAGNOSTIC_SOURCE).length),
        );
    }

    disabled(): void {
        this.set('disabled', `${SERVER_NAME}: off`, 'Disabled by sqlalchemyLint.enable', LanguageStatusSeverity.Information, false);
        this.item.command = { title: 'Open Settings', command: 'workbench.action.openSettings', arguments: ['sqlalchemyLint.enable'] };
    }

    failed(problem: StartupProblem): void {
        this.documents.clear();
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
        if (this.recount !== undefined) {
            clearTimeout(this.recount);
        }
        this.diagnosticChanges.dispose();
        this.editorChanges.dispose();
        this.item.dispose();
    }
}
