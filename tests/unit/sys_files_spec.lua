-- core.isdir and core.readfile (src/lua/l_sys.c): what snmp.conf's reader
-- (moonwalk.cli.conf) uses to look for its files at each start.
local core = require "moonwalk.core"
local R = require "run"

describe("core.isdir and core.readfile", function()
  local d
  before_each(function() d = R.tmpdir() end)
  after_each(function() os.execute("rm -rf " .. d) end)

  it("isdir: a directory that can be opened, nothing else", function()
    R.write(d .. "/f", "x\n")
    os.execute("mkdir " .. d .. "/sub")
    assert.is_true(core.isdir(d))
    assert.is_true(core.isdir(d .. "/sub"))
    assert.is_false(core.isdir(d .. "/f"))
    assert.is_false(core.isdir(d .. "/f/."))
    assert.is_false(core.isdir(d .. "/none"))
    assert.is_false(core.isdir(""))
  end)

  it("readfile: the bytes of a file, whatever its size; nil, a message and errno when it cannot be read", function()
    -- empty, small, and past the read buffer (with a NUL and CRLF lines)
    local big = {}
    for i = 1, 5000 do big[i] = string.format("line %d\r\n", i) end
    big = table.concat(big) .. "\0tail"
    for _, text in ipairs { "", "mibs :\n", big } do
      R.write(d .. "/f", text)
      assert.equal(text, core.readfile(d .. "/f"))
    end
    local v, msg, errno = core.readfile(d .. "/none")
    assert.is_nil(v)
    assert.equal(d .. "/none: No such file or directory", msg)
    assert.equal(2, errno)
    v, msg, errno = core.readfile(d)
    assert.is_nil(v)
    assert.equal(d .. ": Is a directory", msg)
    assert.equal(21, errno)
  end)
end)
