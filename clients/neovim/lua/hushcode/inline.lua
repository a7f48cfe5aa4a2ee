--- Ghost text on Neovim 0.12 (`vim.lsp.inline_completion`): accept all, a word or a line,
--- cycle through alternatives, dismiss.
---
--- Neovim has no partial accept. These take the suggestion through `get({ on_accept })`, which
--- also clears it, and insert the part at the cursor; the cursor's move makes Neovim ask the
--- server again, which continues from there.
local M = {}
local api = vim.api

local namespace = api.nvim_create_namespace('nvim.lsp.inline_completion')

---@return boolean
function M.supported()
  return vim.lsp.inline_completion ~= nil
end

--- Whether a suggestion is on screen in the current buffer.
---@return boolean
function M.visible()
  return #api.nvim_buf_get_extmarks(0, namespace, 0, -1, { limit = 1 }) > 0
end

--- The first word of a suggestion: its leading blanks (newlines too), then a run of word
--- characters (any non-ASCII byte counts as one), or else a run of other non-blank characters.
---@param text string
---@return string
function M.first_word(text)
  return text:match('^%s*[%w_\128-\255]+') or text:match('^%s*[^%w_%s\128-\255]+') or text
end

--- The first line of a suggestion: its leading newlines, then the text up to the next newline.
---@param text string
---@return string
function M.first_line(text)
  return text:match('^\n*[^\n]*')
end

