# moonwalk - SNMP runtime scripted in Lua 5.4
#
#   make                 build/moonwalk and build/lua/moonwalk/core.so
#   make test            every busted spec; ends with "N passed, N failed"
#   make test SANITIZE=1 the same on an ASan+UBSan build (build/asan)
#   make run             the demo (examples/demo.lua)
#   make fuzz            builds and runs each libFuzzer target FUZZ_TIME s (60)
#   make install PREFIX=/usr/local

VERSION := 0.1.0
PREFIX ?= /usr/local
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

LUA_CFLAGS := $(shell pkg-config --cflags lua5.4)
LUA_LIBS := $(shell pkg-config --libs lua5.4)
EV_LIBS := -levent -levent_core
TLS_LIBS := -lmbedcrypto

CFLAGS_ALL := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror=implicit-function-declaration \
	-fPIC $(OPT) $(SANFLAGS) $(LUA_CFLAGS) -DMW_VERSION='"$(VERSION)"' \
	-DMW_LUADIR='"$(PREFIX)/share/moonwalk/lua"' $(CFLAGS)
LDLIBS_ALL := $(EV_LIBS) $(TLS_LIBS) -lm

LIB_SRC := $(sort $(wildcard src/core/*.c src/usm/*.c src/net/*.c src/app/*.c src/mib/*.c src/lua/*.c))
LIB_OBJ := $(patsubst src/%.c,$(B)/obj/%.o,$(LIB_SRC))
DEPS := $(LIB_OBJ:.o=.d) $(B)/obj/main.d

all: $(B)/moonwalk $(B)/lua/moonwalk/core.so

$(B)/obj/%.o: src/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(B)/libmoonwalk.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/moonwalk: $(B)/obj/main.o $(B)/libmoonwalk.a
	$(CC) $(SANFLAGS) -rdynamic -o $@ $(B)/obj/main.o -Wl,--whole-archive $(B)/libmoonwalk.a -Wl,--no-whole-archive $(LUA_LIBS) $(LDLIBS_ALL) $(LDFLAGS)

$(B)/lua/moonwalk/core.so: $(B)/libmoonwalk.a
	@mkdir -p $(dir $@)
	$(CC) $(SANFLAGS) -shared -o $@ -Wl,--whole-archive $(B)/libmoonwalk.a -Wl,--no-whole-archive $(LDLIBS_ALL) $(LDFLAGS)

-include $(DEPS)

deps:
	@sh scripts/deps.sh

test: deps all
	@MOONWALK_BUILD=$(B) SANITIZE=$(SANITIZE) sh scripts/run-tests.sh $(TESTS)

run: deps all
	$(B)/moonwalk run examples/demo.lua

FUZZ_TIME ?= 60
fuzz: deps
	@$(MAKE) -C tests/fuzz FUZZ_TIME=$(FUZZ_TIME)

bench: deps all
	@sh scripts/bench/run-all.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/moonwalk/lua/moonwalk \
		$(DESTDIR)$(PREFIX)/lib/lua/5.4/moonwalk $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(B)/moonwalk $(DESTDIR)$(PREFIX)/bin/moonwalk
	install -m 644 $(B)/lua/moonwalk/core.so $(DESTDIR)$(PREFIX)/lib/lua/5.4/moonwalk/core.so
	cp -R lua/moonwalk/. $(DESTDIR)$(PREFIX)/share/moonwalk/lua/moonwalk/
	install -d $(DESTDIR)$(PREFIX)/share/moonwalk/mibs
	cp -R mibs/. $(DESTDIR)$(PREFIX)/share/moonwalk/mibs/
	if [ -f doc/moonwalk.1 ]; then install -m 644 doc/moonwalk.1 $(DESTDIR)$(PREFIX)/share/man/man1/; fi

clean:
	rm -rf build

.PHONY: all deps test run fuzz bench install clean
