-- hushcode: inline code completion from a local model (`hushcode serve`, LSP over stdio).
--
-- A `vim.lsp.Config` for `vim.lsp.config()` / `vim.lsp.enable()` (Neovim 0.11+). Everything else
-- (ghost text on 0.12, the completion fallback on 0.11, keymaps, statusline) is set up by the
-- plugin on LspAttach; `require('hushcode').setup(opts)` fills `cmd` and `init_options` from
-- user options. See docs/editors/neovim.md.

---@type vim.lsp.Config
return {
  cmd = require('hushcode.server').default_cmd(),
  filetypes = require('hushcode.server').filetypes,
  root_markers = { '.git', '.hg', 'pyproject.toml', 'package.json', 'go.mod', 'Cargo.toml', 'Makefile' },
  -- camelCase, as the server reads them: { model = { path = ... }, completion = { maxTokens = ... } }
  init_options = vim.empty_dict(),
  handlers = {
    ['hushcode/status'] = function(...)
      return require('hushcode.status').handler(...)
    end,
    ['hushcode/askAgain'] = function(...)
      return require('hushcode.inline').ask_again(...)
    end,
  },
}
