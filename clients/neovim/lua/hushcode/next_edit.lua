--- Next-edit suggestions (`hushcode/nextEdit`): after an edit, the server predicts the edit the user
--- makes next near the cursor (after renaming a parameter, the same rename at its use). This module
--- asks for one, draws it with extmarks (the removed text struck through, the new text beside it
--- or, for several lines, under it), and accepts, dismisses or jumps to it. When to ask by itself is
--- next_edit_trigger.lua's business.
---
--- Only extmarks and requests: it works the same on Neovim 0.11, which has no inline completion.
--- What to draw for an edit is next_edit_draw.lua's (pure, tested alone).
local M = {}
local api = vim.api
local draw = require('hushcode.next_edit_draw')

M.namespace = api.nvim_create_namespace('hushcode.next_edit')
M.METHOD = 'hushcode/nextEdit'

---@class hushcode.NextEditState
---@field client_id integer
---@field tick integer the buffer's changedtick the edits were made for
---@field edits lsp.TextEdit[] as the server sent them
---@field bytes hushcode.ByteEdit[] in byte columns, in document order

---@type table<integer, hushcode.NextEditState>
local shown = {}
---@type table<integer, { client: vim.lsp.Client, id: integer, tick: integer }>
local inflight = {}

local function say(message, level)
  vim.notify('hushcode: ' .. message, level or vim.log.levels.INFO)
end

local function line_at(bufnr, row)
  return api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1]
end

--- The edit nearest the cursor's row (the one the hint names and the jump key goes to).
local function nearest(state, cursor_row)
  local best
  for _, edit in ipairs(state.bytes) do
    if not best or math.abs(edit.start_row - cursor_row) < math.abs(best.start_row - cursor_row) then
      best = edit
    end
  end
  return best
end

--- (Re)draw a buffer's edits, and the hint at the cursor when the nearest is far. Called when an
--- answer arrives and when the cursor moves (the hint follows it).
---@param bufnr integer
function M.render(bufnr)
  api.nvim_buf_clear_namespace(bufnr, M.namespace, 0, -1)
  local state = shown[bufnr]
  if not state then
    return
  end
  local count = api.nvim_buf_line_count(bufnr)
  local function line(row)
    return line_at(bufnr, row)
  end
  for _, edit in ipairs(state.bytes) do
    for _, mark in ipairs(draw.marks(edit, line, count)) do
      pcall(api.nvim_buf_set_extmark, bufnr, M.namespace, mark[1], mark[2], mark[3])
    end
  end
  local win = api.nvim_get_current_win()
  if api.nvim_win_get_buf(win) ~= bufnr then
    return
  end
  local cursor_row = api.nvim_win_get_cursor(win)[1] - 1
  local target = nearest(state, cursor_row)
  local top, bottom = vim.fn.line('w0', win) - 1, vim.fn.line('w$', win) - 1
  if target and draw.is_far(cursor_row, target.start_row, top, bottom) then
    local keys = require('hushcode').options.keymaps
    api.nvim_buf_set_extmark(bufnr, M.namespace, cursor_row, 0, {
      virt_text = { { draw.hint(target.start_row, keys and keys.jump), draw.HINT } }, virt_text_pos = 'eol' })
  end
end

