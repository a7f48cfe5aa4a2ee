/**
 * Next-edit suggestions in the editor: when to ask the server (`hushcode/nextEdit`), how the answer
 * is shown (decorations: the removed text struck through, the new text beside it), and the commands
 * that accept it (Tab), dismiss it (Escape) and jump to one off screen (Alt+]).
 *
 * The decisions (is this change one to ask after, what to draw, does a cursor move clear it) are in
 * nextEditView.ts; this file is the VS Code side. One request at a time: a newer one cancels the older.
 */
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import {
  afterCursorMove,
  ASK_WINDOW_MS,
  asksAfter,
  type Drawing,
  drawingOf,
  type NextEdit,
  parseAnswer,
  retryDelay,
  type Span,
} from './nextEditView';

const METHOD = 'hushcode/nextEdit';
const DEBOUNCE_MS = 250; // a burst of keystrokes or cursor moves asks once, after it
/** Context keys for the keybindings' `when` clauses (package.json). */
const VISIBLE_KEY = 'hushcode.nextEditVisible'; // drawn beside the cursor: Tab accepts
const HINT_KEY = 'hushcode.nextEditHint'; // elsewhere, hinted at: Alt+] jumps there

export interface NextEditHost {
  readonly channel: vscode.LogOutputChannel;
  readonly client: LanguageClient | undefined;
  enabled(): boolean; // completions on at all (the server answers nothing otherwise)
  wants(document: vscode.TextDocument): boolean;
}

interface Shown {
  editor: vscode.TextEditor;
  version: number; // the document version the edits are for
  edits: NextEdit[];
  drawing: Drawing;
  cursorLine: number; // where the cursor was when it was drawn (a hint is drawn on that line)
}

function range(span: Span): vscode.Range {
  return new vscode.Range(span.start.line, span.start.character, span.end.line, span.end.character);
}

function visibleLines(editor: vscode.TextEditor): { start: number; end: number }[] {
  return editor.visibleRanges.map((r) => ({ start: r.start.line, end: r.end.line }));
}

function linesOf(document: vscode.TextDocument): string[] {
  return Array.from({ length: document.lineCount }, (_, n) => document.lineAt(n).text);
}

export class NextEditController implements vscode.Disposable {
  private readonly removed = vscode.window.createTextEditorDecorationType({
    textDecoration: 'line-through',
    backgroundColor: new vscode.ThemeColor('diffEditor.removedTextBackground'),
  });
  private readonly added = vscode.window.createTextEditorDecorationType({
    after: {
      color: new vscode.ThemeColor('editor.foreground'),
      backgroundColor: new vscode.ThemeColor('diffEditor.insertedTextBackground'),
      // An outline and italics: the suggestion must not read as text already in the file.
      border: '1px solid',
      borderColor: new vscode.ThemeColor('editorGutter.addedBackground'),
      fontStyle: 'italic',
    },
  });
  private readonly hint = vscode.window.createTextEditorDecorationType({
    after: { color: new vscode.ThemeColor('editorCodeLens.foreground'), fontStyle: 'italic', margin: '0 0 0 2em' },
  });
  private readonly hover = vscode.window.createTextEditorDecorationType({});
  private readonly subscriptions: vscode.Disposable[];
  private pending: { tokens: vscode.CancellationTokenSource; timer: NodeJS.Timeout | undefined } | undefined;
  private shown: Shown | undefined;
  private lastEdit: { document: vscode.TextDocument; at: number } | undefined; // the last change asked after
  private cursors = new WeakMap<vscode.TextEditor, { line: number; version: number }>(); // at the last selection event
  // The last inline suggestion the server answered with items, per document: a next edit is not shown
  // over it (inline completion comes first).
  private inline = new WeakMap<vscode.TextDocument, { version: number; position: vscode.Position }>();