--- The part of `item` that is not in the buffer yet, and the end of the text it replaces.
---
--- While the server's answer to a newer keystroke is on its way, the suggestion on screen is one
--- made before the last characters were typed: when those characters match it, the rest is still
--- good. hushcode's ranges start at the cursor of the request and may reach past it on the same
--- line (closing brackets the suggestion retypes), so what was typed since is the text between the
--- range's start and the cursor, and it pushed the range's end right by as much.
---@param item vim.lsp.inline_completion.Item
---@param bufnr integer
---@param row integer 0-based
---@param col integer 0-based byte column
---@return string? rest nil when the buffer no longer agrees with the suggestion
---@return integer end_row
---@return integer end_col
local function pending(item, bufnr, row, col)
  local text = item.insert_text
  if type(text) ~= 'string' then
    return nil, row, col
  end
  if not item.range then
    return text, row, col
  end
  local start_row, start_col, end_row, end_col = item.range:to_extmark()
  if start_row ~= row or col < start_col then
    return nil, row, col
  end
  local typed = api.nvim_buf_get_text(bufnr, row, start_col, row, col, {})[1] or ''
  if text:sub(1, #typed) ~= typed then
    return nil, row, col
  end
  if end_row ~= row then
    -- A range over several lines: only as it was (nothing typed since).
    return #typed == 0 and text or nil, end_row, end_col
  end
  local line_length = #(api.nvim_buf_get_lines(bufnr, row, row + 1, false)[1] or '')
  return text:sub(#typed + 1), row, math.min(end_col + #typed, line_length)
end

--- Replace the text from the cursor to (end_row, end_col) with `text`; put the cursor after it.
local function put(bufnr, win, row, col, end_row, end_col, text)
  local lines = vim.split(text, '\n', { plain = true })
  api.nvim_buf_set_text(bufnr, row, col, end_row, end_col, lines)
  local last = #lines
  api.nvim_win_set_cursor(win, { row + last, (last == 1 and col or 0) + #lines[last] })
end

local function from_hushcode(item)
  local client = vim.lsp.get_client_by_id(item.client_id)
  return client ~= nil and client.name == 'hushcode'
end

--- Accept the suggestion, or the part of it that `pick` chooses.
---@param pick? fun(text: string): string
---@return boolean accepted false when there was no suggestion
local function accept_with(pick)
  if not M.supported() then
    return false
  end
  return vim.lsp.inline_completion.get({
    on_accept = function(item)
      if pick == nil and not from_hushcode(item) then
        return item -- another server's suggestion: Neovim's own accept
      end
      local win = api.nvim_get_current_win()
      local bufnr = api.nvim_win_get_buf(win)
      local row, col = unpack(api.nvim_win_get_cursor(win))
      row = row - 1
      local rest, end_row, end_col = pending(item, bufnr, row, col)
      if rest == nil then
        -- A snippet (Neovim expands it), or a suggestion for text that is no longer there.
        return (pick == nil and type(item.insert_text) ~= 'string') and item or nil
      end
      local part = pick and pick(rest) or rest
      if part ~= rest then
        put(bufnr, win, row, col, row, col, part) -- a part: what follows the cursor stays
      elseif rest == item.insert_text then
        return item -- as it came (nothing typed since): Neovim's own accept, which runs its command
      else
        put(bufnr, win, row, col, end_row, end_col, rest)
      end
      return nil
    end,
  })
end

--- Accept the whole suggestion.
function M.accept()
  return accept_with(nil)
end

--- Accept the suggestion's next word.
function M.accept_word()
  return accept_with(M.first_word)
end

--- Accept the suggestion's next line.
function M.accept_line()
  return accept_with(M.first_line)
end

--- The buffer's inline completion state in Neovim (private: vim.lsp._capability), if it is there.
---@param bufnr integer
local function completor(bufnr)
  local ok, capability = pcall(require, 'vim.lsp._capability')
  local class = ok and type(capability.all) == 'table' and capability.all.inline_completion
  local active = class and type(class.active) == 'table' and class.active[bufnr]
  if active and type(active.handler) == 'function' and type(active.count_items) == 'function' then
    return active
  end
end

--- Where alternatives were last asked for, per buffer: { changedtick, row, col }.
local asked = {}

--- Ask the hushcode server for alternatives (a manual trigger), show them, then move by `count`.
---
--- Neovim 0.12 asks with triggerKind Automatic only, and hushcode answers that with one
--- suggestion; a manual trigger (Invoked) gets alternatives. Neovim has no public way to ask so:
--- this sends the request itself and hands the answer to the buffer's inline completion state,
--- as Neovim's own requests do. False when that state cannot be reached.
---@param bufnr integer
---@param count integer
---@return boolean
local function ask_alternatives(bufnr, count)
  local state = completor(bufnr)
  local client = vim.lsp.get_clients({ name = 'hushcode', bufnr = bufnr })[1]
  if not state or not client then
    return false
  end
  local win = api.nvim_get_current_win()
  local row, col = unpack(api.nvim_win_get_cursor(win))
  asked[bufnr] = { vim.b[bufnr].changedtick, row, col }
  local params = {
    textDocument = vim.lsp.util.make_text_document_params(bufnr),
    position = vim.lsp.util.make_position_params(win, client.offset_encoding).position,
    context = { triggerKind = vim.lsp.protocol.InlineCompletionTriggerKind.Invoked },
  }
  client:request('textDocument/inlineCompletion', params, function(err, result, ctx)
    local now = api.nvim_win_get_cursor(win)
    if err or not result or now[1] ~= row or now[2] ~= col or not api.nvim_get_mode().mode:match('^i') then
      return -- the user moved on
    end
    state:handler(err, result, ctx)
    vim.lsp.inline_completion.select({ bufnr = bufnr, count = count })
  end, bufnr)
  return true
end

--- `lsp.Handler` for `hushcode/askAgain`: the server has a suggestion worth asking for in
--- `params.uri` (reason "ready": a request there found the model still loading). When that buffer
--- is current and in insert mode, ask again at the cursor, as a keystroke would.
---@param params { uri: string, reason: string }?
function M.ask_again(_, params)
  if not (M.supported() and type(params) == 'table' and type(params.uri) == 'string') then
    return
  end
  vim.schedule(function()
    local bufnr = api.nvim_get_current_buf()
    if vim.uri_from_bufnr(bufnr) ~= params.uri or not api.nvim_get_mode().mode:match('^i') then
      return
    end
    local state = completor(bufnr)
    if state and type(state.automatic_request) == 'function' then
      state:automatic_request()
    end
  end)
end

--- Show the next (count > 0) or previous alternative. The first time at a position, ask the
--- server for alternatives.
---@param count integer
function M.cycle(count)
  if not (M.supported() and M.visible()) then
    return false
  end
  local bufnr = api.nvim_get_current_buf()
  local state = completor(bufnr)
  local row, col = unpack(api.nvim_win_get_cursor(0))
  local last = asked[bufnr]
  local here = last and last[1] == vim.b[bufnr].changedtick and last[2] == row and last[3] == col
  if state and state:count_items() <= 1 and not here and ask_alternatives(bufnr, count) then
    return true
  end
  vim.lsp.inline_completion.select({ count = count })
  return true
end

--- Hide the suggestion and cancel the request in flight; a new one comes on the next keystroke.
function M.dismiss()
  if not (M.supported() and M.visible()) then
    return false
  end
  vim.lsp.inline_completion.get({
    on_accept = function()
      return nil
    end,
  })
  return true
end

--- Turn ghost text on or off in a buffer.
---@param enable boolean
---@param bufnr integer
function M.enable(enable, bufnr)
  vim.lsp.inline_completion.enable(enable, { bufnr = bufnr })
end

return M
