// What the status item says about the file in the editor, from the server's
// `sqlalchemyLint/documentStatus` notifications. No `vscode` import: unit-tested in node.

export const DOCUMENT_STATUS_METHOD = 'sqlalchemyLint/documentStatus';

/** One notification: how the analysis of one version of a document went. */
export interface DocumentStatus {
    readonly uri: string;
    readonly version: number;
    /** False while the buffer does not parse, or when the file is not checked at all. */
    readonly analysed: boolean;
    /** "3 findings", "not analysed: syntax error at line 45, column 3: ...". */
    readonly message: string;
}

export interface StatusView {
    readonly text: string;
    readonly detail: string;
    readonly warning: boolean;
    /** Where a click on the item leads: the Problems panel when the file has findings. */
    readonly opens: 'problems' | 'output';
}

export function isDocumentStatus(value: unknown): value is DocumentStatus {
    const v = value as Partial<DocumentStatus> | null;
    return (
        typeof v === 'object' &&
        v !== null &&
        typeof v.uri === 'string' &&
        typeof v.version === 'number' &&
        typeof v.analysed === 'boolean' &&
        typeof v.message === 'string'
    );
}

/** The latest status of each open document; an older version never replaces a newer one. */
export class DocumentStatuses {
    private readonly latest = new Map<string, DocumentStatus>();

    update(value: unknown): boolean {
        if (!isDocumentStatus(value)) {
            return false;
        }
        const known = this.latest.get(value.uri);
        if (known !== undefined && known.version > value.version) {
            return false;
        }
        this.latest.set(value.uri, value);
        return true;
    }

    get(uri: string | undefined): DocumentStatus | undefined {
        return uri === undefined ? undefined : this.latest.get(uri);
    }

    clear(): void {
        this.latest.clear();
    }
}

/**
 * The workspace's findings in words, from the number of this server's diagnostics in each
 * file that has some: "17 findings in 6 files", "1 finding in 1 file"; '' when there are none.
 */
export function workspaceFindings(perFile: readonly number[]): string {
    const files = perFile.filter((count) => count > 0);
    const total = files.reduce((sum, count) => sum + count, 0);
    if (total === 0) {
        return '';
    }
    const findings = total === 1 ? '1 finding' : `${total} findings`;
    return `${findings} in ${files.length === 1 ? '1 file' : `${files.length} files`}`;
}

/**
 * The status item's text and detail for the active document (`name`: the server's; `workspace`:
 * `workspaceFindings` of every file, shown in the detail beside the server when not empty).
 */
export function describe(
    status: DocumentStatus | undefined,
    name: string,
    server: string,
    workspace = '',
): StatusView {
    if (workspace !== '') {
        server = `${server} · workspace: ${workspace}`;
    }
    if (status === undefined) {
        return { text: name, detail: server, warning: false, opens: 'output' };
    }
    if (!status.analysed && status.message.startsWith('not analysed')) {
        // The buffer does not parse: say where, since the squiggles shown are the last ones.
        return {
            text: `${name}: not analysed`,
            detail: `${status.message} (showing the last findings)`,
            warning: true,
            opens: 'problems',
        };
    }
    if (status.analysed) {
        // "SQLAlchemy Lint: 3 findings", a click away from the Problems panel.
        const findings = !status.message.startsWith('no ');
        return { text: `${name}: ${status.message}`, detail: server, warning: false, opens: findings ? 'problems' : 'output' };
    }
    return { text: name, detail: `${status.message} · ${server}`, warning: false, opens: 'output' };
}
