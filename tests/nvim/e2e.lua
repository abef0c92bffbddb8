-- End-to-end test of `credlint lsp` through Neovim's own LSP client (Neovim 0.7+: uses
-- vim.lsp.start_client/buf_attach_client, which 0.7 has; vim.lsp.start is 0.8+).
-- Environment: CREDLINT_BIN, CREDLINT_ROOT, CREDLINT_OUT, and CREDLINT_CASES, a list of
-- `path=filetype` separated by `;`. Writes `key=value` lines to CREDLINT_OUT, then quits.
local bin = os.getenv('CREDLINT_BIN')
local root = os.getenv('CREDLINT_ROOT')
local out_path = os.getenv('CREDLINT_OUT')
local cases = os.getenv('CREDLINT_CASES')
local results = {}
local function log(s) table.insert(results, s) end

local ok, err = pcall(function()
  local published = {}
  local client_id = vim.lsp.start_client({
    name = 'credlint',
    cmd = { bin, 'lsp' },
    root_dir = root,
    handlers = {
      ['textDocument/publishDiagnostics'] = function(e, result, ctx, config)
        published[result.uri] = result
        return vim.lsp.handlers['textDocument/publishDiagnostics'](e, result, ctx, config)
      end,
    },
  })
  log('client=' .. tostring(client_id ~= nil))
  local n = 0
  for spec in string.gmatch(cases, '[^;]+') do
    n = n + 1
    local path, ft = string.match(spec, '^(.*)=(.*)$')
    local p = 'case' .. n .. '.'
    vim.cmd('edit ' .. vim.fn.fnameescape(path))
    local bufnr = vim.api.nvim_get_current_buf()
    vim.bo[bufnr].filetype = ft
    vim.lsp.buf_attach_client(bufnr, client_id)
    local uri = vim.uri_from_bufnr(bufnr)
    local arrived = vim.wait(15000, function() return #vim.diagnostic.get(bufnr) > 0 end, 20)
    log(p .. 'diagnostics_arrived=' .. tostring(arrived))
    local d = published[uri].diagnostics[1]
    log(p .. 'count=' .. #published[uri].diagnostics)
    log(p .. 'code=' .. d.code)
    log(p .. 'source=' .. d.source)
    log(p .. 'href=' .. d.codeDescription.href)
    log(p .. 'message=' .. string.gsub(d.message, '\n', ' | '))
    local params = {
      textDocument = vim.lsp.util.make_text_document_params(bufnr),
      range = d.range,
      context = { diagnostics = { d } },
    }
    local responses = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeAction', params, 10000)
    local action
    local titles = {}
    for _, resp in pairs(responses or {}) do
      for _, a in ipairs(resp.result or {}) do
        table.insert(titles, a.title)
        if a.isPreferred then action = a end
      end
    end
    log(p .. 'actions=' .. table.concat(titles, ' | '))
    log(p .. 'quickfix=' .. action.title)
    local before = #published[uri].diagnostics
    local client = vim.lsp.get_client_by_id(client_id)
    vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
    local fewer = vim.wait(15000, function() return #vim.diagnostic.get(bufnr) < before end, 20)
    log(p .. 'fewer_after_fix=' .. tostring(fewer))
    log(p .. 'remaining=' .. #vim.diagnostic.get(bufnr))
    local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
    local f = io.open(path .. '.nvim-out', 'w')
    f:write(table.concat(lines, '\n') .. '\n')
    f:close()
  end
  log('done=true')
end)
if not ok then log('lua_error=' .. tostring(err)) end
local f = io.open(out_path, 'w')
f:write(table.concat(results, '\n') .. '\n')
f:close()
vim.cmd('qa!')
