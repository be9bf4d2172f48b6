-- Drives sqlalchemy-lint's language server from headless Neovim (0.7+):
-- diagnostics arrive, hover answers, a code action's edit is applied.
-- Usage: nvim --headless --clean -u NONE -c "luafile neovim_lsp.lua" FILE
-- Environment: SQLALCHEMY_LINT_PYTHON (interpreter), RESULT_FILE (where to write JSON).
local python = os.getenv("SQLALCHEMY_LINT_PYTHON") or "python3"
local result_file = os.getenv("RESULT_FILE")
local results = {}

local function finish(ok, message)
  results.ok = ok
  results.message = message
  local handle = io.open(result_file, "w")
  handle:write(vim.fn.json_encode(results))
  handle:close()
  if ok then vim.cmd("qall!") else vim.cmd("cquit 1") end
end

local buf = vim.api.nvim_get_current_buf()
local path = vim.api.nvim_buf_get_name(buf)
local client_id = vim.lsp.start_client({
  name = "sqlalchemy-lint",
  cmd = { python, "-m", "sqlalchemy_lint", "server" },
  root_dir = vim.fn.fnamemodify(path, ":h"),
  init_options = { settings = { debounceMs = 20 } },
})
if not client_id then finish(false, "the server did not start") end
vim.lsp.buf_attach_client(buf, client_id)

local got = vim.wait(20000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
if not got then finish(false, "no diagnostics arrived") end
local diagnostic = vim.diagnostic.get(buf)[1]
results.diagnostic = { code = diagnostic.code, lnum = diagnostic.lnum, col = diagnostic.col,
                       message = diagnostic.message, source = diagnostic.source }

-- Hover over `engine` in `engine.connect()`.
local hover = vim.lsp.buf_request_sync(buf, "textDocument/hover", {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  position = { line = diagnostic.lnum, character = diagnostic.col + 1 },
}, 10000)
for _, response in pairs(hover or {}) do
  if response.result and response.result.contents then
    results.hover = response.result.contents.value
  end
end

-- Ask for code actions with the line's LSP diagnostics (0.7 keeps them here).
local line_diagnostics = vim.lsp.diagnostic.get_line_diagnostics(buf, diagnostic.lnum)
local actions = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", {
  textDocument = { uri = vim.uri_from_bufnr(buf) },
  range = line_diagnostics[1].range,
  context = { diagnostics = line_diagnostics },
}, 10000)
results.actions = {}
local preferred
for _, response in pairs(actions or {}) do
  for _, action in ipairs(response.result or {}) do
    table.insert(results.actions, action.title)
    if action.isPreferred then preferred = action end
  end
end
if not preferred then finish(false, "no preferred code action") end
vim.lsp.util.apply_workspace_edit(preferred.edit, "utf-16")
results.fixed_text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n")

-- The edit reaches the server as didChange; the warning must go away.
local cleared = vim.wait(20000, function() return #vim.diagnostic.get(buf) == 0 end, 50)
results.cleared = cleared
finish(cleared, cleared and "ok" or "diagnostics did not clear after the fix")
