/**
 * Next-edit suggestions (`hushcode/nextEdit`), the decisions without VS Code: whether a document
 * change is one to ask after, what a server answer is, and what to draw for it.
 *
 * Pure: no `vscode` import, so the unit tests run in plain Node. Positions are LSP's (0-based line,
 * UTF-16 character), which are also VS Code's.
 */

export interface Pos {
  line: number;
  character: number;
}

export interface Span {
  start: Pos;
  end: Pos;
}

/** One edit of a `hushcode/nextEdit` answer: replace `range` with `newText`. */
export interface NextEdit {
  range: Span;
  newText: string;
}

/** One change of a `TextDocumentChangeEvent`, as VS Code reports it (the range is in the old text). */
export interface Change {
  range: Span;
  rangeLength: number;
  text: string;
}

/** An empty answer faster than this cost the server no generation: the engine was busy, or there was nothing to learn from. */
export const QUICK_ANSWER_MS = 200;
/** How many times such an answer is asked again: after 1 s, 2 s, then every 3 s, about a minute in all (a
 * completion on a busy 2-core CPU has held the engine for 36 s). */
export const MAX_RETRIES = 20;

/**
 * When to ask again after an empty answer, in ms, or undefined not to. The server runs next edits as
 * background work that never waits for the engine: while a completion (or its speculative follow-up,
 * or a new document's warm-up) has the engine, it answers at once with no edits. An answer that took
 * a generation is the model's verdict and is not asked again; a quick one is, for a while (each costs
 * the server almost nothing unless the engine has become free). Any edit or cursor move cancels it.
 */
export function retryDelay(attempt: number, answerMs: number): number | undefined {
  return answerMs < QUICK_ANSWER_MS && attempt < MAX_RETRIES ? Math.min(1000 * (attempt + 1), 3000) : undefined;
}

/** How close (in lines) an edit must be to the cursor to be drawn beside it rather than hinted at. */
export const NEAR_LINES = 5;
/** The longest new text drawn beside the edit; the hover has all of it. */
export const MAX_LABEL = 60;
/** Seconds after an edit during which moving the cursor to another line asks again. */
export const ASK_WINDOW_MS = 10_000;

// What may follow the cursor on a line where the user is still just typing: whitespace and the closers
// that VS Code inserts by itself (`(` types `()`, `"` types `""`).
const LINE_END = /^[\s)\]}>"'`;,]*$/;

/**
 * Whether a document change is one to ask for a next edit after: a replacement, a deletion, a paste,
 * an edit inside a line, several changes at once (multi-cursor, a refactoring). Not after plain typing
 * at the end of a line (inline completion's case): one change that inserts text without a line break
 * (or only a line break and indentation: Enter) or deletes one character (Backspace), where nothing
 * but whitespace and auto-closed brackets/quotes follows on the line. Undo and redo never ask.
 *
 * `lineText(n)` is line `n` of the document after the change.
 */
export function asksAfter(changes: readonly Change[], lineText: (line: number) => string, undoOrRedo = false): boolean {
  if (changes.length === 0 || undoOrRedo) {
    return false;
  }
  if (changes.length > 1) {
    return true;
  }
  const [change] = changes;
  const typed = change.rangeLength === 0 && (!/[\r\n]/.test(change.text) || change.text.trim() === '');
  const backspace = change.rangeLength === 1 && change.text === '' && change.range.start.line === change.range.end.line;
  if (!typed && !backspace) {
    return true;
  }
  const lines = change.text.split(/\r\n|\r|\n/);
  const endLine = change.range.start.line + lines.length - 1;
  const endCharacter = (lines.length === 1 ? change.range.start.character : 0) + lines[lines.length - 1].length;
  return !LINE_END.test(lineText(endLine).slice(endCharacter));
}

function isPos(value: unknown): value is Pos {
  const p = value as Pos;
  return typeof p === 'object' && p !== null && Number.isInteger(p.line) && Number.isInteger(p.character) &&
    p.line >= 0 && p.character >= 0;
}

function before(a: Pos, b: Pos): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

/**
 * The edits of a `hushcode/nextEdit` answer that fit `lines` (the document the request was made
 * on), sorted; `[]` for no edits, and also for a malformed answer or one that does not fit the
 * document (overlapping edits, a position past a line's end), so nothing wrong is ever drawn or applied.
 */
