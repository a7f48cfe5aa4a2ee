/**
 * hushcode for VS Code: starts `hushcode serve`, keeps its settings in step, and shows its status.
 * All completion logic is in the server; this file wires VS Code to it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DidChangeConfigurationNotification, type LanguageClient } from 'vscode-languageclient/node';
import { createClient } from './client';
import { findServer } from './discovery';
import { NextEditController } from './nextEdit';
import { checkSetup, chooseModel, settingTarget, showMenu } from './menu';
import { effectiveValue, enabledFor, ignoredSettings, initializationOptions, type Inspected, restrictedKeysIn } from './settings';
import { type ClientState, type ServerStatus, statusView } from './status';

const SCHEMES = ['file', 'untitled'];

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export class Hushcode implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('hushcode', { log: true });
  client: LanguageClient | undefined;
  command: string | undefined; // the server executable in use
  private readonly item = vscode.window.createStatusBarItem('hushcode.status', vscode.StatusBarAlignment.Right, 100);
  private status: ServerStatus | undefined;
  private state: ClientState = 'starting';
  private queue: Promise<void> = Promise.resolve();
  private warnedUntrusted = false;
  readonly nextEdit: NextEditController;
  // VS Code's own user folder (settings.json, keybindings.json): VS Code opens these as documents
  // whenever a setting is written, and they are no place for completions.
  private readonly userFolder: string;

  constructor(private readonly context: vscode.ExtensionContext) {
    this.userFolder = path.dirname(path.dirname(context.globalStorageUri.fsPath)) + path.sep;
    this.item.name = 'hushcode';
    this.item.command = 'hushcode.showMenu';
    this.render();
    this.item.show();
    this.nextEdit = new NextEditController(this);
  }

  get config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration('hushcode');
  }

  /** Every contributed `hushcode.*` setting, as the user set it at each level. */
  inspectAll(): Inspected[] {
    const properties = this.context.extension.packageJSON.contributes.configuration.properties as object;
    return Object.keys(properties).map((full) => {
      const key = full.slice('hushcode.'.length);
      return { ...this.config.inspect(key), key };
    });
  }

  /** A setting's value as allowed: an untrusted workspace's own value of a restricted setting is ignored. */
  allowed(key: string): unknown {
    const setting = this.inspectAll().find((s) => s.key === key);
    return setting ? effectiveValue(setting, vscode.workspace.isTrusted).value : undefined;
  }

  options(): unknown {
    return initializationOptions(this.inspectAll(), vscode.workspace.isTrusted);
  }

  enabled(): boolean {
    return this.config.get<boolean>('completion.enabled', true);
  }

  wants(document: vscode.TextDocument): boolean {
    return SCHEMES.includes(document.uri.scheme) && !document.uri.fsPath.startsWith(this.userFolder) &&
      enabledFor(this.config.get('enable'), document.languageId);
  }

  restart(): Promise<void> {
    this.queue = this.queue.then(() => this.stop()).then(() => this.start());
    return this.queue;
  }

  async stop(): Promise<void> {
    const client = this.client;
    if (!client) {
      return;
    }
    this.client = undefined;
    this.status = undefined;
    this.state = 'stopped';
    this.render();
    await client.dispose().catch((error) => this.channel.error(`stopping the server: ${error}`));
  }

  async start(): Promise<void> {
    const trusted = vscode.workspace.isTrusted;
    this.warnIfUntrusted(trusted);
    const configured = this.allowed('server.command');
    const found = findServer({
      command: typeof configured === 'string' ? configured : '',
      workspaceFolders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath),
      trusted,
      pathEnv: process.env.PATH ?? '',
      home: os.homedir(),
      platform: process.platform,
      isExecutable,
    });
    this.command = found.command;
    if (!found.command) {
      this.state = 'notFound';
      this.render();
      this.channel.error(`hushcode server not found; looked for: ${found.tried.join('; ')}`);
      void this.notFound(found.tried);
      return;
    }
    const extra = this.allowed('server.args');
    const args = [...(Array.isArray(extra) ? extra.map(String) : []), '--log-level', this.config.get<string>('server.logLevel', 'INFO')];
    this.channel.info(`starting ${found.command} serve ${args.join(' ')} (found: ${found.source})`);
    this.state = 'starting';
    this.render();
    const client = createClient(found.command, args, {
      channel: this.channel,
      options: () => this.options(),
      wants: (document) => this.wants(document),
      enabled: () => this.enabled(),
      crashed: (restarting) => this.crashed(restarting),
      inlineAnswered: (document, position, items) => this.nextEdit.inlineAnswered(document, position, items),
    });
    client.onNotification('hushcode/status', (status: ServerStatus) => {
      this.status = status;
      this.render();
    });
    // The server has a suggestion worth asking for where it had none (the model that a request found
    // loading is ready): ask again at the cursor when that document is in the active editor.
    client.onNotification('hushcode/askAgain', (params: { uri?: string }) => {
      const editor = vscode.window.activeTextEditor;
      if (editor && editor.document.uri.toString() === params.uri && this.enabled() && this.wants(editor.document)) {
        void vscode.commands.executeCommand('editor.action.inlineSuggest.trigger');
      }
    });
    this.client = client;
    try {
      await client.start();
      this.state = 'running';
      this.status = await client.sendRequest<ServerStatus>('hushcode/getStatus', { engineStats: false });
    } catch (error) {
      this.channel.error(`the server did not start: ${error}`);
      this.state = 'stopped';
      void vscode.window.showErrorMessage(`hushcode: the server did not start (${found.command}).`, 'Show Log')
        .then((pick) => pick && this.channel.show());
    }
    this.render();
  }

  private crashed(restarting: boolean): void {
    this.status = undefined;
    this.state = restarting ? 'starting' : 'stopped';
    this.render();
    const message = restarting
      ? 'hushcode: the server stopped unexpectedly and is being restarted.'
      : 'hushcode: the server stopped unexpectedly too often and is not restarted again.';
    const buttons = restarting ? ['Show Log'] : ['Restart Server', 'Show Log'];
    void vscode.window.showWarningMessage(message, ...buttons).then((pick) => {
      if (pick === 'Show Log') {
        this.channel.show();
      } else if (pick === 'Restart Server') {
        void this.restart();
      }
    });
    if (restarting) {
      // The client restarts the process itself; its state follows.
      const client = this.client;
      const sub = client?.onDidChangeState(async () => {
        if (client?.isRunning()) {
          sub?.dispose();
          this.state = 'running';
          this.status = await client.sendRequest<ServerStatus>('hushcode/getStatus', { engineStats: false });
          this.render();
        }
      });
    }
  }

  private async notFound(tried: string[]): Promise<void> {
    const pick = await vscode.window.showErrorMessage(
      'hushcode: the language server `hushcode` was not found. Install it (scripts/setup.sh in a hushcode ' +
        `checkout), or set hushcode.server.command. Looked for: ${tried.join('; ')}.`,
      'Open Install Guide', 'Open Settings');
    if (pick === 'Open Install Guide') {
      // vsce stores the README as readme.md.
      const readme = ['readme.md', 'README.md'].map((name) => path.join(this.context.extensionPath, name)).find(fs.existsSync);
      await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(readme ?? this.context.extensionPath));
    } else if (pick === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'hushcode.server');
    }
  }

  /** The restricted settings that this untrusted workspace sets (and that are therefore ignored). */
  private ignoredInWorkspace(): string[] {
    const files = (vscode.workspace.workspaceFolders ?? []).map((f) => path.join(f.uri.fsPath, '.vscode', 'settings.json'));
    const workspaceFile = vscode.workspace.workspaceFile;
    if (workspaceFile?.scheme === 'file') {
      files.push(workspaceFile.fsPath);
    }
    const found = files.flatMap((file) => {
      try {
        return restrictedKeysIn(fs.readFileSync(file, 'utf8'));
      } catch {
        return [];
      }
    });
    return [...new Set([...ignoredSettings(this.inspectAll(), false), ...found])];
  }

  private warnIfUntrusted(trusted: boolean): void {
    const ignored = trusted ? [] : this.ignoredInWorkspace();
    if (trusted || ignored.length === 0 || this.warnedUntrusted) {
      return;
    }
    this.warnedUntrusted = true;
    this.channel.warn(`untrusted workspace: ignoring its ${ignored.join(', ')}`);
    void vscode.window.showWarningMessage(
      `hushcode: this workspace is not trusted, so its settings ${ignored.join(', ')} are ignored ` +
        '(and no server in its virtual environment is started).', 'Manage Workspace Trust')
      .then((pick) => pick && vscode.commands.executeCommand('workbench.trust.manage'));
  }

  async configurationChanged(event: vscode.ConfigurationChangeEvent): Promise<void> {
    if (!event.affectsConfiguration('hushcode')) {
      return;
    }
    if (event.affectsConfiguration('hushcode.server') || event.affectsConfiguration('hushcode.enable')) {
      await this.restart(); // another command, or other documents to send
    } else if (this.client?.isRunning()) {
      const settings = { hushcode: this.options() };
      await this.client.sendNotification(DidChangeConfigurationNotification.type, { settings });
    }
    this.render();
  }

  async toggle(): Promise<void> {
    await this.config.update('completion.enabled', !this.enabled(), settingTarget(this.config, 'completion.enabled'));
  }

  render(): void {
    const view = statusView(this.status, this.state, this.enabled());
    this.item.text = view.text;
    this.item.tooltip = new vscode.MarkdownString(view.tooltip);
    this.item.backgroundColor = view.level === 'normal' ? undefined
      : new vscode.ThemeColor(view.level === 'error' ? 'statusBarItem.errorBackground' : 'statusBarItem.warningBackground');
  }

  dispose(): void {
    this.nextEdit.dispose();
    this.item.dispose();
    this.channel.dispose();
  }
}

