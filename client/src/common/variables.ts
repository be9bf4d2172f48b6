// Expansion of the variables VS Code users write in path settings.

export interface VariableContext {
    /** The folder the setting applies to. */
    readonly workspaceFolder?: string;
    readonly workspaceFolders: readonly { readonly name: string; readonly path: string }[];
    readonly userHome?: string;
    readonly env: NodeJS.ProcessEnv;
}

/**
 * Expand `${workspaceFolder}`, `${workspaceFolder:name}`, `${userHome}`, `${env:NAME}` and a
 * leading `~`. Unknown variables are left as written, so the error names what the user typed.
 */
export function resolveVariables(value: string, context: VariableContext): string {
    let result = value.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
        if (name === 'workspaceFolder') {
            return context.workspaceFolder ?? whole;
        }
        if (name.startsWith('workspaceFolder:')) {
            const folderName = name.slice('workspaceFolder:'.length);
            return context.workspaceFolders.find((f) => f.name === folderName)?.path ?? whole;
        }
        if (name === 'userHome') {
            return context.userHome ?? whole;
        }
        if (name.startsWith('env:')) {
            return context.env[name.slice('env:'.length)] ?? '';
        }
        return whole;
    });
    if (context.userHome && (result === '~' || result.startsWith('~/') || result.startsWith('~\\'))) {
        result = context.userHome + result.slice(1);
    }
    return result;
}
