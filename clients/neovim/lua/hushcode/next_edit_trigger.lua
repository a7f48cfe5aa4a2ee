--- When hushcode asks for a next edit by itself (`setup({ next_edit = { enabled = true } })`):
--- after a change that is not plain typing at the end of a line (a replacement, a deletion, a
--- paste, the change of a rename), and when the cursor moves onto another line within RECENT_MS of
--- such a change; DEBOUNCE_MS after the last of them. Typing at the end of a line is what inline
--- completion is for, and a next edit there would only compete with it.
---
--- Whatever the setting, every buffer hushcode attaches to is watched: a change hides the next
--- edit shown (it was made for the text before), and leaving insert mode hides it too.
local M = {}
local api = vim.api
local uv = vim.uv or vim.loop

M.DEBOUNCE_MS = 150
M.RECENT_MS = 10000

--- Only blanks and closing punctuation right of the change: it was made at the end of the line
--- (typing before an auto-paired `)` or a `:` still counts).
local END_OF_LINE = '^[%s%)%]}>\'"`,;:]*$'

---@class hushcode.Change
---@field insert_mode boolean the change was made in insert mode
---@field old_rows integer line breaks in the replaced text
---@field old_bytes integer bytes of the replaced text
---@field text string the new text
---@field after string the rest of the line after the new text

