import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DiscoveryInput, findServer } from '../src/discovery';

function input(executables: string[], overrides: Partial<DiscoveryInput> = {}): DiscoveryInput {
  return {
    command: '',
    workspaceFolders: ['/ws/a', '/ws/b'],
    trusted: true,
    pathEnv: '/usr/local/bin:/usr/bin',
    home: '/home/me',
    platform: 'linux',
    isExecutable: (file) => executables.includes(file),
    ...overrides,
  };
}

const everywhere = ['/opt/hushcode/bin/hushcode', '/ws/a/.venv/bin/hushcode', '/usr/bin/hushcode'];

test('the setting comes first', () => {
  const found = findServer(input(everywhere, { command: '/opt/hushcode/bin/hushcode' }));
  assert.equal(found.command, '/opt/hushcode/bin/hushcode');
  assert.equal(found.source, 'setting');
});

test("then the workspace's virtual environment", () => {
  const found = findServer(input(everywhere));
  assert.equal(found.command, '/ws/a/.venv/bin/hushcode');
  assert.equal(found.source, 'workspace');
});

test('venv and later workspace folders count too', () => {
  assert.equal(findServer(input(['/ws/b/venv/bin/hushcode', '/usr/bin/hushcode'])).command, '/ws/b/venv/bin/hushcode');
});

test('then PATH, in its order', () => {
  const found = findServer(input(['/usr/bin/hushcode', '/usr/local/bin/hushcode']));
  assert.equal(found.command, '/usr/local/bin/hushcode');
  assert.equal(found.source, 'path');
});

test("an untrusted workspace's virtual environment is not used", () => {
  const found = findServer(input(everywhere, { trusted: false }));
  assert.equal(found.command, '/usr/bin/hushcode');
  assert.ok(!found.tried.some((t) => t.startsWith('/ws/')));
});

test('a configured command that is missing is reported, not replaced by another', () => {
  const found = findServer(input(everywhere, { command: '/nowhere/hushcode' }));
  assert.equal(found.command, undefined);
  assert.deepEqual(found.tried, ['/nowhere/hushcode (hushcode.server.command)']);
});

test('~, ${workspaceFolder} and relative paths in the setting', () => {
  const files = ['/home/me/bin/hushcode', '/ws/a/tools/hushcode'];
  assert.equal(findServer(input(files, { command: '~/bin/hushcode' })).command, '/home/me/bin/hushcode');
  assert.equal(findServer(input(files, { command: '${workspaceFolder}/tools/hushcode' })).command, '/ws/a/tools/hushcode');
  assert.equal(findServer(input(files, { command: 'tools/hushcode' })).command, '/ws/a/tools/hushcode');
});

test('a bare name in the setting is looked up on PATH', () => {
  const found = findServer(input(['/usr/bin/hushcode-dev'], { command: 'hushcode-dev' }));
  assert.equal(found.command, '/usr/bin/hushcode-dev');
  assert.equal(found.source, 'setting');
});

test('nothing found lists every place looked at, in order', () => {
  const found = findServer(input([]));
  assert.equal(found.command, undefined);
  assert.deepEqual(found.tried, [
    '/ws/a/.venv/bin/hushcode', '/ws/a/venv/bin/hushcode', '/ws/b/.venv/bin/hushcode', '/ws/b/venv/bin/hushcode',
    'hushcode on PATH',
  ]);
});

test('Windows: Scripts\\hushcode.exe, PATH with ; and .exe', () => {
  const win = { platform: 'win32' as const, pathEnv: 'C:\\nothing;C:\\tools', workspaceFolders: ['C:\\ws'] };
  assert.equal(findServer(input(['C:\\tools\\hushcode.exe'], win)).command, 'C:\\tools\\hushcode.exe');
  assert.equal(findServer(input(['C:\\ws\\.venv\\Scripts\\hushcode.exe'], win)).command, 'C:\\ws\\.venv\\Scripts\\hushcode.exe');
});
