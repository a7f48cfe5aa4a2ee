/**
 * Finding the `hushcode` executable, in this order:
 *   1. the `hushcode.server.command` setting;
 *   2. `hushcode` in a workspace folder's virtual environment (`.venv`, then `venv`), trusted workspaces only;
 *   3. `hushcode` on PATH.
 *
 * Pure: the file system is reached through `isExecutable`, so the unit tests run in plain Node.
 */
import * as path from 'node:path';

export interface DiscoveryInput {
  command: string; // the hushcode.server.command setting ('' when not set)
  workspaceFolders: string[];
  trusted: boolean;
  pathEnv: string;
  home: string;
  platform: NodeJS.Platform;
  isExecutable: (file: string) => boolean;
}

export interface Discovery {
  command?: string;
  source?: 'setting' | 'workspace' | 'path';
  tried: string[]; // every place looked at, in order, for the "not found" message
}

/** The platform's own path rules (so Windows paths are tested on Linux too). */
function paths(input: DiscoveryInput): path.PlatformPath {
  return input.platform === 'win32' ? path.win32 : path.posix;
}

function expand(command: string, input: DiscoveryInput): string {
  let result = command.replace(/\$\{workspaceFolder\}/g, input.workspaceFolders[0] ?? '');
  if (result === '~' || result.startsWith('~/')) {
    result = input.home + result.slice(1);
  }
  return result;
}

function onPath(name: string, input: DiscoveryInput, tried: string[]): string | undefined {
  const separator = input.platform === 'win32' ? ';' : ':';
  const names = input.platform === 'win32' ? [`${name}.exe`, `${name}.cmd`, name] : [name];
  tried.push(`${name} on PATH`);
  for (const dir of input.pathEnv.split(separator).filter(Boolean)) {
    for (const candidate of names) {
      const file = paths(input).join(dir, candidate);
      if (input.isExecutable(file)) {
        return file;
      }
    }
  }
  return undefined;
}

function inVirtualEnvironment(folder: string, input: DiscoveryInput): string[] {
  return ['.venv', 'venv'].map((venv) =>
    input.platform === 'win32'
      ? path.win32.join(folder, venv, 'Scripts', 'hushcode.exe')
      : path.posix.join(folder, venv, 'bin', 'hushcode'),
  );
}

export function findServer(input: DiscoveryInput): Discovery {
  const tried: string[] = [];
  const configured = input.command.trim();
  if (configured) {
    const command = expand(configured, input);
    // A bare name is looked up on PATH; a relative path is relative to the first workspace folder.
    if (!command.includes('/') && !command.includes('\\')) {
      const found = onPath(command, input, tried);
      return found ? { command: found, source: 'setting', tried } : { tried };
    }
    const p = paths(input);
    const file = p.isAbsolute(command) ? command : p.resolve(input.workspaceFolders[0] ?? input.home, command);
    tried.push(`${file} (hushcode.server.command)`);
    // The user chose this one: do not silently start another.
    return input.isExecutable(file) ? { command: file, source: 'setting', tried } : { tried };
  }
  if (input.trusted) {
    for (const folder of input.workspaceFolders) {
      for (const file of inVirtualEnvironment(folder, input)) {
        tried.push(file);
        if (input.isExecutable(file)) {
          return { command: file, source: 'workspace', tried };
        }
      }
    }
  }
  const found = onPath('hushcode', input, tried);
  return found ? { command: found, source: 'path', tried } : { tried };
}
