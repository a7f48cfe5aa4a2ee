--- Neovim 0.11 has no inline completion: the suggestion comes as one item of the completion menu
--- (`textDocument/completion`, through `vim.lsp.completion`).
---
--- Neovim inserts only the first word of a plain-text item's edit. The menu shows and inserts the
--- suggestion's first line instead, and on accept the rest of its lines follow.
local M = {}
local api = vim.api

---@param item lsp.CompletionItem
---@return string?
local function suggestion(item)
  if item.detail ~= 'hushcode' then
    return nil
  end
  return item.textEdit and item.textEdit.newText or item.insertText
end

---@param item lsp.CompletionItem
---@return table
local function convert(item)
  local text = suggestion(item)
  if not text then
    return {}
  end
  return { word = text:match('^[^\n]*') }
end

--- On accept, insert the lines after the first one.
local function complete_done()
  local event = vim.v.event or {}
  if event.reason ~= nil and event.reason ~= 'accept' then
    return
  end
  local completed = vim.v.completed_item or {}
  local item = vim.tbl_get(completed, 'user_data', 'nvim', 'lsp', 'completion_item')
  local text = item and suggestion(item)
  if not text or not text:find('\n', 1, true) then
    return
  end
  local rest = text:sub(#text:match('^[^\n]*') + 1) -- "\n" and the lines after it
  local win = api.nvim_get_current_win()
  local bufnr = api.nvim_get_current_buf()
  local row, col = unpack(api.nvim_win_get_cursor(win))
  local lines = vim.split(rest, '\n', { plain = true })
  api.nvim_buf_set_text(bufnr, row - 1, col, row - 1, col, lines)
  api.nvim_win_set_cursor(win, { row + #lines - 1, #lines[#lines] })
end

---@param client vim.lsp.Client
---@param bufnr integer
function M.enable(client, bufnr)
  -- No autotrigger: the server names no trigger characters, and a menu popping up on every
  -- keystroke is not what ghost text is. The accept key (or <C-x><C-o>) asks.
  vim.lsp.completion.enable(true, client.id, bufnr, { convert = convert })
  local group = api.nvim_create_augroup(('hushcode.fallback.%d'):format(bufnr), { clear = true })
  api.nvim_create_autocmd('CompleteDone', { group = group, buffer = bufnr, callback = complete_done })
end

---@param client vim.lsp.Client
---@param bufnr integer
function M.disable(client, bufnr)
  vim.lsp.completion.enable(false, client.id, bufnr)
  pcall(api.nvim_del_augroup_by_name, ('hushcode.fallback.%d'):format(bufnr))
end

--- The accept key: ask for hushcode's suggestion, or accept the one in the completion menu.
---@return string keys to feed
function M.accept()
  -- Completion is active: the menu is open, or (without 'completeopt' "menuone") its only item
  -- was put in the buffer straight away.
  local info = vim.fn.complete_info({ 'mode', 'selected' })
  if vim.fn.pumvisible() == 1 or info.mode ~= '' then
    local selected = info.selected
    return selected >= 0 and '<C-y>' or '<C-n><C-y>'
  end
  vim.lsp.completion.get()
  return ''
end

return M
