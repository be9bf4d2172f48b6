// Entry point: wires the output channel, status item, commands and change events to the
// server manager's single restart path.

import { commands, ExtensionContext, window, workspace } from 'vscode';
import { COMMANDS, SERVER_NAME } from './common/constants';
import { registerLogger, traceInfo } from './common/logging';
import { ProblemNotifier } from './common/notifications';
import { PythonExtensionBridge } from './common/python';
import { ServerManager } from './common/serverManager';
import { changesServerSettings, needsRestart, readSettings, settingsScope } from './common/settings';
import { ServerStatus } from './common/status';

let manager: ServerManager | undefined;

export async function activate(context: ExtensionContext): Promise<void> {
    const channel = window.createOutputChannel(SERVER_NAME, { log: true });
    const status = new ServerStatus();
    const python = new PythonExtensionBridge();
    const notifier = new ProblemNotifier(
        channel,
        () => python.isInstalled(),
        () => readSettings(settingsScope(), workspace.isTrusted).server.showNotifications,
    );
    manager = new ServerManager(context.extensionPath, channel, status, notifier, python);
    const server = manager;
    context.subscriptions.push(channel, registerLogger(channel), status, python, { dispose: () => void server.dispose() });

    traceInfo(`${SERVER_NAME} ${String(context.extension.packageJSON.version)} activated (${workspace.isTrusted ? 'trusted' : 'untrusted'} workspace).`);

    context.subscriptions.push(
        commands.registerCommand(COMMANDS.restart, () => server.restart('command', { userAsked: true })),
        commands.registerCommand(COMMANDS.showOutput, () => channel.show()),
        workspace.onDidChangeConfiguration((event) => {
            const scope = settingsScope();
            if (needsRestart(event, scope)) {
                void server.restart('settings changed');
            } else if (changesServerSettings(event, scope)) {
                void server.sendSettings();
            }
        }),
        python.onDidChangeInterpreter(() => {
            // The Python extension's choice matters only when the setting does not override it.
            if (readSettings(settingsScope(), workspace.isTrusted).interpreter === undefined) {
                void server.restart('interpreter selection changed', { onlyIfChanged: true });
            }
        }),
        workspace.onDidGrantWorkspaceTrust(() => void server.restart('workspace trusted')),
        workspace.onDidChangeWorkspaceFolders(() => void server.restart('workspace folders changed', { onlyIfChanged: true })),
    );

    // Connect to the Python extension first so the first start already uses its interpreter.
    if (workspace.isTrusted) {
        await python.connect();
    }
    void server.restart('activation');
}

export async function deactivate(): Promise<void> {
    await manager?.dispose();
    manager = undefined;
}
