import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ListedModel, modelGroups, NO_FIM } from '../src/models';

const catalog = (id: string, installed: boolean, extra: Partial<ListedModel> = {}): ListedModel => ({
  id, name: id, source: 'catalog', path: `/cache/${id}.gguf`, installed, default: false, fim: 'qwen', usable: true,
  license: 'Apache-2.0', params: '0.5B', variant: 'instruct', quant: 'Q4_K_M', ...extra,
});
const found = (name: string, source: string, fim: string | null, extra: Partial<ListedModel> = {}): ListedModel => ({
  id: `${source}:${name}`, name, source, path: `/found/${name}`, installed: true, default: false, fim,
  usable: fim !== null, license: 'unknown', quant: 'Q8_0', ...extra,
});

test('catalog files, the models found on the machine, downloads, then the unusable ones', () => {
  const groups = modelGroups([
    catalog('a', true, { default: true }), catalog('b', false),
    found('qwen2.5-coder:1.5b', 'ollama', 'qwen', { license: 'apache-2.0' }), found('chat.gguf', 'lmstudio', null),
  ], '/found/qwen2.5-coder:1.5b');
  assert.deepEqual(groups.map((g) => g.title),
    ['installed', 'found on this machine', 'not installed', 'found, without FIM tokens (cannot be used)']);
  const [installed, machine, missing, unusable] = groups.map((g) => g.choices);
  assert.equal(installed[0].path, '/cache/a.gguf');
  assert.equal(installed[0].description, '0.5B · instruct · Q4_K_M · qwen FIM · Apache-2.0 · default');
  assert.equal(machine[0].label, '$(check) qwen2.5-coder:1.5b');  // the one in use
  assert.equal(machine[0].description, 'Ollama · Q8_0 · qwen FIM · apache-2.0');
  assert.equal(machine[0].path, '/found/qwen2.5-coder:1.5b');
  assert.equal(missing[0].pull, 'b');
  assert.equal(missing[0].path, undefined);
  assert.equal(unusable[0].unusable, true);
  assert.equal(unusable[0].path, undefined);  // never set as the model
  assert.equal(unusable[0].pull, undefined);
  assert.ok(unusable[0].detail.startsWith(NO_FIM));
  assert.equal(unusable[0].description, 'LM Studio · Q8_0');  // "unknown" licence left out
});

test('an older server (catalog only, no source or FIM fields) still gives the two catalog groups', () => {
  const old = [{ id: 'a', name: 'A', path: '/a', installed: true, default: true },
    { id: 'b', name: 'B', path: '/b', installed: false, default: false }];
  assert.deepEqual(modelGroups(old, null).map((g) => [g.title, g.choices.map((c) => c.label)]),
    [['installed', ['A']], ['not installed', ['B']]]);
});
