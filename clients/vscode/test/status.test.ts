import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logLine, type ServerStatus, statusView } from '../src/status';

const ready: ServerStatus = {
  state: 'ready', model: 'Qwen2.5 Coder 0.5B Instruct AWQ', modelPath: '/m/q.gguf', template: 'qwen',
  lastLatencyMs: 240.4, reusedTokens: 120, evaluatedTokens: 12, generatedTokens: 9, requests: 5, answered: 4,
};

test('ready: the model name and the last latency; figures in the tooltip', () => {
  const view = statusView(ready, 'running', true);
  assert.equal(view.text, '$(sparkle) Qwen2.5 Coder 0.5B Instruct AWQ 240 ms');
  assert.equal(view.level, 'normal');
  assert.match(view.tooltip, /Last completion: 240 ms \(prompt tokens: 120 reused, 12 evaluated, 9 generated\)/);
  assert.match(view.tooltip, /FIM template: qwen/);
  assert.match(view.tooltip, /Requests: 5, answered: 4/);
});

test('the median time to a suggestion and what was held back for low confidence', () => {
  const view = statusView({ ...ready, latencyP50Ms: 812.6, withheld: 2, lastWithheld: 'low confidence (45% per token, under 60%)' },
    'running', true);
  assert.match(view.tooltip, /Median time to a suggestion: 813 ms/);
  assert.match(view.tooltip, /Held back for low confidence: 2 \(last: low confidence \(45% per token, under 60%\)\)/);
  assert.doesNotMatch(statusView(ready, 'running', true).tooltip, /Held back|Median/);
});

test('the states', () => {
  assert.equal(statusView({ state: 'loading', modelPath: '/m/tiny.gguf' }, 'running', true).text, '$(loading~spin) loading tiny.gguf');
  assert.equal(statusView({ state: 'restarting' }, 'running', true).text, '$(loading~spin) hushcode: restarting');
  const error = statusView({ state: 'error', message: 'not a GGUF file' }, 'running', true);
  assert.equal(error.level, 'error');
  assert.match(error.tooltip, /not a GGUF file/);
  assert.equal(statusView(ready, 'running', false).text, '$(circle-slash) hushcode: off');
  assert.equal(statusView(undefined, 'notFound', true).level, 'warning');
  assert.equal(statusView(undefined, 'starting', true).text, '$(loading~spin) hushcode');
  assert.equal(statusView({ ...ready, lastLatencyMs: null }, 'running', true).text, '$(sparkle) Qwen2.5 Coder 0.5B Instruct AWQ');
});

test('server log lines keep their level and lose their timestamp', () => {
  assert.deepEqual(logLine('2026-01-02 03:04:05,678 WARNING hushcode.x: careful'), { level: 'warn', text: 'hushcode.x: careful' });
  assert.deepEqual(logLine('2026-01-02 03:04:05,678 ERROR hushcode.x: bad'), { level: 'error', text: 'hushcode.x: bad' });
  assert.deepEqual(logLine('2026-01-02 03:04:05,678 INFO hushcode.x: ok'), { level: 'info', text: 'hushcode.x: ok' });
  assert.deepEqual(logLine('2026-01-02 03:04:05,678 DEBUG hushcode.x: d'), { level: 'info', text: 'DEBUG hushcode.x: d' });
  assert.deepEqual(logLine('llama_model_loader: loaded'), { level: 'info', text: 'llama_model_loader: loaded' });
});

test('a shared server: its URL in the status bar; unreachable is a warning', () => {
  const remote: ServerStatus = { ...ready, engineKind: 'openai', engineUrl: 'http://gpu-box:8080' };
  assert.match(statusView(remote, 'running', true).text, /@ http:\/\/gpu-box:8080/);
  const down = statusView({ ...remote, state: 'unreachable' }, 'running', true);
  assert.equal(down.level, 'warning');
  assert.match(down.text, /unreachable/);
});
