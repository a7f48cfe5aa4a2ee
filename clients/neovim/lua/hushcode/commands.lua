--- :Hushcode status | toggle | model [PATH] | models | log | next-edit [jump|accept|dismiss]
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

local SOURCES = { hushcode = 'hushcode cache', ollama = 'Ollama', lmstudio = 'LM Studio',
  huggingface = 'Hugging Face cache' }

local function given(value)
  return value ~= nil and value ~= vim.NIL and value ~= ''
end

--- The entries of `:Hushcode models` from the server's hushcode/listModels: the installed models
--- hushcode can complete with (catalog files and GGUFs found on this machine, with their source),
--- and notes on the rest: catalog files to download, models without fill-in-the-middle tokens.
---@param models table[] listModels' models
---@param current string|nil the model in use
---@return { label: string, path: string }[] choices
---@return string[] notes
function M.model_choices(models, current)
  local choices, missing, no_fim = {}, {}, {}
  for _, m in ipairs(models or {}) do
    local source = given(m.source) and m.source or 'catalog'
    if m.usable == false then
      no_fim[#no_fim + 1] = m.name
    elseif not m.installed then
      missing[#missing + 1] = m.id
    else
      local facts = { source == 'catalog' and 'catalog' or (SOURCES[source] or source) }
      for _, fact in ipairs({ m.quant, given(m.fim) and (m.fim .. ' FIM') or nil,
        given(m.license) and m.license ~= 'unknown' and m.license or nil, m.default == true and 'default' or nil }) do
        if given(fact) then
          facts[#facts + 1] = fact
        end
      end
      choices[#choices + 1] = {
        label = ('%s%s (%s)'):format(m.path == current and '* ' or '', m.name, table.concat(facts, ', ')),
        path = m.path,
      }
    end
  end
  local notes = {}
  if #missing > 0 then
    notes[#notes + 1] = ('%d catalog models are not installed: `hushcode models pull ID` fetches one (%s)'):format(
      #missing, table.concat(missing, ', '))
  end
  if #no_fim > 0 then
    notes[#notes + 1] = ('not offered, no fill-in-the-middle tokens (hushcode cannot complete with them): %s'):format(
      table.concat(no_fim, ', '))
  end
  return choices, notes
end

--- Pick one of the installed models (catalog and found on this machine) and restart with it.
function subcommands.models()
  local client = client_or_say()
  if not client then
    return
  end
  client:request('hushcode/listModels', {}, function(err, result)
    if err or not result then
      say('hushcode/listModels failed: ' .. vim.inspect(err), vim.log.levels.ERROR)
      return
    end
    local choices, notes = M.model_choices(result.models, given(result.current) and result.current or nil)
    if #notes > 0 then
      say(table.concat(notes, '\n'))
    end
    if #choices == 0 then
      say('no usable model is installed: run `hushcode models pull`', vim.log.levels.WARN)
      return
    end
    vim.ui.select(choices, {
      prompt = 'hushcode: choose a model',
      format_item = function(choice)
        return choice.label
      end,
    }, function(choice)
      if choice then
        subcommands.model(choice.path)
      end
    end)
  end, 0)
end

function subcommands.log()
  local client = require('hushcode.status').client(0)
  local cmd = client and client.config.cmd or vim.lsp.config.hushcode and vim.lsp.config.hushcode.cmd
  local file = require('hushcode.server').log_file_of(cmd) or vim.lsp.log.get_filename()
  vim.cmd.split(vim.fn.fnameescape(file))
  vim.cmd('normal! G')
end

local NEXT_EDIT = { 'jump', 'accept', 'dismiss' }

--- Without an argument: ask for a next edit at the cursor now (whatever `next_edit.enabled` says).
--- jump | accept | dismiss: what the keys do to the edit on screen.
subcommands['next-edit'] = function(action)
  local next_edit = require('hushcode.next_edit')
  if action == '' then
    next_edit.ask(vim.api.nvim_get_current_buf(), true)
  elseif vim.tbl_contains(NEXT_EDIT, action) then
    if not next_edit[action]() then
      say('no next edit is shown', vim.log.levels.WARN)
    end
  else
    say(('unknown next-edit action %s (%s)'):format(action, table.concat(NEXT_EDIT, ', ')), vim.log.levels.ERROR)
  end
end

function M.create()
  vim.api.nvim_create_user_command('Hushcode', function(args)
    local name, rest = args.args:match('^(%S*)%s*(.-)%s*$')
    local run = subcommands[name ~= '' and name or 'status']
    if not run then
      say('unknown subcommand ' .. name .. ' (status, toggle, model, models, log, next-edit)', vim.log.levels.ERROR)
      return
    end
    run(rest)
  end, {
    nargs = '*',
    desc = 'hushcode: status | toggle | model [PATH] | models | log | next-edit [jump|accept|dismiss]',
    complete = function(lead, line)
      if line:match('^%S+%s+model%s') then
        return vim.fn.getcompletion(lead, 'file')
      end
      if line:match('^%S+%s+next%-edit%s') then
        return vim.tbl_filter(function(name)
          return vim.startswith(name, lead)
        end, NEXT_EDIT)
      end
      return vim.tbl_filter(function(name)
        return vim.startswith(name, lead)
      end, vim.tbl_keys(subcommands))
    end,
  })
end

return M
