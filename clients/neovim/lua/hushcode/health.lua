--- :checkhealth hushcode: Neovim version and inline support, the server, the model.
local M = {}
local health = vim.health

local function check_neovim()
  local version = tostring(vim.version())
  if vim.lsp.inline_completion then
    health.ok(('Neovim %s: inline completion (ghost text) supported'):format(version))
  else
    health.warn(('Neovim %s has no inline completion: completion fallback, suggestions come as an '
      .. 'item of the completion menu (textDocument/completion)'):format(version),
      { 'Neovim 0.12 shows suggestions as ghost text.' })
  end
end

local function check_server()
  local config = vim.lsp.config.hushcode
  local cmd = config and config.cmd
  if type(cmd) ~= 'table' or not cmd[1] then
    health.error('no command for the hushcode server', { "require('hushcode').setup({ cmd = { ... } })" })
    return
  end
  local exe = vim.fn.exepath(cmd[1])
  if exe == '' then
    health.error(('server not found: %s'):format(cmd[1]), {
      'Run scripts/setup.sh in the hushcode checkout (it makes .venv/bin/hushcode),',
      'or put `hushcode` on $PATH,',
      "or name it: require('hushcode').setup({ cmd = { '/path/to/hushcode', 'serve' } })",
    })
    return
  end
  local ok, result = pcall(function()
    return vim.system(require('hushcode.server').version_cmd(cmd), { text = true }):wait(20000)
  end)
  if ok and result.code == 0 then
    health.ok(('server found: %s (%s)'):format(exe, vim.trim(result.stdout)))
  else
    health.error(('server found: %s, but `--version` failed: %s'):format(exe,
      ok and vim.trim(result.stderr or '') or tostring(result)))
  end
  health.info('command: ' .. table.concat(cmd, ' '))
  if not vim.lsp.is_enabled('hushcode') then
    health.warn('the hushcode config is not enabled',
      { "require('hushcode').setup() or vim.lsp.enable('hushcode')" })
  end
end

local function check_clients()
  local clients = vim.lsp.get_clients({ name = 'hushcode' })
  if #clients == 0 then
    health.info('no hushcode server is running (it starts with the first file of a configured filetype)')
    return
  end
  local status_of = require('hushcode.status')
  for _, client in ipairs(clients) do
    local info = client.server_info or {}
    health.ok(('server running: %s %s (client %d, positions %s)'):format(
      info.name or 'hushcode', info.version or '?', client.id, client.offset_encoding))
    local status = status_of.by_client[client.id]
    if not status then
      health.warn('no status from the server yet')
    elseif status.state == 'ready' then
      health.ok(('model loaded: %s (template %s)'):format(status.model or '?', status.template or '?'))
    elseif status.state == 'loading' or status.state == 'restarting' then
      health.info(('model %s: %s'):format(status.state, status.model or '(being read)'))
    else
      health.error(('model %s: %s'):format(status.state, status.message or 'no message'),
        { 'See :Hushcode log', 'hushcode models pull fetches the default model' })
    end
    local inline = client:supports_method('textDocument/inlineCompletion')
    if vim.lsp.inline_completion and inline then
      health.ok('inline completion: the server offers it, and Neovim shows it as ghost text')
    elseif inline then
      health.info('inline completion: the server offers it; this Neovim uses the completion fallback')
    else
      health.warn('inline completion: the server does not offer it')
    end
  end
  if not status_of.enabled then
    health.warn('completions are off (:Hushcode toggle)')
  end
end

function M.check()
  health.start('hushcode: Neovim')
  check_neovim()
  health.start('hushcode: server')
  check_server()
  health.start('hushcode: running servers')
  check_clients()
end

return M
