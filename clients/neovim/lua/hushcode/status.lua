--- The server's `hushcode/status` notifications, kept per client, and the statusline component.
local M = {}

---@class hushcode.Status
---@field state 'loading'|'ready'|'restarting'|'error'|'stopped'|'unreachable'
---@field model string?
---@field engineKind string? 'local', or the protocol of a shared server
---@field engineUrl string? where code is sent, for a shared server
---@field template string?
---@field message string?
---@field lastLatencyMs number?
---@field requests integer?
---@field answered integer?

---@type table<integer, hushcode.Status>
M.by_client = {}

--- Whether completions are on (`:Hushcode toggle`).
M.enabled = true

local function changed(status)
  vim.schedule(function()
    pcall(vim.cmd.redrawstatus, { bang = true })
    vim.api.nvim_exec_autocmds('User', { pattern = 'HushcodeStatus', modeline = false, data = status })
  end)
end

---@param client_id integer
---@param status hushcode.Status?
function M.set(client_id, status)
  if type(status) ~= 'table' then
    return
  end
  for key, value in pairs(status) do
    if value == vim.NIL then
      status[key] = nil -- JSON null
    end
  end
  M.by_client[client_id] = status
  changed(status)
end

--- `lsp.Handler` for the `hushcode/status` notification.
function M.handler(_, result, ctx)
  M.set(ctx.client_id, result)
end

--- Ask the server for its status now (on attach, and for `:Hushcode status`).
---@param client vim.lsp.Client
---@param callback? fun(status: hushcode.Status?, err: any)
function M.refresh(client, callback)
  client:request('hushcode/getStatus', { engineStats = false }, function(err, result)
    if not err then
      M.set(client.id, result)
    end
    if callback then
      callback(result, err)
    end
  end)
end

--- The hushcode client for a buffer (attached to it), else any running one.
---@param bufnr? integer
---@return vim.lsp.Client?
function M.client(bufnr)
  local attached = vim.lsp.get_clients({ name = 'hushcode', bufnr = bufnr or 0 })
  return attached[1] or vim.lsp.get_clients({ name = 'hushcode' })[1]
end

--- The latest status of the buffer's hushcode client.
---@param bufnr? integer
---@return hushcode.Status?
function M.get(bufnr)
  local client = M.client(bufnr)
  return client and M.by_client[client.id]
end

--- A short text for a statusline: "hushcode: <model>" when ready, the state otherwise, and ""
--- when no hushcode server is running.
---@return string
function M.statusline()
  local client = M.client(0)
  if not client then
    return ''
  end
  local status = M.by_client[client.id] or { state = 'loading' }
  if not M.enabled then
    return 'hushcode: off'
  end
  if status.state == 'ready' then
    local text = 'hushcode: ' .. (status.model or 'ready') .. (status.engineUrl and (' @ ' .. status.engineUrl) or '')
    if type(status.lastLatencyMs) == 'number' then
      text = text .. (' %dms'):format(math.floor(status.lastLatencyMs + 0.5))
    end
    return text
  end
  if status.state == 'loading' and status.model then
    return 'hushcode: loading ' .. status.model
  end
  return 'hushcode: ' .. (status.state or '?')
end

return M