--- Whether a change is plain typing at the end of a line. In insert mode, with nothing but blanks
--- or closing punctuation after it: an insertion of one line (or of a line break and the next
--- line's indent), or the deletion of what was typed there (backspace). In any mode, a new blank
--- line (`o`, `O`, `<CR>`). Anything else, and every other change outside insert mode (`ciw`, `x`,
--- `dd`, `p`, undo), is an edit a next edit may follow.
---@param change hushcode.Change
---@return boolean
function M.is_typing(change)
  local blank_line = change.old_bytes == 0 and change.text:match('^[ \t]*\r?\n[ \t]*$') ~= nil
  if blank_line then
    return true
  end
  if not change.insert_mode or not change.after:match(END_OF_LINE) then
    return false
  end
  if change.old_bytes == 0 then
    return not change.text:find('\n', 1, true)
  end
  return change.text == '' and change.old_rows == 0
end

--- Whether the user turned automatic next edits on.
---@return boolean
function M.enabled()
  local options = require('hushcode').options.next_edit
  return type(options) == 'table' and options.enabled == true
end

---@class hushcode.NextEditBuffer
---@field timer uv.uv_timer_t
---@field edited_at integer? when the last change that was not plain typing happened (ms, uv.now)
---@field row integer the cursor's last row, to see it move onto another line
---@field dismissed integer? the changedtick at which the user dismissed an edit

---@type table<integer, hushcode.NextEditBuffer>
local buffers = {}

local function ask_now(bufnr)
  local state = buffers[bufnr]
  local next_edit = require('hushcode.next_edit')
  if not (state and M.enabled() and require('hushcode.status').enabled) or api.nvim_get_current_buf() ~= bufnr then
    return
  end
  local mode = api.nvim_get_mode()
  if mode.blocking or (mode.mode ~= 'n' and mode.mode ~= 'i') then
    return -- visual, operator-pending, the completion menu, a command line: not now
  end
  if state.dismissed == api.nvim_buf_get_changedtick(bufnr) or next_edit.visible(bufnr) then
    return
  end
  local inline = require('hushcode.inline')
  if inline.supported() and inline.visible() then
    return -- ghost text is on screen: it comes first
  end
  next_edit.ask(bufnr)
end

local function ask_soon(bufnr)
  local state = buffers[bufnr]
  state.timer:stop()
  state.timer:start(M.DEBOUNCE_MS, 0, vim.schedule_wrap(function()
    ask_now(bufnr)
  end))
end

--- The change on_bytes reports, as `is_typing` reads it. Reads the buffer (allowed in on_bytes).
local function change_of(bufnr, row, col, old_rows, old_bytes, new_rows, new_col)
  local end_row = row + new_rows
  local end_col = (new_rows == 0 and col or 0) + new_col
  local text = table.concat(api.nvim_buf_get_text(bufnr, row, col, end_row, end_col, {}), '\n')
  local line = api.nvim_buf_get_lines(bufnr, end_row, end_row + 1, false)[1] or ''
  return { insert_mode = false, old_rows = old_rows, old_bytes = old_bytes, text = text, after = line:sub(end_col + 1) }
end

---@param state hushcode.NextEditBuffer the watch this callback belongs to
local function on_bytes(state, bufnr, row, col, old_rows, old_bytes, new_rows, new_col)
  if buffers[bufnr] ~= state then
    return true -- this watch ended (a newer one may have begun): detach
  end
  vim.schedule(function()
    require('hushcode.next_edit').drop_stale(bufnr) -- made for the text before this change
  end)
  if not M.enabled() then
    return
  end
  if new_rows <= 1 then -- several new lines are never typing: no need to read them
    local change = change_of(bufnr, row, col, old_rows, old_bytes, new_rows, new_col)
    change.insert_mode = api.nvim_get_mode().mode:sub(1, 1) == 'i'
    if M.is_typing(change) then
      return
    end
  end
  state.edited_at = uv.now()
  state.dismissed = nil
  ask_soon(bufnr)
end

local function on_cursor(bufnr)
  local state = buffers[bufnr]
  local row = api.nvim_win_get_cursor(0)[1] - 1
  if not state or row == state.row then
    return
  end
  state.row = row
  local next_edit = require('hushcode.next_edit')
  if next_edit.visible(bufnr) then
    next_edit.render(bufnr) -- the hint follows the cursor
  end
  if M.enabled() and state.edited_at and uv.now() - state.edited_at <= M.RECENT_MS then
    ask_soon(bufnr)
  end
end

--- The user dismissed the buffer's edit: no automatic ask until the buffer changes again.
---@param bufnr integer
function M.dismissed(bufnr)
  local state = buffers[bufnr]
  if state then
    state.dismissed = api.nvim_buf_get_changedtick(bufnr)
    state.timer:stop()
  end
end

--- Stop watching a buffer.
---@param bufnr integer
function M.detach(bufnr)
  local state = buffers[bufnr]
  buffers[bufnr] = nil
  if state then
    state.timer:stop()
    state.timer:close()
  end
  pcall(api.nvim_del_augroup_by_name, ('hushcode.next_edit.%d'):format(bufnr))
  require('hushcode.next_edit').forget(bufnr)
end

--- Watch a buffer hushcode attached to (idempotent).
---@param bufnr integer
function M.attach(bufnr)
  bufnr = bufnr == 0 and api.nvim_get_current_buf() or bufnr
  if buffers[bufnr] then
    return
  end
  local state = { timer = assert(uv.new_timer()), row = -1 }
  buffers[bufnr] = state
  api.nvim_buf_attach(bufnr, false, {
    on_bytes = function(_, _, _, row, col, _, old_rows, _, old_bytes, new_rows, new_col)
      return on_bytes(state, bufnr, row, col, old_rows, old_bytes, new_rows, new_col)
    end,
    on_detach = function()
      vim.schedule(function()
        if buffers[bufnr] == state then
          M.detach(bufnr)
        end
      end)
    end,
  })
  local group = api.nvim_create_augroup(('hushcode.next_edit.%d'):format(bufnr), { clear = true })
  api.nvim_create_autocmd({ 'CursorMoved', 'CursorMovedI' }, { group = group, buffer = bufnr, callback = function()
    on_cursor(bufnr)
  end })
  api.nvim_create_autocmd('InsertLeave', { group = group, buffer = bufnr, callback = function()
    require('hushcode.next_edit').clear(bufnr) -- shown while typing: leaving insert mode dismisses it
  end })
  api.nvim_create_autocmd({ 'BufUnload', 'BufWipeout' }, { group = group, buffer = bufnr, callback = function()
    M.detach(bufnr)
  end })
end

return M
