// `npm run publish [-- --marketplace | --open-vsx] [--dry-run] [FILE.vsix ...]`: publish the
// packages `npm run package` built (default: every .vsix in the checkout's root) to the Visual
// Studio Marketplace (vsce, token in VSCE_PAT) and to Open VSX (ovsx, token in OVSX_PAT).
// Without a token it stops before publishing anything and says how to get one.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const OVSX = 'ovsx@1.4.0'; // pinned: run with npx, not a dependency of the build

const REGISTRIES = {
    marketplace: {
        name: 'the Visual Studio Marketplace',
        token: 'VSCE_PAT',
        howTo: 'create a Personal Access Token with the Marketplace (Manage) scope at https://dev.azure.com (see https://code.visualstudio.com/api/working-with-extensions/publishing-extension)',
        command: (file, token) => [process.execPath, [join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'publish', '--packagePath', file, '--pat', token]],
    },
    openVsx: {
        name: 'Open VSX',
        token: 'OVSX_PAT',
        howTo: 'create an access token at https://open-vsx.org/user-settings/tokens (see https://github.com/eclipse/openvsx/wiki/Publishing-Extensions)',
        command: (file, token) => ['npx', ['--yes', OVSX, 'publish', file, '--pat', token]],
    },
};

const args = process.argv.slice(2);
const dryRun = args.includes('--dry-run');
const chosen = [
    ...(args.includes('--marketplace') ? ['marketplace'] : []),
    ...(args.includes('--open-vsx') ? ['openVsx'] : []),
];
const registries = chosen.length > 0 ? chosen : Object.keys(REGISTRIES);
const named = args.filter((a) => !a.startsWith('--'));
const files = named.length > 0 ? named.map((f) => resolve(f)) : readdirSync(root).filter((f) => f.endsWith('.vsix')).map((f) => join(root, f));

const missingFiles = files.filter((f) => !existsSync(f));
if (files.length === 0 || missingFiles.length > 0) {
    console.error(
        files.length === 0
            ? '[publish] no .vsix to publish: build them first with `npm run package` (one per --target)'
            : `[publish] no such package: ${missingFiles.join(', ')}`,
    );
    process.exit(2);
}
const missingTokens = registries.filter((r) => !process.env[REGISTRIES[r].token]);
if (missingTokens.length > 0) {
    for (const r of missingTokens) {
        const registry = REGISTRIES[r];
        console.error(`[publish] ${registry.token} is not set, so nothing can be published to ${registry.name}: ${registry.howTo}, then run ${registry.token}=... npm run publish`);
    }
    process.exit(2);
}

for (const r of registries) {
    const registry = REGISTRIES[r];
    for (const file of files) {
        const [command, commandArgs] = registry.command(file, process.env[registry.token]);
        // The token is the argument after --pat: never printed.
        const shown = [command, ...commandArgs.map((a, i) => (commandArgs[i - 1] === '--pat' ? '***' : a))].join(' ');
        if (dryRun) {
            console.log(`[publish] would run: ${shown}`);
            continue;
        }
        console.log(`[publish] ${registry.name}: ${file}`);
        const result = spawnSync(command, commandArgs, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
        if (result.error || result.status !== 0) {
            console.error(`[publish] failed: ${shown}`);
            process.exit(1);
        }
    }
}
