// One output channel, "SQLAlchemy Lint", for the client's own log, the server's stderr and the
// LSP trace. Modules log through these functions instead of holding the channel.

import * as util from 'util';
import { Disposable, LogOutputChannel } from 'vscode';

let channel: LogOutputChannel | undefined;

export function registerLogger(outputChannel: LogOutputChannel): Disposable {
    channel = outputChannel;
    return new Disposable(() => {
        channel = undefined;
    });
}

export function traceError(...args: unknown[]): void {
    channel?.error(util.format(...args));
}

export function traceWarn(...args: unknown[]): void {
    channel?.warn(util.format(...args));
}

export function traceInfo(...args: unknown[]): void {
    channel?.info(util.format(...args));
}

export function traceVerbose(...args: unknown[]): void {
    channel?.debug(util.format(...args));
}
