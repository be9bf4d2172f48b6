// Creating the language client for a launch plan. The process is spawned here (not by
// vscode-languageclient) so that its exit code and last stderr lines can explain a failure.

import { spawn } from 'child_process';
import { LogOutputChannel } from 'vscode';
import {
    CloseAction,
    ErrorAction,
    LanguageClient,
    LanguageClientOptions,
    RevealOutputChannelOn,
    ServerOptions,
} from 'vscode-languageclient/node';
import { CONFIG_SECTION, DIAGNOSTIC_SOURCE, SERVER_NAME } from './constants';
import { LaunchPlan } from './launch';
import { traceInfo } from './logging';
import { ServerSettings } from './serverSettings';

/** What is known about the server process after it ended. */
export interface ProcessEnd {
    readonly code: number | null;
    readonly signal: NodeJS.Signals | null;
    readonly spawnError?: Error;
    /** The last few kilobytes the server wrote to stderr. */
    readonly stderrTail: string;
}

export interface ServerHandle {
    readonly client: LanguageClient;
    /** Resolves when the process has ended (or could not be spawned). */
    readonly ended: Promise<ProcessEnd>;
}

const STDERR_TAIL_BYTES = 4096;

/**
 * vscode-languageclient shows its own notifications for start failures and closed connections.
 * The extension explains those itself (one notification, with the reason), so the library's
 * messages go to the output channel only.
 */
class QuietLanguageClient extends LanguageClient {
    override error(message: string, data?: unknown, _showNotification?: boolean | 'force'): void {
        super.error(message, data, false);
    }
}

export function createServer(
    plan: LaunchPlan,
    settings: ServerSettings,
    channel: LogOutputChannel,
    onClosed: () => void,
): ServerHandle {
    let resolveEnded: (end: ProcessEnd) => void = () => undefined;
    const ended = new Promise<ProcessEnd>((resolve) => {
        resolveEnded = resolve;
    });

    const serverOptions: ServerOptions = async () => {
        traceInfo(`Server command: ${[plan.command, ...plan.args].join(' ')} (cwd ${plan.cwd})`);
        if (plan.env.PYTHONPATH !== undefined) {
            traceInfo(`Server PYTHONPATH: ${plan.env.PYTHONPATH}`);
        }
        const child = spawn(plan.command, [...plan.args], {
            cwd: plan.cwd,
            env: plan.env,
            stdio: 'pipe',
            windowsHide: true,
        });
        let tail = '';
        child.stderr.on('data', (chunk: Buffer | string) => {
            tail = (tail + chunk.toString()).slice(-STDERR_TAIL_BYTES);
        });
        child.on('error', (error) => resolveEnded({ code: null, signal: null, spawnError: error, stderrTail: tail }));
        child.on('exit', (code, signal) => resolveEnded({ code, signal, stderrTail: tail }));
        return child;
    };

    const clientOptions: LanguageClientOptions = {
        documentSelector: [
            { scheme: 'file', language: 'python' },
            { scheme: 'untitled', language: 'python' },
        ],
        diagnosticCollectionName: DIAGNOSTIC_SOURCE,
        outputChannel: channel,
        traceOutputChannel: channel,
        revealOutputChannelOn: RevealOutputChannelOn.Never,
        initializationOptions: { settings },
        initializationFailedHandler: () => false,
        errorHandler: {
            // A few malformed messages are survivable; a stream of them is not.
            error: (_error, _message, count) => ({
                action: (count ?? 0) <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown,
                handled: true,
            }),
            // Never restart by ourselves: a server that dies on start would die again, in a loop.
            closed: () => {
                onClosed();
                return { action: CloseAction.DoNotRestart, handled: true };
            },
        },
    };

    const client = new QuietLanguageClient(CONFIG_SECTION, SERVER_NAME, serverOptions, clientOptions);
    return { client, ended };
}