let hushcode: Hushcode | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const h = (hushcode = new Hushcode(context));
  const command = (name: string, run: () => unknown) => vscode.commands.registerCommand(name, run);
  context.subscriptions.push(
    h,
    command('hushcode.toggle', () => h.toggle()),
    command('hushcode.chooseModel', () => chooseModel(h)),
    command('hushcode.showLog', () => h.channel.show()),
    command('hushcode.restartServer', () => h.restart()),
    command('hushcode.showMenu', () => showMenu(h)),
    command('hushcode.checkSetup', () => checkSetup(h)),
    command('hushcode.nextEdit', () => h.nextEdit.askNow()),
    command('hushcode.nextEdit.accept', () => h.nextEdit.accept()),
    command('hushcode.nextEdit.dismiss', () => h.nextEdit.dismiss()),
    command('hushcode.nextEdit.jump', () => h.nextEdit.jump()),
    vscode.workspace.onDidChangeConfiguration((event) => h.configurationChanged(event)),
    // a restart sends the new trust (trustedWorkspace) and may start a server from the workspace
    vscode.workspace.onDidGrantWorkspaceTrust(() => h.restart()),
  );
  void h.restart(); // activation does not wait for the server (it reports through the status bar)
}

export async function deactivate(): Promise<void> {
  await hushcode?.stop();
}
