import assert from 'node:assert/strict';
import { test } from 'node:test';
import { enabledFor, ignoredSettings, initializationOptions, type Inspected, restrictedKeysIn, serverOptions } from '../src/settings';

test('only the values the user set go to the server, nested by section', () => {
  const settings: Inspected[] = [
    { key: 'enable', globalValue: { '*': true } },
    { key: 'model.path', globalValue: '/models/a.gguf' },
    { key: 'model.threads' },
    { key: 'completion.maxTokens', globalValue: 32, workspaceValue: 64 },
    { key: 'completion.debounceMs', workspaceFolderValue: 0 },
    { key: 'completion.enabled', globalValue: false },
    { key: 'server.command', globalValue: '/bin/hushcode' },
    { key: 'server.logLevel', globalValue: 'DEBUG' },
    { key: 'trace.server', globalValue: 'verbose' },
  ];
  assert.deepEqual(serverOptions(settings, true), {
    model: { path: '/models/a.gguf' },
    completion: { maxTokens: 64, debounceMs: 0, enabled: false },
  });
});

test('nothing set: empty options, so the server keeps its defaults', () => {
  assert.deepEqual(serverOptions([{ key: 'model.path', globalValue: '' }, { key: 'completion.maxTokens' }], true), {});
});

test("an untrusted workspace cannot choose the model file; the user's own choice stays", () => {
  const settings: Inspected[] = [
    { key: 'model.path', globalValue: '/mine.gguf', workspaceValue: '/theirs.gguf' },
    { key: 'completion.maxTokens', workspaceValue: 16 },
    { key: 'server.command', workspaceValue: './evil' },
  ];
  assert.deepEqual(serverOptions(settings, false), { model: { path: '/mine.gguf' }, completion: { maxTokens: 16 } });
  assert.deepEqual(ignoredSettings(settings, false), ['hushcode.model.path', 'hushcode.server.command']);
  assert.deepEqual(ignoredSettings(settings, true), []);
  assert.deepEqual(serverOptions(settings, true), { model: { path: '/theirs.gguf' }, completion: { maxTokens: 16 } });
});

test("the server is told the workspace's trust, for the project files it reads", () => {
  const settings: Inspected[] = [{ key: 'completion.maxTokens', workspaceValue: 16 }];
  assert.deepEqual(initializationOptions(settings, false), { completion: { maxTokens: 16 }, trustedWorkspace: false });
  assert.deepEqual(initializationOptions([], true), { trustedWorkspace: true });
});

test('enable per language, with "*" for the rest', () => {
  const enable = { '*': true, plaintext: false };
  assert.equal(enabledFor(enable, 'python'), true);
  assert.equal(enabledFor(enable, 'plaintext'), false);
  assert.equal(enabledFor({ '*': false, python: true }, 'python'), true);
  assert.equal(enabledFor({ '*': false, python: true }, 'go'), false);
  assert.equal(enabledFor({}, 'go'), true);
  assert.equal(enabledFor(undefined, 'go'), true);
});

test('the restricted settings a workspace settings file sets, comments aside', () => {
  const text = `{
    // "hushcode.server.command": "./old",
    "hushcode.model.path": "./models/x.gguf",
    "hushcode.completion.maxTokens": 8,
    "hushcode.server.args": ["--log-file", "x"]
  }`;
  assert.deepEqual(restrictedKeysIn(text), ['hushcode.model.path', 'hushcode.server.args']);
  assert.deepEqual(restrictedKeysIn('{}'), []);
});
