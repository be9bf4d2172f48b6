// The server's lifecycle and its single restart path. Activation, the Restart command, a new
// interpreter, a restart-relevant setting and workspace trust all call `restart`; requests are
// serialised, and requests that arrive while one waits are merged into it.

import * as path from 'path';
import { Disposable, LogOutputChannel, workspace } from 'vscode';
import { DidChangeConfigurationNotification } from 'vscode-languageclient/node';
import { createServer, ProcessEnd, ServerHandle } from './client';
import { BUNDLE_FOLDER, PROBE_TIMEOUT_MS, START_TIMEOUT_MS, STOP_TIMEOUT_MS } from './constants';
import { DOCUMENT_STATUS_METHOD } from './documentStatus';
import { chooseInterpreter } from './interpreter';
import { LaunchPlan, planExecutable, planLaunch, readBundleManifest } from './launch';
import { traceError, traceInfo, traceWarn } from './logging';
import { ProblemNotifier } from './notifications';
import { describeOrigin, errorLine, problem, StartupProblem } from './problems';
import { probeInterpreter, versionText } from './probe';
import { PythonExtensionBridge } from './python';
import { ExtensionSettings, readSettings, settingsScope } from './settings';
import { ServerStatus } from './status';

export interface RestartOptions {
    /** The user ran the Restart command: show the problem again even if it was shown before. */
    readonly userAsked?: boolean;
    /** Only restart when the interpreter or import strategy differs from the running server's. */
    readonly onlyIfChanged?: boolean;
}

class StartTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new StartTimeout(`no answer within ${ms} ms`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function delay(ms: number): Promise<undefined> {
    return new Promise((resolve) => setTimeout(() => resolve(undefined), ms));
}

function describeEnd(end: ProcessEnd | undefined): string {
    if (end === undefined) {
        return '';
    }
    if (end.code !== null) {
        return ` with exit code ${end.code}`;
    }
    return end.signal ? ` (killed by ${end.signal})` : '';
}

function startFailure(error: unknown, end: ProcessEnd | undefined, plan: LaunchPlan): StartupProblem {
    const remedy =
        plan.source === 'executable'
            ? 'Check sqlalchemyLint.path: it must name a sqlalchemy-lint executable (the output has the error), or clear it to use the bundled server'
            : plan.source === 'environment'
              ? 'Check the sqlalchemy-lint installed in that environment (the output has the error), or set sqlalchemyLint.importStrategy to "useBundled"'
              : 'The output has the server\'s error; if this interpreter is broken, choose another one with sqlalchemyLint.interpreter';
    if (end?.spawnError) {
        return problem(
            'interpreter-not-runnable',
            `Could not run "${plan.command}": ${end.spawnError.message}`,
            remedy,
            ['openSettings', 'showOutput'],
        );
    }
    if (error instanceof StartTimeout) {
        return problem(
            'server-timeout',
            `The server (${plan.summary}) did not finish starting within ${START_TIMEOUT_MS / 1000} s`,
            remedy,
            ['showOutput', 'restart'],
        );
    }
    const reason = errorLine(end?.stderrTail ?? '') ?? (error instanceof Error ? error.message : String(error));
    return problem(
        'server-exited',
        `The server (${plan.summary}) exited while starting${describeEnd(end)}: ${reason}`,
        remedy,
        ['showOutput', 'openSettings', 'restart'],
        end?.stderrTail.trim() || undefined,
    );
}

export class ServerManager implements Disposable {
    private handle: ServerHandle | undefined;
    private running = false;
    /** Interpreter, strategy and trust of the running server, to skip needless restarts. */
    private fingerprint: string | undefined;
    private generation = 0;
    private queue: Promise<void> = Promise.resolve();
    private pending: Required<RestartOptions> | undefined;

    constructor(
        private readonly extensionPath: string,
        private readonly channel: LogOutputChannel,
        private readonly status: ServerStatus,
        private readonly notifier: ProblemNotifier,
        private readonly python: PythonExtensionBridge,
    ) {}

    restart(reason: string, options: RestartOptions = {}): Promise<void> {
        traceInfo(`Restart requested: ${reason}.`);
        const request = { userAsked: options.userAsked ?? false, onlyIfChanged: options.onlyIfChanged ?? false };
        if (this.pending !== undefined) {
            // A restart is already waiting and will read the newest settings: merge into it.
            this.pending = {
                userAsked: this.pending.userAsked || request.userAsked,
                onlyIfChanged: this.pending.onlyIfChanged && request.onlyIfChanged,
            };
            return this.queue;
        }
        this.pending = request;
        this.queue = this.queue.then(async () => {
            const merged = this.pending ?? request;
            this.pending = undefined;
            try {
                await this.run(merged);
            } catch (error) {
                traceError(`Restart failed unexpectedly: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
            }
        });
        return this.queue;
    }

    /** Send changed rule settings to the running server; no restart needed. */
    async sendSettings(): Promise<void> {
        if (this.handle === undefined || !this.running) {
            return;
        }
        const settings = readSettings(settingsScope(), workspace.isTrusted);
        settings.warnings.forEach((w) => traceWarn(w));
        traceInfo(`Sending settings: ${JSON.stringify(settings.server)}`);
        await this.handle.client.sendNotification(DidChangeConfigurationNotification.type, { settings: settings.server });
    }

    private async run(options: Required<RestartOptions>): Promise<void> {
        const generation = ++this.generation;
        const trusted = workspace.isTrusted;
        const scope = settingsScope();
        const settings = readSettings(scope, trusted);
        settings.warnings.forEach((w) => traceWarn(w));

        if (!settings.enable) {
            await this.stopServer();
            this.status.disabled();
            traceInfo('sqlalchemyLint.enable is false: the server is not running.');
            return;
        }

        if (settings.executable !== undefined) {
            const fingerprint = JSON.stringify(['path', settings.executable, trusted]);
            if (options.onlyIfChanged && this.running && this.fingerprint === fingerprint) {
                return;
            }
            await this.stopServer();
            this.status.starting();
            traceInfo(`Running the server of ${settings.executable} (sqlalchemyLint.path).`);
            return this.startServer(generation, planExecutable(settings.executable, this.extensionPath, process.env), settings, fingerprint, options);
        }

        const chosen = await chooseInterpreter({ setting: settings.interpreter, python: this.python, resource: scope?.uri, trusted });
        if (!chosen.ok) {
            await this.stopServer();
            return this.fail(chosen.problem, options.userAsked);
        }
        const fingerprint = JSON.stringify([chosen.choice.command, settings.importStrategy, trusted]);
        if (options.onlyIfChanged && this.running && this.fingerprint === fingerprint) {
            traceInfo('Interpreter and import strategy unchanged: the server keeps running.');
            return;
        }

        await this.stopServer();
        this.status.starting();
        const { command, origin } = chosen.choice;
        const probe = await probeInterpreter(command, {
            cwd: this.extensionPath,
            env: process.env,
            timeoutMs: PROBE_TIMEOUT_MS,
            origin,
        });
        if (!probe.ok) {
            return this.fail(probe.problem, options.userAsked);
        }
        const info = probe.info;
        traceInfo(`Interpreter: ${info.executable} (${info.implementation} ${versionText(info)}, ${describeOrigin(origin)}).`);

        const bundleRoot = path.join(this.extensionPath, BUNDLE_FOLDER);
        const launch = planLaunch({
            interpreter: info,
            origin,
            importStrategy: settings.importStrategy,
            bundleRoot,
            manifest: readBundleManifest(bundleRoot),
            cwd: this.extensionPath,
            baseEnv: process.env,
        });
        if (!launch.ok) {
            return this.fail(launch.problem, options.userAsked);
        }
        launch.notes.forEach((note) => traceWarn(note));
        return this.startServer(generation, launch.plan, settings, fingerprint, options);
    }

    private async startServer(
        generation: number,
        plan: LaunchPlan,
        settings: ExtensionSettings,
        fingerprint: string,
        options: RestartOptions,
    ): Promise<void> {
        const handle: ServerHandle = createServer(plan, settings.server, this.channel, () => this.onClosed(generation, handle));
        this.handle = handle;
        // Registered before the start, so the first file's status is not missed.
        handle.client.onNotification(DOCUMENT_STATUS_METHOD, (params: unknown) => {
            if (this.handle === handle) {
                this.status.documentStatus(params);
            }
        });
        this.fingerprint = fingerprint;
        try {
            await withTimeout(handle.client.start(), START_TIMEOUT_MS);
            // vscode-languageclient 9 can resolve start() although the connection closed during
            // `initialize` (it returns its cleared start promise): check the state too.
            if (!handle.client.isRunning()) {
                throw new Error('the connection to the server closed while it was starting');
            }
        } catch (error) {
            if (generation !== this.generation) {
                return; // a newer restart took over
            }
            const end = await Promise.race([handle.ended, delay(2000)]);
            await this.stopServer();
            return this.fail(startFailure(error, end, plan), options.userAsked ?? false);
        }
        if (generation !== this.generation) {
            return;
        }
        this.running = true;
        this.status.running(plan.summary);
        this.notifier.reset();
        traceInfo(`Server running: ${plan.summary}.`);
    }

    /** The connection closed without a stop request: the server died. Report, never loop. */
    private onClosed(generation: number, handle: ServerHandle): void {
        if (generation !== this.generation || this.handle !== handle || !this.running) {
            return; // a start failure (reported by run) or an old server
        }
        this.running = false;
        this.handle = undefined;
        void Promise.race([handle.ended, delay(2000)]).then((end) => {
            if (generation !== this.generation) {
                return;
            }
            const reason = errorLine(end?.stderrTail ?? '');
            this.fail(
                problem(
                    'server-crashed',
                    `The server stopped unexpectedly${describeEnd(end)}${reason ? `: ${reason}` : ''}`,
                    'Restart it with "SQLAlchemy Lint: Restart Server"; the output has the details',
                    ['restart', 'showOutput'],
                    end?.stderrTail.trim() || undefined,
                ),
                false,
            );
        });
    }

    private fail(startupProblem: StartupProblem, userAsked: boolean): void {
        this.status.failed(startupProblem);
        this.notifier.report(startupProblem, userAsked);
    }

    private async stopServer(): Promise<void> {
        const handle = this.handle;
        this.handle = undefined;
        this.running = false;
        this.fingerprint = undefined;
        if (handle === undefined) {
            return;
        }
        try {
            await handle.client.dispose(STOP_TIMEOUT_MS);
        } catch (error) {
            traceWarn(`Stopping the server: ${String(error)}`);
        }
    }

    async dispose(): Promise<void> {
        this.generation++;
        await this.stopServer();
    }
}
