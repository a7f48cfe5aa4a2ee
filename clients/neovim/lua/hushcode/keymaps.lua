--- Insert-mode keymaps, set per buffer when hushcode attaches. Each falls back to the key's own
--- meaning when there is no suggestion.
local M = {}

M.descriptions = {
  accept = 'hushcode: accept the suggestion',
  accept_word = 'hushcode: accept the next word',
  accept_line = 'hushcode: accept the next line',
  next = 'hushcode: next alternative',
  prev = 'hushcode: previous alternative',
  dismiss = 'hushcode: dismiss the suggestion',
}

local function actions()
  local inline = require('hushcode.inline')
  if not inline.supported() then
    -- 0.11: the suggestion is an item of the completion menu.
    return { accept = require('hushcode.fallback').accept }
  end
  return {
    accept = inline.accept,
    accept_word = inline.accept_word,
    accept_line = inline.accept_line,
    next = function()
      return inline.cycle(1)
    end,
    prev = function()
      return inline.cycle(-1)
    end,
    dismiss = inline.dismiss,
  }
end

--- Set the keymaps in a buffer. `keys` maps an action to a key, or false to leave it unmapped.
---@param bufnr integer
---@param keys table<string, string|false>|false
function M.attach(bufnr, keys)
  if not keys then
    return
  end
  for name, action in pairs(actions()) do
    local lhs = keys[name]
    if lhs then
      vim.keymap.set('i', lhs, function()
        if not require('hushcode.status').enabled then
          return lhs -- :Hushcode toggle turned completions off
        end
        local result = action()
        if type(result) == 'string' then
          return result
        end
        return result and '' or lhs -- no suggestion: the key does what it did before
      end, { buffer = bufnr, expr = true, replace_keycodes = true, desc = M.descriptions[name] })
    end
  end
end

return M
