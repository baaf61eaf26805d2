# moonwalk - SNMP runtime scripted in Lua 5.4
#
#   make                 build/moonwalk and build/lua/moonwalk/core.so
#   make test            every busted spec; ends with "N passed, N failed"
#   make test SANITIZE=1 the same on an ASan+UBSan build (build/asan)
#   make run             the demo (examples/demo.lua; PORT=N for another port)
#   make fuzz            builds and runs each libFuzzer target FUZZ_TIME s (60)
#   make install PREFIX=/usr/local
#
# Nothing is read from the system (pkg-config) before scripts/deps.sh has
# run: the compile and link lines are expanded only when their recipes run,
# and every object waits for the deps target. `make run` installs what
# building and running need (deps.sh run); `make` and `make install` add
# the MIB modules (deps.sh build);
# `make test`, `make bench`, `make fuzz` and `make deps` add what the tests
# and benchmarks need (deps.sh test). NODEPS=1 skips the step.

VERSION := 0.1.0
PREFIX ?= /usr/local
# where the C core looks for the MIB modules when they are not found next
# to the Lua files (the rock keeps them in its own directory)
MIBDIR ?= $(PREFIX)/share/moonwalk/mibs
LUAVER := 5.4
CC ?= cc
ifeq ($(CC),cc)
CC := gcc
endif

ifeq ($(SANITIZE),1)
B ?= build/asan
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT := -O1 -g
else
B ?= build
SANFLAGS :=
OPT := -O2 -g
endif

# Asked from pkg-config the first time a recipe needs them (after deps), then
# kept; LUA_CFLAGS=... LUA_LIBS=... on the command line skip pkg-config.
LUA_CFLAGS = $(eval LUA_CFLAGS := $(shell pkg-config --cflags lua5.4))$(LUA_CFLAGS)
LUA_LIBS = $(eval LUA_LIBS := $(shell pkg-config --libs lua5.4))$(LUA_LIBS)
# -levent_pthreads: the NATS client's threads (reconnect, pings) add and
# remove events on the loop, so with --cluster the loop gets libevent's locks
# (core.loop_threads, l_engine.c)
EV_LIBS := -levent -levent_core -levent_pthreads
TLS_LIBS := -lmbedcrypto
# host MIBs (src/app/host_*.c): rtnetlink through libnl-route-3, processes
# through libproc2. Their headers only: the libraries are opened with dlopen
# when an agent first serves a module that needs them (src/app/hostlib.h),
# so nothing links them and no other start maps them.
HOST_PKGS := libnl-route-3.0 libproc2
HOST_CFLAGS = $(eval HOST_CFLAGS := $(shell pkg-config --cflags $(HOST_PKGS)))$(HOST_CFLAGS)

CFLAGS_ALL = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror=implicit-function-declaration \
	-fPIC $(OPT) $(SANFLAGS) $(LUA_CFLAGS) $(HOST_CFLAGS) $(NATS_CFLAGS) -DMW_VERSION='"$(VERSION)"' $(CFLAGS)
# the cluster (src/lua/l_nats.c): the NATS C client's headers (libnats-dev);
# the library itself is opened with dlopen when a cluster is asked for, so
# a start that needs none does not load it (nor OpenSSL with it)
NATS_CFLAGS = $(eval NATS_CFLAGS := $(shell pkg-config --exists libnats 2>/dev/null && pkg-config --cflags libnats))$(NATS_CFLAGS)
LDLIBS_ALL = $(EV_LIBS) $(TLS_LIBS) -ldl -lpthread -lm

LIB_SRC := $(sort $(wildcard src/core/*.c src/usm/*.c src/net/*.c src/app/*.c src/mib/*.c src/lua/*.c))
LIB_OBJ := $(patsubst src/%.c,$(B)/obj/%.o,$(LIB_SRC))
DEPS := $(LIB_OBJ:.o=.d) $(B)/obj/main.d $(B)/obj/embed.d $(B)/obj/mlazy.d

all: $(B)/moonwalk $(B)/lua/moonwalk/core.so

# Which package set the deps step installs: the test set when a goal needs
# it, the run set for `make run` alone, else the build set.
ifneq ($(filter test bench fuzz deps,$(MAKECMDGOALS)),)
DEPS_SET := test
else ifeq ($(MAKECMDGOALS),run)
DEPS_SET := run
else
DEPS_SET := build
endif

$(B)/obj/%.o: src/%.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

# PREFIX and MIBDIR are compiled into one object only (l_paths.o); it is
# rebuilt whenever they differ from the last build's.
$(B)/paths.stamp: FORCE
	@mkdir -p $(B)
	@echo 'PREFIX=$(PREFIX) MIBDIR=$(MIBDIR)' > $@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv -f $@.new $@; fi
$(B)/obj/lua/l_paths.o: $(B)/paths.stamp
$(B)/obj/lua/l_paths.o: CFLAGS_ALL += -DMW_PREFIX='"$(PREFIX)"' -DMW_MIBDIR='"$(MIBDIR)"'

$(B)/libmoonwalk.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# The Lua modules, compiled to bytecode and built into the binary (not into
# core.so): a one-shot command does not read and compile them at each start.
LUA_MODS := $(sort $(wildcard lua/moonwalk/*.lua lua/moonwalk/*/*.lua lua/moonwalk/*/*/*.lua))
$(B)/gen/embed_mods.c: $(LUA_MODS) scripts/embed-lua.lua | deps
	@mkdir -p $(dir $@)
	lua5.4 scripts/embed-lua.lua $@ lua $(LUA_MODS)

