-- hushcode: set up on LspAttach and define :Hushcode. The server starts only once the config is
-- enabled (`require('hushcode').setup()` or `vim.lsp.enable('hushcode')`).
if vim.g.loaded_hushcode or vim.fn.has('nvim-0.11') == 0 then
  return
end
vim.g.loaded_hushcode = true
require('hushcode').install()