  constructor(private readonly host: NextEditHost) {
    this.subscriptions = [
      vscode.workspace.onDidChangeTextDocument((event) => this.changed(event)),
      vscode.window.onDidChangeTextEditorSelection((event) => this.moved(event)),
      vscode.window.onDidChangeActiveTextEditor(() => {
        this.cancel();
        this.clear();
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('hushcode.nextEdit.enabled') && !this.automatic()) {
          this.cancel();
        }
      }),
    ];
  }

  /** `hushcode.nextEdit.enabled`: whether to ask by ourselves (an explicit ask is always answered). */
  private automatic(document?: vscode.TextDocument): boolean {
    return vscode.workspace.getConfiguration('hushcode', document).get<boolean>('nextEdit.enabled', false) === true;
  }

  /** Told by the client's middleware: VS Code got an inline suggestion for this document, here. */
  inlineAnswered(document: vscode.TextDocument, position: vscode.Position, items: number): void {
    if (items === 0) {
      this.inline.delete(document);
      return;
    }
    this.inline.set(document, { version: document.version, position });
    if (this.shown?.editor.document === document) {
      this.clear(); // the ghost text comes first
    }
  }

  private inlineShowing(editor: vscode.TextEditor): boolean {
    const last = this.inline.get(editor.document);
    return !!last && last.version === editor.document.version && last.position.isEqual(editor.selection.active);
  }

  private changed(event: vscode.TextDocumentChangeEvent): void {
    const document = event.document;
    if (this.shown?.editor.document === document && event.contentChanges.length > 0) {
      this.clear(); // the text under it changed: its ranges mean nothing now
    }
    const editor = vscode.window.activeTextEditor;
    if (!editor || editor.document !== document || event.contentChanges.length === 0) {
      return;
    }
    const undoOrRedo = event.reason !== undefined; // TextDocumentChangeReason.Undo or .Redo
    if (!asksAfter(event.contentChanges, (n) => (n < document.lineCount ? document.lineAt(n).text : ''), undoOrRedo)) {
      this.cancel(); // plain typing: inline completion's turn; an answer for the old text is moot
      return;
    }
    this.lastEdit = { document, at: Date.now() };
    if (this.automatic(document)) {
      this.schedule(editor, false);
    }
  }

  private moved(event: vscode.TextEditorSelectionChangeEvent): void {
    const editor = event.textEditor;
    const line = editor.selection.active.line;
    const version = editor.document.version;
    const last = this.cursors.get(editor);
    const lineChanged = last?.line !== line;
    const typed = last !== undefined && last.version !== version; // the cursor moved with an edit (Enter): no move of its own
    this.cursors.set(editor, { line, version });
    const shown = this.shown;
    if (shown && shown.editor === editor && shown.version === editor.document.version) {
      // The cursor is on screen (VS Code scrolls to it), so the distance decides, not the visible
      // ranges, which follow a scroll only later.
      const lines = linesOf(editor.document);
      const now = drawingOf(shown.edits, lines, line, [{ start: 0, end: lines.length }]);
      const verdict = afterCursorMove(shown.drawing.near, now.near, line !== shown.cursorLine);
      if (verdict === 'draw') {
        this.draw(editor, shown.version, shown.edits, true);
        return; // still near: no need to ask again
      } else if (verdict === 'keep') {
        return;
      }
      this.clear();
    }
    const recent = this.lastEdit && this.lastEdit.document === editor.document && Date.now() - this.lastEdit.at < ASK_WINDOW_MS;
    const byUser = event.kind === vscode.TextEditorSelectionChangeKind.Keyboard || event.kind === vscode.TextEditorSelectionChangeKind.Mouse;
    if (lineChanged && !typed && recent && byUser && this.automatic(editor.document)) {
      this.schedule(editor, false);
    }
  }

  /** Ask after `delay` ms (`DEBOUNCE_MS` by default), cancelling the request before (newest wins). */
  private schedule(editor: vscode.TextEditor, explicit: boolean, attempt = 0, delay = explicit ? 0 : DEBOUNCE_MS,
    at?: { position: vscode.Position; version: number }): void {
    this.cancel();
    const tokens = new vscode.CancellationTokenSource();
    const timer = setTimeout(() => {
      if (this.pending?.tokens === tokens) {
        this.pending.timer = undefined;
      }
      // A retry is for where the cursor was: a move or an edit since then makes it moot.
      const moved = at && (!editor.selection.active.isEqual(at.position) || editor.document.version !== at.version);
      if (!moved) {
        void this.ask(editor, explicit, tokens, attempt);
      }
    }, delay);
    this.pending = { tokens, timer };
  }

  private cancel(): void {
    if (this.pending) {
      clearTimeout(this.pending.timer);
      this.pending.tokens.cancel();
      this.pending.tokens.dispose();
      this.pending = undefined;
    }
  }

  private async ask(editor: vscode.TextEditor, explicit: boolean, tokens: vscode.CancellationTokenSource, attempt: number): Promise<void> {
    const client = this.host.client;
    const document = editor.document;
    if (!client?.isRunning() || !this.host.wants(document) || !this.host.enabled()) {
      if (explicit) {
        vscode.window.setStatusBarMessage('hushcode: no next edit (completions are off or the server is not running)', 4000);
      }
      return;
    }
    const version = document.version;
    const position = editor.selection.active;
    let answer: unknown;
    const started = Date.now();
    try {
      answer = await client.sendRequest(METHOD, { textDocument: { uri: document.uri.toString() }, position }, tokens.token);
    } catch (error) {
      if (!tokens.token.isCancellationRequested) {
        this.host.channel.warn(`next edit: the request failed: ${error}`);
      }
      return;
    } finally {
      if (this.pending?.tokens === tokens) {
        this.pending = undefined;
        tokens.dispose();
      }
    }
    const current = vscode.window.activeTextEditor;
    if (tokens.token.isCancellationRequested || current !== editor || document.version !== version) {
      return; // a newer request, another editor or a changed text: this answer is for the past
    }
    const edits = parseAnswer(answer, linesOf(document));
    const again = edits.length === 0 ? retryDelay(attempt, Date.now() - started) : undefined;
    if (again !== undefined && editor.selection.active.isEqual(position)) {
      this.host.channel.debug(`next edit: a quick empty answer (the engine busy?); asking again in ${again} ms`);
      this.schedule(editor, explicit, attempt + 1, again, { position, version });
      return;
    }
    if (edits.length === 0 || (!explicit && this.inlineShowing(editor))) {
      if (explicit) {
        vscode.window.setStatusBarMessage('hushcode: no next edit here', 3000);
      }
      return;
    }
    this.draw(editor, version, edits);
  }

  /** Draw `edits`; `onScreen`: take them as visible (the cursor is at them, VS Code scrolls there). */
  private draw(editor: vscode.TextEditor, version: number, edits: NextEdit[], onScreen = false): void {
    const cursorLine = editor.selection.active.line;
    const lines = linesOf(editor.document);
    const visible = onScreen ? [{ start: 0, end: lines.length }] : visibleLines(editor);
    const drawing = drawingOf(edits, lines, cursorLine, visible);
    this.clearDecorations();
    this.shown = { editor, version, edits, drawing, cursorLine };
    const hover = new vscode.MarkdownString(drawing.hover);
    if (drawing.near) {
      editor.setDecorations(this.removed, drawing.edits.flatMap((e) => (e.strike ? [{ range: range(e.strike), hoverMessage: hover }] : [])));
      editor.setDecorations(this.added, drawing.edits.filter((e) => e.label !== '').map((e) => ({
        range: range({ start: e.at, end: e.at }),
        // Spaces as no-break spaces: the label must keep its leading and repeated spaces on screen.
        renderOptions: { after: { contentText: e.label.replace(/ /g, '\u00a0') } },
      })));
      const span = new vscode.Range(drawing.firstLine, 0, drawing.lastLine, lines[drawing.lastLine].length);
      editor.setDecorations(this.hover, [{ range: span, hoverMessage: hover }]);
    } else {
      const end = lines[cursorLine].length;
      editor.setDecorations(this.hint, [{
        range: new vscode.Range(cursorLine, end, cursorLine, end),
        hoverMessage: hover,
        renderOptions: { after: { contentText: drawing.hint } },
      }]);
    }
    void vscode.commands.executeCommand('setContext', VISIBLE_KEY, drawing.near);
    void vscode.commands.executeCommand('setContext', HINT_KEY, !drawing.near);
  }

  private clearDecorations(): void {
    const editor = this.shown?.editor;
    for (const type of [this.removed, this.added, this.hint, this.hover]) {
      editor?.setDecorations(type, []);
    }
  }

  /** Take the shown edit off the screen (nothing pending is cancelled). */
  clear(): void {
    if (!this.shown) {
      return;
    }
    this.clearDecorations();
    this.shown = undefined;
    void vscode.commands.executeCommand('setContext', VISIBLE_KEY, false);
    void vscode.commands.executeCommand('setContext', HINT_KEY, false);
  }

  /** `hushcode.nextEdit`: ask now at the cursor, whatever `hushcode.nextEdit.enabled` says. */
  askNow(): void {
    const editor = vscode.window.activeTextEditor;
    if (editor) {
      this.clear();
      this.schedule(editor, true);
    }
  }

  /** `hushcode.nextEdit.accept` (Tab): apply the shown edits, and put the cursor after the last one. */
  async accept(): Promise<boolean> {
    const shown = this.shown;
    if (!shown || shown.editor.document.version !== shown.version) {
      this.clear();
      return false;
    }
    this.clear();
    const { editor, edits } = shown;
    // Where the last edit's new text will end, as an offset: the edits are sorted and apart, so each
    // one before it moves it by its own change in length.
    const document = editor.document;
    const length = (e: NextEdit) => document.offsetAt(range(e.range).end) - document.offsetAt(range(e.range).start);
    const last = edits[edits.length - 1];
    const end = document.offsetAt(range(last.range).start) + last.newText.length +
      edits.slice(0, -1).reduce((sum, e) => sum + e.newText.length - length(e), 0);
    const applied = await editor.edit((builder) => {
      for (const edit of edits) {
        builder.replace(range(edit.range), edit.newText);
      }
    });
    if (!applied) {
      this.host.channel.warn('next edit: VS Code did not apply the edit');
      return false;
    }
    const position = document.positionAt(end);
    editor.selection = new vscode.Selection(position, position);
    return true;
  }

  /** `hushcode.nextEdit.dismiss` (Escape): take it away, and ask no more until the next edit. */
  dismiss(): void {
    this.cancel();
    this.clear();
    this.lastEdit = undefined;
  }

  /** `hushcode.nextEdit.jump` (Alt+]): put the cursor at the hinted edit; then Tab accepts it. */
  jump(): void {
    const shown = this.shown;
    if (!shown) {
      return;
    }
    const start = range(shown.edits[0].range).start;
    shown.editor.selection = new vscode.Selection(start, start);
    shown.editor.revealRange(range({ start: shown.edits[0].range.start, end: shown.edits[shown.edits.length - 1].range.end }),
      vscode.TextEditorRevealType.InCenterIfOutsideViewport);
    this.draw(shown.editor, shown.version, shown.edits, true);
  }

  dispose(): void {
    this.cancel();
    this.clear();
    for (const d of [...this.subscriptions, this.removed, this.added, this.hint, this.hover]) {
      d.dispose();
    }
  }
}
