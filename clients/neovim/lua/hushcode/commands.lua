--- :Hushcode status | toggle | model [PATH] | log
local M = {}

local function say(message, level)
  vim.notify('hushcode: ' .. message, level or vim.log.levels.INFO)
end

local function client_or_say()
  local client = require('hushcode.status').client(0)
  if not client then
    say('no hushcode server is running (open a file of a configured filetype)', vim.log.levels.WARN)
  end
  return client
end

--- One line per figure of a status.
---@param status hushcode.Status
---@param client vim.lsp.Client
---@return string[]
function M.describe(status, client)
  local info = client.server_info or {}
  local lines = {
    ('state: %s%s'):format(status.state, status.message and (' (' .. status.message .. ')') or ''),
    ('model: %s (template %s)'):format(status.model or '-', status.template or '-'),
    ('engine: %s%s'):format(status.engineKind or 'local', status.engineUrl and (' at ' .. status.engineUrl) or ''),
    ('server: %s %s, pid %s'):format(info.name or 'hushcode', info.version or '?', status.pid or '?'),
    ('completions: %s, %s answered of %s requests'):format(
      require('hushcode.status').enabled and 'on' or 'off', status.answered or 0, status.requests or 0),
  }
  if status.lastLatencyMs then
    lines[#lines + 1] = ('last: %d ms, %s prompt tokens reused, %s evaluated, %s generated'):format(
      status.lastLatencyMs, status.reusedTokens or 0, status.evaluatedTokens or 0,
      status.generatedTokens or 0)
  end
  return lines
end

local subcommands = {}

function subcommands.status()
  local client = client_or_say()
  if not client then
    return
  end
  require('hushcode.status').refresh(client, function(status, err)
    if err or not status then
      say('hushcode/getStatus failed: ' .. vim.inspect(err), vim.log.levels.ERROR)
      return
    end
    say(table.concat(M.describe(status, client), '\n'))
  end)
end

function subcommands.toggle()
  local on = require('hushcode').toggle()
  say('completions ' .. (on and 'on' or 'off'))
end

--- Without an argument: the model in use. With a path: restart the server with that GGUF.
function subcommands.model(path)
  if path and path ~= '' then
    local file = vim.fs.normalize(vim.fn.fnamemodify(path, ':p'))
    if vim.fn.filereadable(file) == 0 then
      say('no such file: ' .. file, vim.log.levels.ERROR)
      return
    end
    vim.lsp.config('hushcode', { init_options = { model = { path = file } } })
    local old = vim.lsp.get_clients({ name = 'hushcode' })
    for _, client in ipairs(old) do
      client:stop()
    end
    say('restarting with ' .. file)
    -- Start again in the open buffers once the old servers have gone.
    vim.wait(5000, function()
      return vim.iter(old):all(function(c)
        return c:is_stopped()
      end)
    end, 50)
    vim.lsp.enable('hushcode')
    return
  end
  local status = require('hushcode').status()
  if not status then
    client_or_say()
    return
  end
  say(('%s (template %s, %s)'):format(status.model or '-', status.template or '-', status.state))
end

function subcommands.log()
  local client = require('hushcode.status').client(0)
  local cmd = client and client.config.cmd or vim.lsp.config.hushcode and vim.lsp.config.hushcode.cmd
  local file = require('hushcode.server').log_file_of(cmd) or vim.lsp.log.get_filename()
  vim.cmd.split(vim.fn.fnameescape(file))
  vim.cmd('normal! G')
end

function M.create()
  vim.api.nvim_create_user_command('Hushcode', function(args)
    local name, rest = args.args:match('^(%S*)%s*(.-)%s*$')
    local run = subcommands[name ~= '' and name or 'status']
    if not run then
      say('unknown subcommand ' .. name .. ' (status, toggle, model, log)', vim.log.levels.ERROR)
      return
    end
    run(rest)
  end, {
    nargs = '*',
    desc = 'hushcode: status | toggle | model [PATH] | log',
    complete = function(lead, line)
      if line:match('^%S+%s+model%s') then
        return vim.fn.getcompletion(lead, 'file')
      end
      return vim.tbl_filter(function(name)
        return vim.startswith(name, lead)
      end, vim.tbl_keys(subcommands))
    end,
  })
end

return M
