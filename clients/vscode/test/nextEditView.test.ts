import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  afterCursorMove,
  asksAfter,
  type Change,
  drawingOf,
  labelOf,
  MAX_LABEL,
  MAX_RETRIES,
  NEAR_LINES,
  type NextEdit,
  parseAnswer,
  QUICK_ANSWER_MS,
  retryDelay,
  textIn,
} from '../src/nextEditView';

const AREA = ['def area(width, h):', '    """The area of a w by h rectangle."""', '    return w * h', ''];

function change(line: number, character: number, rangeLength: number, text: string, endLine = line, endCharacter = character + rangeLength): Change {
  return { range: { start: { line, character }, end: { line: endLine, character: endCharacter } }, rangeLength, text };
}

function edit(line: number, character: number, endLine: number, endCharacter: number, newText: string): NextEdit {
  return { range: { start: { line, character }, end: { line: endLine, character: endCharacter } }, newText };
}

const lineOf = (lines: string[]) => (n: number) => lines[n] ?? '';

test('typing at the end of a line does not ask; typing inside a line does', () => {
  assert.equal(asksAfter([change(2, 16, 0, 'x')], lineOf(['', '', '    return w * hx'])), false);
  // `idth` typed after the `w` of `def area(w, h):` (the line already holds it)
  assert.equal(asksAfter([change(0, 13, 0, 'h')], lineOf(AREA)), true);
});

test('auto-closed brackets and quotes after the cursor still count as the end of the line', () => {
  assert.equal(asksAfter([change(0, 10, 0, 'x')], lineOf(['print(len(x))'])), false);
  assert.equal(asksAfter([change(0, 7, 0, 'a')], lineOf(['s = "aa";  '])), false);
});

test('Enter with indentation and Backspace at the end of a line are typing; a replacement, a deletion, a paste ask', () => {
  assert.equal(asksAfter([change(0, 19, 0, '\n    ')], lineOf(['def area(width, h):', '    '])), false);
  assert.equal(asksAfter([change(2, 15, 1, '')], lineOf(['', '', '    return w * '])), false);
  // `w` selected and typed over: a replacement
  assert.equal(asksAfter([change(0, 9, 1, 'width')], lineOf(AREA)), true);
  // a word deleted at the end of a line
  assert.equal(asksAfter([change(2, 10, 6, '')], lineOf(['', '', '    return'])), true);
  // a line deleted
  assert.equal(asksAfter([change(1, 0, 44, '', 2, 0)], lineOf(AREA)), true);
  // a multi-line paste at the end of a line
  assert.equal(asksAfter([change(3, 0, 0, 'x = 1\ny = 2')], lineOf([...AREA.slice(0, 3), 'x = 1', 'y = 2'])), true);
});

test('several changes at once ask; undo and redo never do; no change never does', () => {
  assert.equal(asksAfter([change(0, 9, 1, 'width'), change(2, 11, 1, 'width')], lineOf(AREA)), true);
  assert.equal(asksAfter([change(0, 9, 1, 'width')], lineOf(AREA), true), false);
  assert.equal(asksAfter([], lineOf(AREA)), false);
});

test("an answer's edits are checked against the document and sorted", () => {
  const answer = { edits: [edit(2, 12, 2, 12, 'idth'), edit(1, 25, 1, 25, 'idth')] };
  assert.deepEqual(parseAnswer(answer, AREA), [edit(1, 25, 1, 25, 'idth'), edit(2, 12, 2, 12, 'idth')]);
  assert.deepEqual(parseAnswer({ edits: [] }, AREA), []);
});

test('a malformed answer, or one that does not fit the document, is no edit at all', () => {
  for (const answer of [
    null,
    'edits',
    {},
    { edits: 'x' },
    { edits: [{ range: { start: { line: 2, character: 11 } }, newText: 'x' }] },
    { edits: [{ range: { start: { line: 2, character: 11 }, end: { line: 2, character: 12 } } }] },
    { edits: [edit(9, 0, 9, 0, 'x')] }, // past the last line
    { edits: [edit(2, 40, 2, 40, 'x')] }, // past the line's end
    { edits: [edit(2, 12, 2, 11, 'x')] }, // end before start
    { edits: [edit(2, -1, 2, 0, 'x')] },
    { edits: [edit(2, 4, 2, 12, 'x'), edit(2, 11, 2, 14, 'y')] }, // overlapping
  ]) {
    assert.deepEqual(parseAnswer(answer, AREA), [], JSON.stringify(answer));
  }
});

test('an edit that changes nothing is dropped', () => {
  assert.deepEqual(parseAnswer({ edits: [edit(2, 11, 2, 12, 'w')] }, AREA), []);
});

test('textIn reads one line or several', () => {
  assert.equal(textIn(AREA, edit(2, 11, 2, 12, '').range), 'w');
  assert.equal(textIn(AREA, edit(1, 39, 2, 10, '').range), '""\n    return');
});

