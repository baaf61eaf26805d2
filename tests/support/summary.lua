-- busted output handler: one line per test, then the plain summary line
-- "N passed, N failed" that CI reads. Errors outside tests count as failed.
return function(options)
  local busted = require 'busted'
  local handler = require 'busted.outputHandlers.base'()
  local passed, failed = 0, 0
  local failures = {}

  local function name(element)
    return handler.getFullName(element)
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

  local function record(element, parent, message, trace)
    failed = failed + 1
    local where = element and (element.trace and element.trace.short_src or '') or ''
    failures[#failures + 1] = string.format('%s %s\n%s', name(element), where, tostring(message))
    return nil, true
  end

  handler.failureTest = function(element, parent, message, debug)
    failures[#failures + 1] = string.format('%s\n%s', name(element), tostring(message))
    return nil, true
  end

  handler.errorFile = function(element, parent, message, trace)
    return record(element, parent, message, trace)
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
  busted.subscribe({ 'failure', 'it' }, handler.failureTest)
  busted.subscribe({ 'error', 'it' }, handler.failureTest)
  busted.subscribe({ 'error', 'file' }, handler.errorFile)
  busted.subscribe({ 'failure', 'file' }, handler.errorFile)
  busted.subscribe({ 'error', 'describe' }, handler.errorFile)
  busted.subscribe({ 'failure', 'describe' }, handler.errorFile)
  busted.subscribe({ 'error', 'suite' }, handler.errorFile)
  busted.subscribe({ 'suite', 'end' }, handler.suiteEnd)
  return handler
end
