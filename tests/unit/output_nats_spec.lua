-- mw.output.nats without a server (lua/moonwalk/output.lua): subjects
-- from the template, the stream's default subjects, and its refusal to
-- start without a NATS connection. The stream itself: tests/interop/
-- cluster_output_spec.lua.
local mw = require "moonwalk"
local out = require "moonwalk.output"

describe("mw.output.nats", function()
  it("is mw.output.nats", function()
    assert.equal(out.nats, mw.output.nats)
  end)

  it("fills the subject template from the result, tokens made safe", function()
    assert.equal("moonwalk.poll.ifmib.10_0_0_1", out.subject_of("moonwalk.poll.{job}.{target}",
      { job = "ifmib", target = "10.0.0.1" }))
    assert.equal("p.a_b_c_d._", out.subject_of("p.{job}.{target}", { job = "a b*c>d" }))
  end)

  it("captures the template's fixed part in the stream", function()
    assert.same({ "moonwalk.poll.>" }, out.default_subjects("moonwalk.poll.{job}.{target}"))
    assert.same({ "results" }, out.default_subjects("results"))
    assert.same({ ">" }, out.default_subjects("{job}"))
  end)

  it("needs a cluster or servers", function()
    assert.has_error(function() out.nats { subject = "x.{job}" } end,
      "output.nats needs cluster = (or moonwalk run --cluster) or servers = {\"nats://...\"}")
  end)
end)
