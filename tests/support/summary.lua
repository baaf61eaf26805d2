-- busted output handler: one line per test, then the plain summary line
-- "N passed, N failed" that CI reads. An error outside a test (loading a
-- file, setup, teardown, before_each, ...) counts as a failure too, so a
-- block that never ran cannot pass unnoticed.
return function(options)
  local busted = require 'busted'
  local handler = require 'busted.outputHandlers.base'()
  local passed, failed = 0, 0
  local failures = {}

  local function name(element)
    local ok, n = pcall(handler.getFullName, element)
    return ok and n or tostring(element and element.name or "?")
  end

  handler.testEnd = function(element, parent, status, debug)
    if status == 'success' then
      passed = passed + 1
      io.write('ok   ', name(element), '\n')
    elseif status == 'pending' then
      io.write('skip ', name(element), '\n')
    else
      failed = failed + 1
      io.write('FAIL ', name(element), '\n')
    end
    io.flush()
    return nil, true
  end

  -- failures and errors of tests are counted at test end; everything else
  -- (file, describe, setup, teardown, before_each, after_each) here
  local function problem(element, parent, message, debug)
    local d = element and element.descriptor
    if d == 'it' or d == 'pending' then
      failures[#failures + 1] = string.format('%s\n%s', name(element), tostring(message))
      return nil, true
    end
    failed = failed + 1
    local where = debug and debug.short_src and (debug.short_src .. ':' .. tostring(debug.currentline)) or ''
    local label = string.format('%s (%s) %s', name(element), tostring(d), where)
    io.write('FAIL ', label, '\n')
    failures[#failures + 1] = string.format('%s\n%s', label, tostring(message))
    return nil, true
  end

  handler.suiteEnd = function()
    if #failures > 0 then
      io.write('\nFailures:\n')
      for _, f in ipairs(failures) do io.write('\n', f, '\n') end
    end
    io.write(string.format('\n%d passed, %d failed\n', passed, failed))
    io.flush()
    return nil, true
  end

  busted.subscribe({ 'test', 'end' }, handler.testEnd, { predicate = handler.cancelOnPending })
  busted.subscribe({ 'error' }, problem)
  busted.subscribe({ 'failure' }, problem)
  busted.subscribe({ 'suite', 'end' }, handler.suiteEnd)
  return handler
end
