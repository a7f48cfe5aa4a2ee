--- hushcode for Neovim: ghost-text completions from a local model, served by `hushcode serve`.
---
---   require('hushcode').setup({ model = '~/models/qwen2.5-coder-1.5b-q8_0.gguf' })
---
--- The server configuration itself is lsp/hushcode.lua (a `vim.lsp.Config`). See docs/editors/neovim.md.
local M = {}

---@class hushcode.Options
M.defaults = {
  --- The server command; default: the checkout's .venv/bin/hushcode, else `hushcode` on $PATH,
  --- with `serve --log-file <stdpath("log")>/hushcode.log`.
  ---@type string[]?
  cmd = nil,
  --- Environment for the server (e.g. { HUSHCODE_COMPLETION_MAX_TOKENS = '64' }).
  ---@type table<string, string>?
  cmd_env = nil,
  ---@type string[]?
  filetypes = nil,
  ---@type string[]?
  root_markers = nil,
  --- A GGUF file (initializationOptions `model.path`); default: the server's default model.
  ---@type string?
  model = nil,
  --- initializationOptions `completion`, camelCase: { maxTokens = 64, timeoutMs = 5000, ... }.
  completion = {},
  --- initializationOptions `engine`: a shared server, e.g. { kind = 'openai', url = 'http://gpu-box:8000',
  --- apiKeyEnv = 'HUSHCODE_TEAM_KEY' } (docs/team.md). Empty: the local engine.
  engine = {},
  --- Next-edit suggestions (docs/editors/neovim.md): `enabled` makes hushcode ask by itself after
  --- an edit that is not plain typing at the end of a line. `:Hushcode next-edit` asks whatever it says.
  next_edit = {
    enabled = false,
  },
  --- Keys; set one to false to leave it unmapped, or `keymaps = false` for none. Insert mode, and
  --- for a next edit also normal mode: accept, jump, and `dismiss_edit` (normal mode only).
  keymaps = {
    accept = '<M-l>',
    accept_word = '<M-w>',
    accept_line = '<M-j>',
    next = '<M-]>',
    prev = '<M-[>',
    dismiss = '<C-]>',
    dismiss_edit = '<Esc>',
    jump = '<M-n>',
  },
  --- Call `vim.lsp.enable('hushcode')`.
  enable = true,
}

---@type hushcode.Options
M.options = vim.deepcopy(M.defaults)

local function init_options(opts)
  local init = {}
  if opts.model then
    init.model = { path = vim.fs.normalize(opts.model) }
  end
  if opts.completion and next(opts.completion) then
    init.completion = opts.completion
  end
  if opts.engine and next(opts.engine) then
    init.engine = opts.engine -- a shared server (docs/team.md)
  end
  return next(init) and init or nil
end

--- Configure and enable the `hushcode` language server.
---@param opts? hushcode.Options
function M.setup(opts)
  opts = opts or {}
  M.options = vim.tbl_deep_extend('force', vim.deepcopy(M.defaults), opts)
  if opts.keymaps == false then
    M.options.keymaps = false
  end
  local next_edit = M.options.next_edit
  if type(next_edit) == 'boolean' then
    M.options.next_edit = { enabled = next_edit }
  elseif type(next_edit) ~= 'table' or (next_edit.enabled ~= nil and type(next_edit.enabled) ~= 'boolean') then
    vim.notify(('hushcode: next_edit must be a table like { enabled = true }, not %s; next edits stay off')
      :format(vim.inspect(next_edit)), vim.log.levels.WARN)
    M.options.next_edit = vim.deepcopy(M.defaults.next_edit)
  end
  local config = {
    cmd = M.options.cmd,
    cmd_env = M.options.cmd_env,
    filetypes = M.options.filetypes,
    root_markers = M.options.root_markers,
    init_options = init_options(M.options),
  }
  vim.lsp.config('hushcode', config)
  M.install()
  if M.options.enable then
    vim.lsp.enable('hushcode')
  end
end

--- Called for every buffer a hushcode client attaches to.
---@param client vim.lsp.Client
---@param bufnr integer
function M.attach(client, bufnr)
  local inline = require('hushcode.inline')
  local status = require('hushcode.status')
  if inline.supported() and client:supports_method('textDocument/inlineCompletion') then
    if status.enabled then
      inline.enable(true, bufnr)
    end
  elseif status.enabled then
    require('hushcode.fallback').enable(client, bufnr)
  end
  require('hushcode.keymaps').attach(bufnr, M.options.keymaps)
  require('hushcode.next_edit_trigger').attach(bufnr)
  if not status.by_client[client.id] then
    status.refresh(client)
  end
end

--- Turn completions on or off in every buffer hushcode is attached to (and in later ones).
---@param enable? boolean default: the opposite of now
function M.toggle(enable)
  local status = require('hushcode.status')
  if enable == nil then
    enable = not status.enabled
  end
  status.enabled = enable
  local inline = require('hushcode.inline')
  for _, client in ipairs(vim.lsp.get_clients({ name = 'hushcode' })) do
    for bufnr in pairs(client.attached_buffers) do
      if inline.supported() then
        inline.enable(enable, bufnr)
      elseif enable then
        require('hushcode.fallback').enable(client, bufnr)
      else
        require('hushcode.fallback').disable(client, bufnr)
      end
    end
  end
  pcall(vim.cmd.redrawstatus, { bang = true })
  return enable
end

--- Statusline component: "hushcode: <model> <latency>ms", the state while not ready, "" when no
--- hushcode server runs. Example: `vim.o.statusline = "%f %= %{v:lua.require'hushcode'.statusline()}"`
---@return string
function M.statusline()
  return require('hushcode.status').statusline()
end

--- The latest `hushcode/status` of the current buffer's server (model, state, latency, tokens).
---@return hushcode.Status?
function M.status()
  return require('hushcode.status').get(0)
end

--- The LspAttach autocommand and the :Hushcode command (idempotent; plugin/hushcode.lua calls it).
function M.install()
  local group = vim.api.nvim_create_augroup('hushcode', { clear = true })
  vim.api.nvim_create_autocmd('LspAttach', {
    group = group,
    callback = function(ev)
      local client = vim.lsp.get_client_by_id(ev.data.client_id)
      if client and client.name == 'hushcode' then
        M.attach(client, ev.buf)
      end
    end,
  })
  vim.api.nvim_create_autocmd('ColorScheme', {
    group = group,
    callback = function()
      require('hushcode.next_edit_draw').highlights()
    end,
  })
  vim.api.nvim_create_autocmd('LspDetach', {
    group = group,
    callback = function(ev)
      local client = vim.lsp.get_client_by_id(ev.data.client_id)
      if client and client.name == 'hushcode' then
        require('hushcode.next_edit_trigger').detach(ev.buf)
      end
    end,
  })
  require('hushcode.next_edit_draw').highlights()
  require('hushcode.commands').create()
end

return M
