/**
 * The status bar item's quick menu, and "Choose Model…": the server's catalog and the GGUFs it found on
 * this machine (`hushcode/listModels`, grouped by models.ts), plus a file picker for any GGUF.
 */
import { execFile } from 'node:child_process';
import * as vscode from 'vscode';
import { doctorVerdict, parseDoctor } from './doctor';
import type { Hushcode } from './extension';
import { type ListedModel, modelGroups, NO_FIM } from './models';

/** Where to write a setting so that it takes effect: the level that sets it now, else the user's. */
export function settingTarget(config: vscode.WorkspaceConfiguration, key: string): vscode.ConfigurationTarget {
  const inspected = config.inspect(key);
  if (inspected?.workspaceFolderValue !== undefined || inspected?.workspaceValue !== undefined) {
    if (vscode.workspace.isTrusted || key !== 'model.path') {
      return vscode.ConfigurationTarget.Workspace;
    }
  }
  return vscode.ConfigurationTarget.Global;
}

export async function showMenu(h: Hushcode): Promise<void> {
  const items: (vscode.QuickPickItem & { command: string })[] = [
    h.enabled()
      ? { label: '$(circle-slash) Turn completions off', command: 'hushcode.toggle' }
      : { label: '$(check) Turn completions on', command: 'hushcode.toggle' },
    { label: '$(file-binary) Choose model…', command: 'hushcode.chooseModel' },
    { label: '$(output) Show log', command: 'hushcode.showLog' },
    { label: '$(pulse) Check setup (hushcode doctor)', command: 'hushcode.checkSetup' },
    { label: '$(debug-restart) Restart server', command: 'hushcode.restartServer' },
    { label: '$(gear) Settings', command: 'hushcode.openSettings' },
  ];
  const pick = await vscode.window.showQuickPick(items, { title: 'hushcode' });
  if (pick?.command === 'hushcode.openSettings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:hushcode.hushcode');
  } else if (pick) {
    await vscode.commands.executeCommand(pick.command);
  }
}

async function catalog(h: Hushcode): Promise<{ models: ListedModel[]; current: string | null }> {
  if (!h.client?.isRunning()) {
    return { models: [], current: null };
  }
  try {
    return await h.client.sendRequest('hushcode/listModels', {});
  } catch (error) {
    h.channel.warn(`hushcode/listModels failed: ${error}`);
    return { models: [], current: null };
  }
}

export async function chooseModel(h: Hushcode): Promise<void> {
  const { models, current } = await catalog(h);
  type Item = vscode.QuickPickItem & { path?: string; pull?: string; browse?: boolean; unusable?: boolean };
  const separator = (label: string): Item => ({ label, kind: vscode.QuickPickItemKind.Separator });
  const items: Item[] = [{ label: '$(folder-opened) Browse for a GGUF file…', browse: true }];
  if (current && !models.some((m) => m.path === current)) {
    items.push({ label: `$(check) ${current.split(/[\\/]/).pop()}`, description: 'in use', detail: current, path: current });
  }
  for (const group of modelGroups(models, current)) {
    items.push(separator(group.title), ...group.choices);
  }
  const pick = await vscode.window.showQuickPick(items, { title: 'hushcode: choose a model', matchOnDetail: true });
  if (!pick) {
    return;
  }
  let file = pick.path;
  if (pick.unusable) {
    void vscode.window.showWarningMessage(`hushcode: ${pick.label} has ${NO_FIM}. Choose a code model with FIM tokens.`);
    return;
  }
  if (pick.browse) {
    const chosen = await vscode.window.showOpenDialog({
      canSelectMany: false, openLabel: 'Use this model', title: 'hushcode: a GGUF model file',
      filters: { 'GGUF model': ['gguf'], 'All files': ['*'] },
    });
    file = chosen?.[0]?.fsPath;
  } else if (pick.pull) {
    // Downloading is the user's explicit step: show it in a terminal they can watch and stop.
    const terminal = vscode.window.createTerminal('hushcode models pull');
    terminal.show();
    terminal.sendText(`"${h.command ?? 'hushcode'}" models pull ${pick.pull}`);
    void vscode.window.showInformationMessage(
      'hushcode: when the download has finished, choose the model again.');
    return;
  }
  if (file) {
    // The settings change reaches the server as didChangeConfiguration, and it reloads the model.
    await h.config.update('model.path', file, settingTarget(h.config, 'model.path'));
  }
}

/** "hushcode: Check Setup": `hushcode doctor` with the server command in use, in the first workspace
 * folder (whose project settings the server reads), with the model this extension gives the server. */
export async function checkSetup(h: Hushcode): Promise<void> {
  const command = h.command;
  if (!command) {
    void vscode.window.showErrorMessage('hushcode: no server command was found, so there is nothing to check.');
    return;
  }
  const model = h.allowed('model.path');
  const env = { ...process.env, ...(typeof model === 'string' && model ? { HUSHCODE_MODEL: model } : {}) };
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  const ran = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'hushcode: checking the setup (a real completion)…' },
    () => new Promise<{ stdout: string; stderr: string; error: Error | null }>((resolve) => {
      execFile(command, ['doctor', '--json', '--no-editors'], { cwd, env, timeout: 300_000, maxBuffer: 1 << 20 },
        (error, stdout, stderr) => resolve({ stdout, stderr, error }));
    }));
  const checks = parseDoctor(ran.stdout);
  if (!checks) {
    h.channel.error(`hushcode doctor did not report (${ran.error?.message ?? 'no output'}): ${ran.stderr.slice(-2000)}`);
    void vscode.window.showErrorMessage('hushcode: the setup check did not run; see the log.', 'Show Log')
      .then((pick) => pick && h.channel.show());
    return;
  }
  const verdict = doctorVerdict(checks);
  h.channel.info(`hushcode doctor (${command}):`);
  for (const line of verdict.lines) {
    h.channel.info(line);
  }
  h.channel.info(`hushcode doctor: ${verdict.summary}`);
  const show = verdict.failed ? vscode.window.showErrorMessage : vscode.window.showInformationMessage;
  void show(`hushcode doctor: ${verdict.summary}`, 'Show Log').then((pick) => pick && h.channel.show());
}
