--- Where the `hushcode` server is, and how to start it.
local M = {}

--- Filetypes the plugin attaches to by default (the server itself is language-agnostic).
M.filetypes = {
  'python', 'javascript', 'javascriptreact', 'typescript', 'typescriptreact', 'go', 'rust',
  'c', 'cpp', 'java', 'lua', 'ruby', 'php', 'sh', 'bash', 'zsh', 'cs', 'kotlin', 'swift',
  'scala', 'haskell', 'ocaml', 'elixir', 'zig', 'vim', 'html', 'css', 'scss', 'sql',
}

--- The root of the hushcode checkout this plugin is part of (it lives in clients/neovim/).
local function checkout_root()
  local source = debug.getinfo(1, 'S').source:sub(2) -- .../clients/neovim/lua/hushcode/server.lua
  local root = vim.fn.fnamemodify(source, ':p:h:h:h:h:h')
  return root
end

--- The `hushcode` executable: `g:hushcode_server`, else the checkout's own `.venv/bin/hushcode`
--- (made by scripts/setup.sh, and matching this plugin's version), else `hushcode` on $PATH.
---@return string
function M.executable()
  if vim.g.hushcode_server then
    return vim.fn.expand(vim.g.hushcode_server)
  end
  local venv = vim.fs.joinpath(checkout_root(), '.venv', 'bin', 'hushcode')
  if vim.fn.executable(venv) == 1 then
    return venv
  end
  local found = vim.fn.exepath('hushcode')
  return found ~= '' and found or 'hushcode'
end

--- Where the server writes its log. Its stderr would otherwise land in Neovim's lsp.log as errors.
---@return string
function M.log_file()
  return vim.fs.joinpath(vim.fn.stdpath('log'), 'hushcode.log')
end

---@return string[]
function M.default_cmd()
  return { M.executable(), 'serve', '--log-file', M.log_file() }
end

--- The log file named by `--log-file` in a command, if any.
---@param cmd string[]|any
---@return string?
function M.log_file_of(cmd)
  if type(cmd) ~= 'table' then
    return nil
  end
  for i, arg in ipairs(cmd) do
    if arg == '--log-file' then
      return cmd[i + 1]
    end
    local value = arg:match('^%-%-log%-file=(.+)$')
    if value then
      return value
    end
  end
end

--- The server command up to `serve` (the executable, and any interpreter arguments before it).
---@param cmd string[]
---@return string[]
local function before_serve(cmd)
  local out = {}
  for _, arg in ipairs(cmd) do
    if arg == 'serve' then
      break
    end
    out[#out + 1] = arg
  end
  return out
end

--- The command that prints the server's version: the server command up to `serve`, plus --version.
---@param cmd string[]
---@return string[]
function M.version_cmd(cmd)
  local out = before_serve(cmd)
  out[#out + 1] = '--version'
  return out
end

--- The command that checks the whole chain as JSON (`hushcode doctor`, docs/install.md): the server
--- command up to `serve`, plus `doctor --json --no-editors` (inside Neovim, :checkhealth says the rest).
---@param cmd string[]
---@return string[]
function M.doctor_cmd(cmd)
  return vim.list_extend(before_serve(cmd), { 'doctor', '--json', '--no-editors' })
end

return M
