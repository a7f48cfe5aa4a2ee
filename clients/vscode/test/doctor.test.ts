import assert from 'node:assert/strict';
import { test } from 'node:test';
import { doctorVerdict, parseDoctor } from '../src/doctor';

const check = (name: string, status: string, detail: string, fix: string | null = null) =>
  ({ check: name, status, detail, fix });

test('every check is a line, its fix beside it, and the verdict counts them', () => {
  const verdict = doctorVerdict([
    check('python', 'ok', 'Python 3.11.7'),
    check('model', 'fail', 'not installed', 'hushcode models pull'),
    check('network guard', 'warn', 'off for the server', 'remove HUSHCODE_AUDIT_NETWORK'),
  ]);
  assert.deepEqual(verdict.lines, [
    'ok    python         Python 3.11.7',
    'FAIL  model          not installed  [fix: hushcode models pull]',
    'warn  network guard  off for the server  [fix: remove HUSHCODE_AUDIT_NETWORK]',
  ]);
  assert.equal(verdict.failed, 1);
  assert.equal(verdict.summary, 'problems found (1 ok, 1 warn, 1 FAIL)');
});

test('no failure: everything needed works, warnings counted', () => {
  const verdict = doctorVerdict([check('engine', 'ok', 'ready'), check('neovim', 'info', 'not found')]);
  assert.equal(verdict.failed, 0);
  assert.equal(verdict.summary, 'everything needed works (1 ok)');
});

test('output that is not the JSON list of checks is refused', () => {
  assert.equal(parseDoctor('Traceback (most recent call last):'), undefined);
  assert.equal(parseDoctor('{"check": "x"}'), undefined);
  assert.deepEqual(parseDoctor('[{"check": "x", "status": "ok", "detail": "d", "fix": null}]'),
    [check('x', 'ok', 'd')]);
});
