// The one notification a user sees when the server cannot run. The same problem is not shown
// twice in a row unless the user asked for the restart that hit it again.

import { commands, LogOutputChannel, window } from 'vscode';
import { COMMANDS } from './constants';
import { traceError } from './logging';
import { notificationText, ProblemAction, StartupProblem } from './problems';
import { NotificationLevel, shouldNotify } from './serverSettings';

const ACTION_TITLES: Record<ProblemAction, string> = {
    openSettings: 'Open Settings',
    selectInterpreter: 'Select Interpreter',
    showOutput: 'Show Output',
    restart: 'Restart',
};

export class ProblemNotifier {
    private lastShown: string | undefined;

    constructor(
        private readonly channel: LogOutputChannel,
        private readonly pythonExtensionInstalled: () => boolean,
        /** The `showNotifications` setting: "off" leaves startup problems to the log and the status item. */
        private readonly showNotifications: () => NotificationLevel = () => 'onWarning',
    ) {}

    /** Log the problem, and show it unless the same one was the last shown. */
    report(problem: StartupProblem, userAsked: boolean): void {
        const text = notificationText(problem);
        traceError(text);
        if (problem.detail) {
            traceError(problem.detail);
        }
        if (!userAsked && (text === this.lastShown || !shouldNotify(this.showNotifications(), 'error'))) {
            return;
        }
        this.lastShown = text;
        const actions = problem.actions.filter((a) => a !== 'selectInterpreter' || this.pythonExtensionInstalled());
        // Not awaited: the promise settles only when the user dismisses the message.
        void window.showErrorMessage(text, ...actions.map((a) => ACTION_TITLES[a])).then((picked) => {
            const action = actions.find((a) => ACTION_TITLES[a] === picked);
            if (action !== undefined) {
                void this.run(action);
            }
        });
    }

    /** A successful start: the next failure is news again. */
    reset(): void {
        this.lastShown = undefined;
    }

    private async run(action: ProblemAction): Promise<void> {
        switch (action) {
            case 'openSettings':
                await commands.executeCommand('workbench.action.openSettings', 'sqlalchemyLint.');
                return;
            case 'selectInterpreter':
                await commands.executeCommand('python.setInterpreter');
                return;
            case 'showOutput':
                this.channel.show();
                return;
            case 'restart':
                await commands.executeCommand(COMMANDS.restart);
                return;
        }
    }
}
