--- What a next edit looks like on screen (next_edit.lua draws it): the highlight groups, and pure
--- functions from an edit to extmarks, with no buffer or server in them (tests/neovim/test_next_edit.py).
local M = {}
local api = vim.api

M.NEAR_LINES = 3 -- an edit farther from the cursor than this (or off-screen) gets a hint and a jump key

local DELETE, INSERT = 'HushcodeNextEditDelete', 'HushcodeNextEditInsert'
M.HINT = 'HushcodeNextEditHint'

--- The highlight groups, as defaults a colorscheme or the user may override. The struck-through
--- group takes its colour from `Removed` (it cannot link: a link would lose the strikethrough).
function M.highlights()
  local removed = api.nvim_get_hl(0, { name = 'Removed', link = false })
  api.nvim_set_hl(0, DELETE, { default = true, strikethrough = true, fg = removed.fg, ctermfg = removed.ctermfg })
  api.nvim_set_hl(0, INSERT, { default = true, link = 'DiffAdd' })
  api.nvim_set_hl(0, M.HINT, { default = true, link = 'Comment' })
end

---@class hushcode.ByteEdit
---@field start_row integer 0-based
---@field start_col integer 0-based byte column
---@field end_row integer
---@field end_col integer
---@field text string the new text

--- An LSP range in byte columns. Positions in the server's encoding (UTF-16 by default) are
--- converted with the text of their own line; a line past the buffer's end (LSP's position after
--- the last line break) has column 0.
---@param range lsp.Range
---@param start_line string? the buffer's text of range.start.line (nil: past the end)
---@param end_line string? the text of range['end'].line
---@param encoding string 'utf-8' | 'utf-16' | 'utf-32'
---@return integer start_row, integer start_col, integer end_row, integer end_col
function M.to_bytes(range, start_line, end_line, encoding)
  local function col(line, character)
    if type(line) ~= 'string' then
      return 0
    end
    return math.min(vim.str_byteindex(line, encoding, character, false), #line)
  end
  local s, e = range.start, range['end']
  return s.line, col(start_line, s.character), e.line, col(end_line, e.character)
end

--- What to draw for one edit: a list of { row, col, opts } for nvim_buf_set_extmark.
---
--- 1. The text the edit removes, highlighted struck through.
--- 2. The new text: within one line, as inline virt_text right after the removed text; whole
---    lines replaced by whole lines, as virt_lines under the removed ones; otherwise the edited
---    lines as they will read, as virt_lines under the last of them.
---@param edit hushcode.ByteEdit
---@param line fun(row: integer): string? the buffer's text of a row (0-based)
---@param line_count integer the buffer's number of lines
---@return { [1]: integer, [2]: integer, [3]: table }[]
function M.marks(edit, line, line_count)
  local marks = {}
  local last = line_count - 1
  -- LSP's position after the last line break is the end of the last line here.
  local past_end = edit.end_row > last
  local end_row = past_end and last or edit.end_row
  local end_col = past_end and #(line(last) or '') or edit.end_col
  if end_row > edit.start_row or end_col > edit.start_col then
    marks[#marks + 1] = { edit.start_row, edit.start_col,
      { end_row = end_row, end_col = end_col, hl_group = DELETE, strict = false } }
  end
  local new = vim.split(edit.text, '\n', { plain = true })
  local function lines_at(row, lines, above)
    local virt = {}
    for _, text in ipairs(lines) do
      virt[#virt + 1] = { { text, INSERT } }
    end
    marks[#marks + 1] = { row, 0, { virt_lines = virt, virt_lines_above = above, strict = false } }
  end
  if #new == 1 and edit.start_row == edit.end_row then
    if edit.text ~= '' then
      marks[#marks + 1] = { edit.end_row, edit.end_col,
        { virt_text = { { edit.text, INSERT } }, virt_text_pos = 'inline', strict = false } }
    end
  elseif edit.start_col == 0 and edit.end_col == 0 and new[#new] == '' then
    table.remove(new) -- whole lines: the last "line" is the empty rest after the final line break
    if #new > 0 then
      if past_end then
        lines_at(last, new, false)
      else
        lines_at(edit.end_row, new, true) -- above the first line the edit keeps
      end
    end
  else
    new[1] = (line(edit.start_row) or ''):sub(1, edit.start_col) .. new[1]
    new[#new] = new[#new] .. (past_end and '' or (line(edit.end_row) or ''):sub(edit.end_col + 1))
    lines_at(end_row, new, false)
  end
  return marks
end

--- Whether an edit at `row` needs a hint to be found: off the window's lines `top`..`bottom`, or
--- farther than NEAR_LINES from the cursor's row (all 0-based).
---@return boolean
function M.is_far(cursor_row, row, top, bottom)
  return row < top or row > bottom or math.abs(row - cursor_row) > M.NEAR_LINES
end

--- The hint shown at the cursor's line for a far edit: its line (1-based) and how to get there.
---@param row integer 0-based row of the edit
---@param key string|false|nil the jump key, if mapped
---@return string
function M.hint(row, key)
  return ('next edit: line %d, %s to jump'):format(row + 1, key or ':Hushcode next-edit jump')
end

return M
