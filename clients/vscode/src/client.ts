/**
 * The language client: `hushcode serve` over stdio, its log in the output channel, and what the
 * extension adds between VS Code and the server (middleware).
 *
 * Inline completions come from vscode-languageclient's own InlineCompletionItemFeature, which it
 * registers when the server advertises `inlineCompletionProvider`.
 */
import * as readline from 'node:readline';
import * as vscode from 'vscode';
import {
  CloseAction,
  ErrorAction,
  LanguageClient,
  type LanguageClientOptions,
  RevealOutputChannelOn,
  type ServerOptions,
} from 'vscode-languageclient/node';
import { logLine } from './status';

/** What the client needs from the rest of the extension. */
export interface ClientHost {
  channel: vscode.LogOutputChannel;
  options(): unknown; // the server's settings (initializationOptions shape)
  wants(document: vscode.TextDocument): boolean; // is this document's language enabled
  enabled(): boolean; // completions on at all
  crashed(restarting: boolean): void;
  inlineAnswered(document: vscode.TextDocument, position: vscode.Position, items: number): void; // for next edits
}

const CRASH_WINDOW_MS = 3 * 60 * 1000;
const MAX_RESTARTS = 4;

export function createClient(command: string, args: string[], host: ClientHost): LanguageClient {
  // No `transport`: with TransportKind.stdio the client would append `--stdio`, which `serve` does not take.
  const server: ServerOptions = { command, args: ['serve', ...args] };
  const crashes: number[] = [];
  const pipe = (input: NodeJS.ReadableStream) =>
    readline.createInterface({ input, crlfDelay: Infinity, terminal: false }).on('line', (line) => {
      const { level, text } = logLine(line);
      host.channel[level](text);
    });
  const options: LanguageClientOptions = {
    documentSelector: [{ scheme: 'file' }, { scheme: 'untitled' }],
    outputChannel: host.channel,
    stdioOptions: { stdout: pipe, stderr: pipe },
    initializationOptions: () => host.options(),
    // The extension says what went wrong, once, with a "Show Log" button; no retry of a server that
    // cannot even initialize (a bad command, a broken install).
    initializationFailedHandler: (error) => {
      host.channel.error(`initialize failed: ${error}`);
      return false;
    },
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    errorHandler: {
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => {
        const now = Date.now();
        crashes.push(now);
        while (crashes.length && now - crashes[0] > CRASH_WINDOW_MS) {
          crashes.shift();
        }
        const restarting = crashes.length <= MAX_RESTARTS;
        host.crashed(restarting);
        return { action: restarting ? CloseAction.Restart : CloseAction.DoNotRestart, handled: true };
      },
    },
    middleware: {
      // Documents of a disabled language are never sent to the server (it would warm its cache on them).
      didOpen: (document, next) => (host.wants(document) ? next(document) : Promise.resolve()),
      didChange: (event, next) => (host.wants(event.document) ? next(event) : Promise.resolve()),
      didClose: (document, next) => (host.wants(document) ? next(document) : Promise.resolve()),
      provideInlineCompletionItems: async (document, position, context, token, next) => {
        if (!host.enabled() || !host.wants(document)) {
          return null;
        }
        const result = await next(document, position, context, token);
        // A next edit is not shown over ghost text: the next-edit controller needs to know of it.
        host.inlineAnswered(document, position, Array.isArray(result) ? result.length : (result?.items.length ?? 0));
        return result;
      },
      // VS Code shows the suggestion as ghost text; the server's completion-menu fallback (for editors
      // without inline completion) would only repeat it.
      provideCompletionItem: () => null,
      workspace: {
        // A server that pulls its settings gets the same mapped options that are pushed.
        configuration: (params) => params.items.map((item) => (item.section === 'hushcode' ? host.options() : null)),
      },
    },
  };
  return new LanguageClient('hushcode', 'hushcode', server, options);
}