export function parseAnswer(answer: unknown, lines: readonly string[]): NextEdit[] {
  const raw = (answer as { edits?: unknown } | null)?.edits;
  if (!Array.isArray(raw)) {
    return [];
  }
  const edits: NextEdit[] = [];
  for (const item of raw) {
    const { range, newText } = (item ?? {}) as Partial<NextEdit>;
    if (typeof newText !== 'string' || !range || !isPos(range.start) || !isPos(range.end) || before(range.end, range.start)) {
      return [];
    }
    for (const p of [range.start, range.end]) {
      if (p.line >= lines.length || p.character > lines[p.line].length) {
        return [];
      }
    }
    edits.push({ range: { start: { ...range.start }, end: { ...range.end } }, newText });
  }
  edits.sort((a, b) => (before(a.range.start, b.range.start) ? -1 : before(b.range.start, a.range.start) ? 1 : 0));
  for (let i = 1; i < edits.length; i++) {
    if (before(edits[i].range.start, edits[i - 1].range.end)) {
      return [];
    }
  }
  // An edit that changes nothing is no suggestion.
  return edits.filter((e) => e.newText !== textIn(lines, e.range));
}

/** The text of `lines` within `range`. */
export function textIn(lines: readonly string[], range: Span): string {
  if (range.start.line === range.end.line) {
    return lines[range.start.line].slice(range.start.character, range.end.character);
  }
  return [
    lines[range.start.line].slice(range.start.character),
    ...lines.slice(range.start.line + 1, range.end.line),
    lines[range.end.line].slice(0, range.end.character),
  ].join('\n');
}

/** One edit as drawn. */
export interface EditDrawing {
  strike?: Span; // the text removed, struck through; absent for a pure insertion
  at: Pos; // where the new text is drawn (the end of the removed text)
  label: string; // the new text as drawn: line breaks as ↵, cut at MAX_LABEL with …; '' for a pure deletion
}

/** What to draw for an answer. */
export interface Drawing {
  edits: EditDrawing[];
  firstLine: number; // the lines the edits span
  lastLine: number;
  near: boolean; // drawn beside the text (Tab accepts); otherwise only a hint at the cursor
  hint: string; // the hint's text, when not near
  hover: string; // Markdown: the whole new text, for the hover
}

/** The new text as one short line: line breaks shown as ↵, cut with … past `max` characters. */
export function labelOf(text: string, max = MAX_LABEL): string {
  const flat = text.replace(/\r\n|\r|\n/g, '↵');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A Markdown code block that holds `text` whatever backticks it contains. */
function codeBlock(text: string): string {
  const fence = '`'.repeat(Math.max(3, ...(text.match(/`+/g) ?? []).map((run) => run.length + 1)));
  return `${fence}\n${text}\n${fence}`;
}

/**
 * What to draw for `edits` (from `parseAnswer`, not empty) with the cursor on `cursorLine` and
 * `visible` the line ranges on screen. Near: every edit within `NEAR_LINES` of the cursor and on
 * screen; otherwise the edits are not drawn, and the hint says where they are and which key goes there.
 */
export function drawingOf(edits: readonly NextEdit[], lines: readonly string[], cursorLine: number,
  visible: readonly { start: number; end: number }[], jumpKey = 'Alt+]'): Drawing {
  const firstLine = edits[0].range.start.line;
  const lastLine = Math.max(...edits.map((e) => e.range.end.line));
  const onScreen = visible.some((v) => v.start <= firstLine && lastLine <= v.end);
  const near = onScreen && Math.max(Math.abs(firstLine - cursorLine), Math.abs(lastLine - cursorLine)) <= NEAR_LINES;
  const drawn = edits.map((e): EditDrawing => {
    const removes = before(e.range.start, e.range.end);
    return { ...(removes ? { strike: e.range } : {}), at: e.range.end, label: labelOf(e.newText) };
  });
  const removed = edits.map((e) => textIn(lines, e.range)).filter((t) => t !== '');
  const added = edits.map((e) => e.newText).filter((t) => t !== '');
  const hover = [
    `**hushcode: next edit** at line ${firstLine + 1} (Tab accepts, Escape dismisses)`,
    ...(removed.length ? ['Removes:', codeBlock(removed.join('\n'))] : []),
    ...(added.length ? ['Writes:', codeBlock(added.join('\n'))] : []),
  ].join('\n\n');
  const where = firstLine < cursorLine ? '↑' : '↓';
  return { edits: drawn, firstLine, lastLine, near, hint: `${where} next edit at line ${firstLine + 1} (${jumpKey})`, hover };
}

/**
 * What becomes of a shown edit when the cursor moves, given its drawing before and after the move:
 * drawn again while it is near the cursor (a jump lands there); a hint stays while the cursor stays on
 * its line; otherwise the cursor left, and it is cleared.
 */
export function afterCursorMove(wasNear: boolean, nowNear: boolean, lineChanged: boolean): 'draw' | 'keep' | 'clear' {
  if (nowNear) {
    return 'draw';
  }
  return !wasNear && !lineChanged ? 'keep' : 'clear';
}
