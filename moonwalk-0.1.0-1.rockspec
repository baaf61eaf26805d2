-- sh scripts/deps.sh rock && luarocks --lua-version 5.4 make
-- Builds the C half with the project's Makefile (libevent, mbedTLS and
-- Lua 5.4 headers from the system: see scripts/deps.sh) and installs the
-- module (require "moonwalk"), its C core, the moonwalk command and the MIB
-- modules (in the rock's directory, which the C core is built to know).
-- --lua-version 5.4: Debian's luarocks otherwise builds for its default Lua.
rockspec_format = "3.0"
package = "moonwalk"
version = "0.1.0-1"
source = {
  url = "git+file://./moonwalk",  -- luarocks make builds the checked-out tree
}
description = {
  summary = "SNMP for Lua 5.4 on libevent: manager, trap receiver and embedded agent",
  detailed = [[
moonwalk is a C runtime for SNMP (v1, v2c, v3 with every USM protocol)
driven from Lua 5.4 coroutines on one libevent loop: an evented manager
(get, walk, bulkwalk, set, tables against thousands of agents), a
notification receiver and originator, an embedded agent whose objects are
defined in Lua, outputs to Prometheus, InfluxDB and JSON lines, and a
net-snmp compatible command line.
]],
  license = "BSD-2-Clause",
  labels = { "snmp", "monitoring", "network", "libevent" },
}
-- moonwalk.json also needs lua-cjson (Debian: lua-cjson); it is not listed
-- here so that a system-wide copy is used as it is.
dependencies = {
  "lua >= 5.4, < 5.5",
}
external_dependencies = {
  LIBEVENT = { header = "event2/event.h", library = "event" },
  MBEDCRYPTO = { header = "mbedtls/md.h", library = "mbedcrypto" },
  -- the cluster (moonwalk.cluster): the NATS C client (Debian: libnats-dev),
  -- opened at run time when a cluster is asked for
  NATS = { header = "nats/adapters/libevent.h", library = "nats" },
}
build = {
  type = "make",
  build_target = "all",
  build_variables = {
    B = "build/luarocks",
    CFLAGS = "$(CFLAGS) -I$(LIBEVENT_INCDIR) -I$(MBEDCRYPTO_INCDIR) -I$(NATS_INCDIR)",
    LDFLAGS = "-L$(LIBEVENT_LIBDIR) -L$(MBEDCRYPTO_LIBDIR) -L$(NATS_LIBDIR)",
    PREFIX = "$(PREFIX)",
    MIBDIR = "$(PREFIX)/mibs",
  },
  -- the Makefile's install target lays files out for a system prefix;
  -- luarocks places them from this table instead
  install_pass = false,
  install = {
    lua = {
      ["moonwalk.agent"        ] = "lua/moonwalk/agent.lua",
      ["moonwalk.agent_rowtable"] = "lua/moonwalk/agent_rowtable.lua",
      ["moonwalk.cli"          ] = "lua/moonwalk/cli.lua",
      ["moonwalk.cluster"      ] = "lua/moonwalk/cluster.lua",
      ["moonwalk.cli.agent"    ] = "lua/moonwalk/cli/agent.lua",
      ["moonwalk.cli.args"     ] = "lua/moonwalk/cli/args.lua",
      ["moonwalk.cli.common"   ] = "lua/moonwalk/cli/common.lua",
      ["moonwalk.cli.conf"     ] = "lua/moonwalk/cli/conf.lua",
      ["moonwalk.cli.engineid" ] = "lua/moonwalk/cli/engineid.lua",
      ["moonwalk.cli.run"      ] = "lua/moonwalk/cli/run.lua",
      ["moonwalk.cli.snmp"     ] = "lua/moonwalk/cli/snmp.lua",
      ["moonwalk.cli.snmp.more"] = "lua/moonwalk/cli/snmp/more.lua",
      ["moonwalk.cli.table"    ] = "lua/moonwalk/cli/table.lua",
      ["moonwalk.cli.translate"] = "lua/moonwalk/cli/translate.lua",
      ["moonwalk.cli.trap"     ] = "lua/moonwalk/cli/trap.lua",
      ["moonwalk.cli.trapd"    ] = "lua/moonwalk/cli/trapd.lua",
      ["moonwalk.cli.usage"    ] = "lua/moonwalk/cli/usage.lua",
      ["moonwalk.fmt"          ] = "lua/moonwalk/fmt.lua",
      ["moonwalk.influx"       ] = "lua/moonwalk/influx.lua",
      ["moonwalk"              ] = "lua/moonwalk/init.lua",
      ["moonwalk.json"         ] = "lua/moonwalk/json.lua",
      ["moonwalk.log"          ] = "lua/moonwalk/log.lua",
      ["moonwalk.mib"          ] = "lua/moonwalk/mib.lua",
      ["moonwalk.notify"       ] = "lua/moonwalk/notify.lua",
      ["moonwalk.output"       ] = "lua/moonwalk/output.lua",
      ["moonwalk.prometheus"   ] = "lua/moonwalk/prometheus.lua",
      ["moonwalk.runtime"      ] = "lua/moonwalk/runtime.lua",
      ["moonwalk.sched"        ] = "lua/moonwalk/sched.lua",
      ["moonwalk.session"      ] = "lua/moonwalk/session.lua",
      ["moonwalk.session.more" ] = "lua/moonwalk/session/more.lua",
      ["moonwalk.rate"         ] = "lua/moonwalk/rate.lua",
      ["moonwalk.shard"        ] = "lua/moonwalk/shard.lua",
      ["moonwalk.syslog"       ] = "lua/moonwalk/syslog.lua",
      ["moonwalk.trapd"        ] = "lua/moonwalk/trapd.lua",
      ["moonwalk.trapstream"   ] = "lua/moonwalk/trapstream.lua",
      ["moonwalk.users"        ] = "lua/moonwalk/users.lua",
      ["moonwalk.v1trap"       ] = "lua/moonwalk/v1trap.lua",
      ["moonwalk.v3"           ] = "lua/moonwalk/v3.lua",
      ["moonwalk.value"        ] = "lua/moonwalk/value.lua",
    },
    lib = {
      ["moonwalk.core"] = "build/luarocks/lua/moonwalk/core.so",
    },
    bin = {
      moonwalk = "build/luarocks/moonwalk",
    },
  },
  copy_directories = { "examples", "doc", "mibs" },
}