$(B)/obj/gen/embed_mods.o: $(B)/gen/embed_mods.c | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Isrc -c $< -o $@

BIN_OBJ := $(B)/obj/main.o $(B)/obj/embed.o $(B)/obj/gen/embed_mods.o

# The binary links the archives of Lua (all of it: -rdynamic exports its
# API to C modules a script requires), libevent and mbedTLS, which their
# -dev packages ship: a one-shot command then maps and relocates libc only,
# not a dozen shared libraries (libm is opened on first use: src/mlazy.c;
# libnl and libproc2, with libsystemd and its six, when an agent serves
# host MIBs: src/app/hostlib.h).
# STATIC=0 links the shared libraries instead. core.so, loaded by a
# system lua5.4, always links them shared.
ifeq ($(STATIC),0)
BIN_LIBS = $(LUA_LIBS) $(LDLIBS_ALL)
else
BIN_OBJ += $(B)/obj/mlazy.o
BIN_LIBS = -Wl,-Bstatic -Wl,--whole-archive -llua$(LUAVER) -Wl,--no-whole-archive \
	-levent_pthreads -levent $(TLS_LIBS) -Wl,-Bdynamic -ldl -lpthread
endif

# The relative relocations (some 1,700 pointers in tables of functions) in
# the packed form (DT_RELR, glibc 2.36): 41 KiB of them the dynamic linker
# read at each start become a few hundred bytes. Where the linker or the C
# library cannot, the usual form. Asked when the recipe runs, as above.
RELR = $(shell printf 'int main(void){return 0;}\n' | $(CC) -x c -o /dev/null -Wl,-z,pack-relative-relocs - 2>/dev/null && echo -Wl,-z,pack-relative-relocs)

$(B)/moonwalk: $(BIN_OBJ) $(B)/libmoonwalk.a
	$(CC) $(SANFLAGS) -rdynamic -o $@ $(BIN_OBJ) -Wl,--whole-archive $(B)/libmoonwalk.a -Wl,--no-whole-archive $(BIN_LIBS) -Wl,-O1 $(RELR) $(LDFLAGS)

$(B)/lua/moonwalk/core.so: $(B)/libmoonwalk.a
	@mkdir -p $(dir $@)
	$(CC) $(SANFLAGS) -shared -o $@ -Wl,--whole-archive $(B)/libmoonwalk.a -Wl,--no-whole-archive $(LDLIBS_ALL) $(LDFLAGS)

-include $(DEPS)

deps:
ifneq ($(NODEPS),1)
	@sh scripts/deps.sh $(DEPS_SET)
endif

test: deps all
	@MOONWALK_BUILD=$(B) SANITIZE=$(SANITIZE) sh scripts/run-tests.sh $(TESTS)

# PORT: the agent's port (the receiver takes PORT+1); by default 16161, or
# the next free pair when that one is taken.
PORT ?=
run: deps all
	@$(B)/moonwalk run examples/demo.lua $(if $(PORT),-- port=$(PORT))

FUZZ_TIME ?= 60
fuzz: deps
	@$(MAKE) -C tests/fuzz FUZZ_TIME=$(FUZZ_TIME)

bench: deps all
	@sh scripts/bench/run-all.sh

# The Lua files go where Lua 5.4 looks for modules under PREFIX
# (share/lua/5.4, lib/lua/5.4): with PREFIX=/usr/local plain lua5.4 finds
# them as they are.
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/lua/$(LUAVER)/moonwalk \
		$(DESTDIR)$(PREFIX)/lib/lua/$(LUAVER)/moonwalk $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(B)/moonwalk $(DESTDIR)$(PREFIX)/bin/moonwalk
	install -m 644 $(B)/lua/moonwalk/core.so $(DESTDIR)$(PREFIX)/lib/lua/$(LUAVER)/moonwalk/core.so
	cp -R lua/moonwalk/. $(DESTDIR)$(PREFIX)/share/lua/$(LUAVER)/moonwalk/
	install -d $(DESTDIR)$(MIBDIR)
	cp -R mibs/. $(DESTDIR)$(MIBDIR)/
	if [ -f doc/moonwalk.1 ]; then install -m 644 doc/moonwalk.1 $(DESTDIR)$(PREFIX)/share/man/man1/; fi

clean:
	rm -rf build

FORCE:

.PHONY: all deps test run fuzz bench install clean FORCE
