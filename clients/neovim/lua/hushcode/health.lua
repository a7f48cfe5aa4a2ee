--- :checkhealth hushcode: Neovim version and inline support, the server, the running servers, and
--- `hushcode doctor` (the llama.cpp build, the model, the engine, a real completion, the network guard).
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

local function check_next_edit()
  if require('hushcode.next_edit_trigger').enabled() then
    health.ok('next edits: on (asked for after an edit that is not plain typing at the end of a line)')
  else
    health.info("next edits: off (`require('hushcode').setup({ next_edit = { enabled = true } })` turns "
      .. 'them on; `:Hushcode next-edit` asks once)')
  end
end

local DOCTOR_TIMEOUT_MS = 180000 -- it starts an engine and completes once: seconds, more on a loaded machine

--- Each line of `hushcode doctor --json`, as ok, warning or error, with its fix as advice.
local function check_doctor()
  local config = vim.lsp.config.hushcode
  local cmd = config and config.cmd
  if type(cmd) ~= 'table' or not cmd[1] or vim.fn.exepath(cmd[1]) == '' then
    health.info('not run: no server to run it with (see above)')
    return
  end
  local env = vim.deepcopy(config.cmd_env or {})
  local model = require('hushcode').options.model
  if model then
    env.HUSHCODE_MODEL = vim.fs.normalize(model) -- the model the plugin sends the server
  end
  local client = vim.lsp.get_clients({ name = 'hushcode' })[1]
  local folder = client and client.root_dir or vim.fn.getcwd() -- whose project settings apply
  local argv = require('hushcode.server').doctor_cmd(cmd)
  health.info(('%s (in %s)'):format(table.concat(argv, ' '), folder))
  local ok, result = pcall(function()
    return vim.system(argv, { text = true, env = env, cwd = folder }):wait(DOCTOR_TIMEOUT_MS)
  end)
  if not ok then
    health.error('`hushcode doctor` could not run: ' .. tostring(result))
    return
  end
  local decoded, checks = pcall(vim.json.decode, result.stdout or '', { luanil = { object = true } })
  if not decoded or type(checks) ~= 'table' then
    local why = result.code == 124 and ('it did not finish within %d s'):format(DOCTOR_TIMEOUT_MS / 1000)
      or ('exit %d: %s'):format(result.code, vim.trim(result.stderr or ''))
    health.error('`hushcode doctor --json` gave no report (' .. why .. ')',
      { 'A server older than `hushcode doctor`: update the checkout and run scripts/setup.sh' })
    return
  end
  for _, item in ipairs(checks) do
    local message = ('%s: %s'):format(item.check, item.detail)
    local advice = item.fix and { item.fix } or nil
    if item.status == 'ok' then
      health.ok(message)
    elseif item.status == 'warn' then
      health.warn(message, advice)
    elseif item.status == 'fail' then
      health.error(message, advice)
    elseif item.status == 'skip' then
      health.info(('%s: skipped (%s)'):format(item.check, item.detail))
    else
      health.info(message)
    end
  end
end

function M.check()
  health.start('hushcode: Neovim')
  check_neovim()
  health.start('hushcode: server')
  check_server()
  health.start('hushcode: running servers')
  check_clients()
  check_next_edit()
  health.start('hushcode: doctor (the whole chain)')
  check_doctor()
end

return M