--- Whether a next edit is on screen in the buffer (default: the current one).
---@param bufnr? integer
---@return boolean
function M.visible(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  local state = shown[bufnr]
  return state ~= nil and state.tick == api.nvim_buf_get_changedtick(bufnr)
end

--- Cancel the buffer's request in flight, if any (newest wins).
---@param bufnr integer
function M.cancel(bufnr)
  local pending = inflight[bufnr]
  inflight[bufnr] = nil
  if pending then
    pcall(pending.client.cancel_request, pending.client, pending.id)
  end
end

--- Hide the buffer's edit (and cancel its request).
---@param bufnr integer
function M.clear(bufnr)
  M.cancel(bufnr)
  shown[bufnr] = nil
  if api.nvim_buf_is_valid(bufnr) then
    api.nvim_buf_clear_namespace(bufnr, M.namespace, 0, -1)
  end
end

--- The buffer changed: hide an edit made for an older text, and cancel a request asked for one.
--- (What was asked for the text as it is now stays: a change and an explicit ask may come in one
--- batch of keys, before this runs.)
---@param bufnr integer
function M.drop_stale(bufnr)
  if not api.nvim_buf_is_valid(bufnr) then
    return
  end
  local tick = api.nvim_buf_get_changedtick(bufnr)
  if inflight[bufnr] and inflight[bufnr].tick ~= tick then
    M.cancel(bufnr)
  end
  if shown[bufnr] and shown[bufnr].tick ~= tick then
    shown[bufnr] = nil
    api.nvim_buf_clear_namespace(bufnr, M.namespace, 0, -1)
  end
end

--- Show the server's edits, unless the buffer changed since the request or an inline suggestion
--- is on screen (next edits never cover ghost text).
---@param bufnr integer
---@param client { id: integer, offset_encoding: string } the client that answered
---@param edits lsp.TextEdit[]
---@param tick integer the buffer's changedtick when it was asked
---@param explicit? boolean asked with :Hushcode next-edit (then a dropped answer is explained)
function M.show(bufnr, client, edits, tick, explicit)
  if api.nvim_buf_get_changedtick(bufnr) ~= tick then
    return explicit and say('the buffer changed while the next edit was computed; ask again')
  end
  if require('hushcode.inline').supported() and bufnr == api.nvim_get_current_buf()
    and require('hushcode.inline').visible() then
    return
  end
  local bytes = {}
  for _, edit in ipairs(edits) do
    local range = edit.range
    local s_row, s_col, e_row, e_col = draw.to_bytes(range, line_at(bufnr, range.start.line),
      line_at(bufnr, range['end'].line), client.offset_encoding)
    bytes[#bytes + 1] = { start_row = s_row, start_col = s_col, end_row = e_row, end_col = e_col,
      text = edit.newText }
  end
  table.sort(bytes, function(a, b)
    return a.start_row < b.start_row or (a.start_row == b.start_row and a.start_col < b.start_col)
  end)
  shown[bufnr] = { client_id = client.id, tick = tick, edits = edits, bytes = bytes }
  M.render(bufnr)
end

local function valid_edits(result)
  local edits = type(result) == 'table' and result.edits
  if type(edits) ~= 'table' then
    return nil
  end
  for _, edit in ipairs(edits) do
    if type(edit) ~= 'table' or type(edit.range) ~= 'table' or type(edit.newText) ~= 'string' then
      return nil
    end
  end
  return edits
end

--- Ask the server for a next edit at the cursor of the current window (which shows `bufnr`).
--- An older request of the buffer is cancelled. `explicit` (`:Hushcode next-edit`) also says
--- when there is nothing to suggest.
---@param bufnr integer
---@param explicit? boolean
---@return boolean asked
function M.ask(bufnr, explicit)
  local client = vim.lsp.get_clients({ name = 'hushcode', bufnr = bufnr })[1]
  if not client then
    if explicit then
      say('no hushcode server is attached to this buffer', vim.log.levels.WARN)
    end
    return false
  end
  M.cancel(bufnr)
  local win = api.nvim_get_current_win()
  local params = vim.lsp.util.make_position_params(win, client.offset_encoding)
  local tick = api.nvim_buf_get_changedtick(bufnr)
  local id
  local ok
  ok, id = client:request(M.METHOD, params, function(err, result)
    if inflight[bufnr] == nil or inflight[bufnr].id ~= id then
      return -- a newer request (or a change, or a dismissal) made this one moot
    end
    inflight[bufnr] = nil
    local edits = valid_edits(result)
    if err or not edits then
      if explicit then
        say(('%s failed: %s'):format(M.METHOD, err and err.message or 'malformed answer'), vim.log.levels.ERROR)
      end
      return
    end
    if #edits == 0 then
      return explicit and say('no next edit here')
    end
    M.show(bufnr, client, edits, tick, explicit)
  end, bufnr)
  if ok and id then
    inflight[bufnr] = { client = client, id = id, tick = tick }
  end
  return ok == true
end

--- Apply the shown edit (all its text edits) and hide it. The edit is applied on the next tick:
--- the keys call this from an expression mapping, where the text may not change.
---@return boolean accepted false when no next edit is shown
function M.accept()
  local bufnr = api.nvim_get_current_buf()
  local state = shown[bufnr]
  if not M.visible(bufnr) then
    return false
  end
  M.clear(bufnr)
  vim.schedule(function()
    local client = vim.lsp.get_client_by_id(state.client_id)
    if client and api.nvim_buf_get_changedtick(bufnr) == state.tick then
      vim.lsp.util.apply_text_edits(vim.deepcopy(state.edits), bufnr, client.offset_encoding)
    end
  end)
  return true
end

--- Hide the shown edit; the automatic asks stay quiet until the buffer changes again.
---@return boolean dismissed false when none was shown
function M.dismiss()
  local bufnr = api.nvim_get_current_buf()
  if not M.visible(bufnr) then
    return false
  end
  M.clear(bufnr)
  require('hushcode.next_edit_trigger').dismissed(bufnr)
  return true
end

--- Move the cursor to the start of the shown edit nearest to it.
---@return boolean jumped false when none is shown
function M.jump()
  local bufnr = api.nvim_get_current_buf()
  local state = shown[bufnr]
  if not M.visible(bufnr) then
    return false
  end
  vim.schedule(function()
    local target = nearest(state, api.nvim_win_get_cursor(0)[1] - 1)
    if target and api.nvim_get_current_buf() == bufnr then
      pcall(api.nvim_win_set_cursor, 0, { target.start_row + 1, target.start_col })
      M.render(bufnr)
    end
  end)
  return true
end

--- What is shown in a buffer, for tests and statuslines: the edits as the server sent them.
---@param bufnr? integer
---@return lsp.TextEdit[]?
function M.get(bufnr)
  bufnr = (bufnr == nil or bufnr == 0) and api.nvim_get_current_buf() or bufnr
  return M.visible(bufnr) and shown[bufnr].edits or nil
end

--- Forget a buffer (unloaded, or the client detached).
---@param bufnr integer
function M.forget(bufnr)
  M.cancel(bufnr)
  shown[bufnr] = nil
end

return M
