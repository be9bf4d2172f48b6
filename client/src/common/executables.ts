// Finding a program on PATH without a shell, the way the OS would run it.

import * as fs from 'fs';
import * as path from 'path';

function isExecutableFile(candidate: string, platform: NodeJS.Platform): boolean {
    try {
        if (!fs.statSync(candidate).isFile()) {
            return false;
        }
        if (platform !== 'win32') {
            fs.accessSync(candidate, fs.constants.X_OK);
        }
        return true;
    } catch {
        return false;
    }
}

/**
 * The absolute path of the first of `names` found on PATH, or undefined.
 *
 * Relative PATH entries (`.`, empty) are skipped: they would resolve against whatever folder
 * VS Code was started in, which may be an untrusted workspace.
 */
export function findOnPath(
    names: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
    platform: NodeJS.Platform = process.platform,
): string | undefined {
    const pathValue = env.PATH ?? env.Path ?? '';
    const delimiter = platform === 'win32' ? ';' : ':';
    const directories = pathValue.split(delimiter).filter((entry) => entry.length > 0 && path.isAbsolute(entry));
    const extensions =
        platform === 'win32' ? (env.PATHEXT ?? '.EXE;.CMD;.BAT;.COM').split(';').filter((e) => e.length > 0) : [''];
    for (const name of names) {
        for (const directory of directories) {
            for (const extension of extensions) {
                const candidate = path.join(directory, name + extension);
                if (isExecutableFile(candidate, platform)) {
                    return candidate;
                }
            }
        }
    }
    return undefined;
}

/** Whether `command` names a file by path (as opposed to a bare program name). */
export function looksLikePath(command: string): boolean {
    return command.includes('/') || command.includes('\\') || path.isAbsolute(command);
}
