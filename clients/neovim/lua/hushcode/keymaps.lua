--- Keymaps, set per buffer when hushcode attaches. Each falls back to the key's own meaning when
--- there is nothing for it to do.
---
--- Insert mode: the inline suggestion's keys. A next edit (next_edit.lua) shares two of them: the
--- accept key applies it and the dismiss key hides it, when no inline suggestion is on screen.
--- Normal mode, for next edits only: the accept key, `<Esc>` (`dismiss_edit`) and the jump key.
local M = {}

M.descriptions = {
  accept = 'hushcode: accept the suggestion or the next edit',
  accept_word = 'hushcode: accept the next word',
  accept_line = 'hushcode: accept the next line',
  next = 'hushcode: next alternative',
  prev = 'hushcode: previous alternative',
  dismiss = 'hushcode: dismiss the suggestion or the next edit',
  dismiss_edit = 'hushcode: dismiss the next edit',
  jump = 'hushcode: jump to the next edit',
}

--- `action`, or the next edit's `fallback` when no inline suggestion is on screen and a next
--- edit is.
local function or_next_edit(action, fallback)
  return function()
    local inline = require('hushcode.inline')
    local ghost = inline.supported() and inline.visible() or vim.fn.pumvisible() == 1
    if not ghost and require('hushcode.next_edit').visible() then
      return fallback()
    end
    return action()
  end
end

local function insert_actions()
  local inline = require('hushcode.inline')
  local next_edit = require('hushcode.next_edit')
  if not inline.supported() then
    -- 0.11: the suggestion is an item of the completion menu.
    return { accept = or_next_edit(require('hushcode.fallback').accept, next_edit.accept), jump = next_edit.jump }
  end
  return {
    accept = or_next_edit(inline.accept, next_edit.accept),
    accept_word = inline.accept_word,
    accept_line = inline.accept_line,
    next = function()
      return inline.cycle(1)
    end,
    prev = function()
      return inline.cycle(-1)
    end,
    dismiss = or_next_edit(inline.dismiss, next_edit.dismiss),
    jump = next_edit.jump,
  }
end

local function normal_actions()
  local next_edit = require('hushcode.next_edit')
  return { accept = next_edit.accept, dismiss_edit = next_edit.dismiss, jump = next_edit.jump }
end

local function map(mode, bufnr, lhs, name, action)
  vim.keymap.set(mode, lhs, function()
    if not require('hushcode.status').enabled then
      return lhs -- :Hushcode toggle turned completions off
    end
    local result = action()
    if type(result) == 'string' then
      return result
    end
    return result and '' or lhs -- nothing to do: the key does what it did before
  end, { buffer = bufnr, expr = true, replace_keycodes = true, desc = M.descriptions[name] })
end

--- Set the keymaps in a buffer. `keys` maps an action to a key, or false to leave it unmapped.
---@param bufnr integer
---@param keys table<string, string|false>|false
function M.attach(bufnr, keys)
  if not keys then
    return
  end
  for mode, actions in pairs({ i = insert_actions(), n = normal_actions() }) do
    for name, action in pairs(actions) do
      if keys[name] then
        map(mode, bufnr, keys[name], name, action)
      end
    end
  end
end

return M