test('an insertion near the cursor: nothing struck, the new text drawn at its place', () => {
  const drawing = drawingOf([edit(2, 12, 2, 12, 'idth')], AREA, 0, [{ start: 0, end: 40 }]);
  assert.equal(drawing.near, true);
  assert.deepEqual(drawing.edits, [{ at: { line: 2, character: 12 }, label: 'idth' }]);
  assert.match(drawing.hover, /Writes:\n\n```\nidth\n```/);
  assert.doesNotMatch(drawing.hover, /Removes/);
});

test('a replacement: the old text struck through, the new text drawn after it', () => {
  const drawing = drawingOf([edit(2, 11, 2, 12, 'width')], AREA, 2, [{ start: 0, end: 40 }]);
  assert.deepEqual(drawing.edits, [{ strike: edit(2, 11, 2, 12, '').range, at: { line: 2, character: 12 }, label: 'width' }]);
  assert.match(drawing.hover, /Removes:\n\n```\nw\n```\n\nWrites:\n\n```\nwidth\n```/);
  assert.match(drawing.hover, /at line 3/);
});

test('a deletion is struck through with nothing beside it', () => {
  const drawing = drawingOf([edit(1, 0, 2, 0, '')], AREA, 1, [{ start: 0, end: 40 }]);
  assert.deepEqual(drawing.edits, [{ strike: edit(1, 0, 2, 0, '').range, at: { line: 2, character: 0 }, label: '' }]);
  assert.equal(drawing.firstLine, 1);
  assert.equal(drawing.lastLine, 2);
});

test('a multi-line new text is drawn on one line with ↵, a long one cut with …; the hover has it all', () => {
  assert.equal(labelOf('a\n  b\r\nc'), 'a↵  b↵c');
  const long = 'x'.repeat(MAX_LABEL + 10);
  assert.equal(labelOf(long).length, MAX_LABEL);
  assert.ok(labelOf(long).endsWith('…'));
  const drawing = drawingOf([edit(2, 16, 2, 16, `\n${long}`)], AREA, 2, [{ start: 0, end: 40 }]);
  assert.ok(drawing.hover.includes(long));
});

test('a new text with backticks keeps its code block whole', () => {
  const drawing = drawingOf([edit(2, 16, 2, 16, '  # ```x```')], AREA, 2, [{ start: 0, end: 40 }]);
  assert.match(drawing.hover, /````\n {2}# ```x```\n````/);
});

test(`an edit more than ${NEAR_LINES} lines away, or off screen, is only hinted at, with the key to go there`, () => {
  const lines = Array.from({ length: 100 }, (_, n) => `line ${n}`);
  const far = drawingOf([edit(50, 0, 50, 4, 'LINE')], lines, 40, [{ start: 30, end: 70 }]);
  assert.equal(far.near, false);
  assert.equal(far.hint, '↓ next edit at line 51 (Alt+])');
  const offScreen = drawingOf([edit(50, 0, 50, 4, 'LINE')], lines, 48, [{ start: 0, end: 49 }]);
  assert.equal(offScreen.near, false);
  const above = drawingOf([edit(3, 0, 3, 4, 'LINE')], lines, 48, [{ start: 0, end: 99 }], 'Ctrl+9');
  assert.equal(above.hint, '↑ next edit at line 4 (Ctrl+9)');
  const close = drawingOf([edit(50, 0, 50, 4, 'LINE')], lines, 50 - NEAR_LINES, [{ start: 30, end: 70 }]);
  assert.equal(close.near, true);
});

test('edits spread over more lines than the cursor reaches are hinted at as one', () => {
  const lines = Array.from({ length: 30 }, (_, n) => `line ${n}`);
  const drawing = drawingOf([edit(2, 0, 2, 1, 'L'), edit(20, 0, 20, 1, 'L')], lines, 2, [{ start: 0, end: 29 }]);
  assert.equal(drawing.near, false);
  assert.equal(drawing.firstLine, 2);
  assert.equal(drawing.lastLine, 20);
});

test('a cursor move keeps a near edit, redraws one it reaches, clears one it leaves', () => {
  assert.equal(afterCursorMove(true, true, true), 'draw');
  assert.equal(afterCursorMove(false, true, true), 'draw'); // jumped to it
  assert.equal(afterCursorMove(true, false, true), 'clear'); // left it
  assert.equal(afterCursorMove(false, false, false), 'keep'); // a hint, cursor still on its line
  assert.equal(afterCursorMove(false, false, true), 'clear');
});

test('a quick empty answer (the engine was busy) is asked again, for about a minute; a slow one is not', () => {
  assert.deepEqual([0, 1, 2, 3, 19].map((attempt) => retryDelay(attempt, 5)), [1000, 2000, 3000, 3000, 3000]);
  assert.equal(retryDelay(MAX_RETRIES, 5), undefined);
  assert.equal(retryDelay(0, QUICK_ANSWER_MS), undefined);
  assert.equal(retryDelay(0, 2500), undefined);
});
