/**
 * From VS Code settings (`hushcode.*`) to what the server reads: the `initializationOptions` and the
 * `workspace/didChangeConfiguration` payload, which have the same shape:
 * `{"model": {"path": ...}, "completion": {"maxTokens": 64, ...}}`.
 *
 * Pure: no `vscode` import, so the unit tests run in plain Node.
 */

/** One setting as `WorkspaceConfiguration.inspect()` reports it; `key` is relative to `hushcode.`. */
export interface Inspected {
  key: string;
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

/** Settings that choose a file to load or a program to run: a workspace may not set them unless trusted. */
export const RESTRICTED = ['model.path', 'server.command', 'server.args'];

/** The setting sections the server reads; every other `hushcode.*` setting is the extension's own. */
const SERVER_SECTIONS = ['model', 'completion'];

export interface Effective {
  value: unknown; // undefined: not set by the user (the default applies)
  ignored: boolean; // a workspace value was dropped because the workspace is not trusted
}

/** The value the user chose, honouring workspace trust for the restricted settings. */
export function effectiveValue(setting: Inspected, trusted: boolean): Effective {
  const fromWorkspace = setting.workspaceFolderValue ?? setting.workspaceValue;
  if (fromWorkspace !== undefined && !trusted && RESTRICTED.includes(setting.key)) {
    return { value: setting.globalValue, ignored: true };
  }
  return { value: fromWorkspace ?? setting.globalValue, ignored: false };
}

export type ServerOptions = Record<string, Record<string, unknown>>;

/**
 * The server's options from the settings the user set: only explicit values go, so the server's own
 * defaults stay the defaults. An empty string means "not set".
 */
export function serverOptions(settings: Inspected[], trusted: boolean): ServerOptions {
  const options: ServerOptions = {};
  for (const setting of settings) {
    const [section, name, ...rest] = setting.key.split('.');
    if (!SERVER_SECTIONS.includes(section) || name === undefined || rest.length > 0) {
      continue;
    }
    const { value } = effectiveValue(setting, trusted);
    if (value === undefined || value === null || value === '') {
      continue;
    }
    (options[section] ??= {})[name] = value;
  }
  return options;
}

/**
 * What the server gets: the options plus `trustedWorkspace`, VS Code's workspace trust. The server
 * needs it for the project files it reads itself (`.hushcode.toml`): an untrusted workspace's file
 * may not choose a model outside the user's model folders or a remote engine.
 */
export function initializationOptions(settings: Inspected[], trusted: boolean): Record<string, unknown> {
  return { ...serverOptions(settings, trusted), trustedWorkspace: trusted };
}

/** Settings an untrusted workspace tried to set, for the message that says they are ignored. */
export function ignoredSettings(settings: Inspected[], trusted: boolean): string[] {
  return settings.filter((s) => effectiveValue(s, trusted).ignored).map((s) => `hushcode.${s.key}`);
}

/**
 * The restricted settings that a workspace settings file (JSON with comments) sets. In Restricted
 * Mode VS Code hides a workspace's values of restricted settings even from `inspect()`, so the
 * extension reads the file itself to say what it ignores.
 */
export function restrictedKeysIn(text: string): string[] {
  const code = text.replace(/^\s*\/\/.*$/gm, ''); // whole-line comments
  return RESTRICTED.map((key) => `hushcode.${key}`).filter((key) => code.includes(`"${key}"`));
}

/**
 * Whether completions are on for a language: `hushcode.enable` maps language ids to booleans, with
 * `"*"` for every language it does not name.
 */
export function enabledFor(enable: unknown, languageId: string): boolean {
  if (typeof enable !== 'object' || enable === null) {
    return true;
  }
  const map = enable as Record<string, unknown>;
  const value = languageId in map ? map[languageId] : map['*'];
  return value !== false;
}
