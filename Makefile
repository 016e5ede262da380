# Huddle — a message broker for integrated neighbourhood teams.
#
#   make deps      install the Debian packages Huddle needs (only those missing)
#   make           build everything into bin/
#   make test      deps, build with warnings as errors, run every unit test, then the
#                  same tests under valgrind and under ASan + UBSan
#   make run       initialise var/ on first use and start Huddle in the foreground
#   make bench     build, then measure throughput and latency (bin/huddle bench: one JSON line)
#   make install   install bin/ into $(DESTDIR)$(PREFIX)/bin
#   make clean     remove build/ and bin/ (never var/)
#
# Project flags live in HD_CFLAGS; CFLAGS, CPPFLAGS and LDFLAGS are the user's.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
BUILD   ?= build
BIN     ?= bin
VAR     ?= var

# Debian packages: libraries, the protobuf-c compiler, and the test tools.
DEPS_PKGS := libzmq3-dev libprotobuf-c-dev protobuf-c-compiler liblmdb-dev lmdb-utils \
             libcmocka-dev pkg-config gcc make valgrind clang libclang-rt-14-dev
PC_LIBS   := libzmq libprotobuf-c lmdb
PC_TEST   := cmocka

WARN := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wcast-align -Wwrite-strings \
        -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition -Wvla \
        -Wformat=2 -Wundef -Wnull-dereference -Wimplicit-fallthrough
HD_CFLAGS := -std=c11 -O2 -g $(WARN) -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
             -MMD -MP -Iproto -Istore -Iagents -Ibroker -I$(BUILD)/gen
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -O1

ifeq ($(SAN),1)
HD_CFLAGS += $(SAN_FLAGS)
HD_LDFLAGS += $(SAN_FLAGS)
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PC_LIBS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PC_LIBS) 2>/dev/null)
TEST_CFLAGS = $(shell pkg-config --cflags $(PC_TEST) 2>/dev/null)
TEST_LIBS   = $(shell pkg-config --libs $(PC_TEST) 2>/dev/null)

# ---- sources ---------------------------------------------------------------
PROTOS   := $(wildcard proto/*.proto)
GEN_C    := $(PROTOS:proto/%.proto=$(BUILD)/gen/%.pb-c.c)
GEN_H    := $(GEN_C:.c=.h)
# libhuddle.a: the schema, helpers, store, client library and command-line helpers
# (options, keyfile, agent_cli, and the agents' CSV reader and formatters) every program
# links. agents/huddle_*.c are the agent programs themselves, not library code.
AGENT_SRC := $(wildcard agents/huddle_*.c)
LIB_SRC  := $(wildcard proto/*.c) $(wildcard store/*.c) $(filter-out $(AGENT_SRC),$(wildcard agents/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(GEN_C:$(BUILD)/gen/%.c=$(BUILD)/gen/%.o)
LIB      := $(BUILD)/libhuddle.a

# libbroker.a: the broker's modules, linked by huddled, its tests and its fuzz target.
BROKER_SRC := $(filter-out broker/main.c,$(wildcard broker/*.c))
BROKER_OBJ := $(BROKER_SRC:%.c=$(BUILD)/%.o)
BROKER_LIB := $(BUILD)/libbroker.a

# bin/huddle, the command line, is every tools/*.c linked together.
TOOL_SRC := $(wildcard tools/*.c)
TOOL_OBJ := $(TOOL_SRC:%.c=$(BUILD)/%.o)
# bin/huddle-NAME, a reference agent, is agents/huddle_NAME.c linked with libhuddle.a.
AGENTS   := $(AGENT_SRC:agents/huddle_%.c=$(BIN)/huddle-%)
TOOLS    := $(BIN)/huddle $(if $(wildcard broker/main.c),$(BIN)/huddled) $(AGENTS)

TEST_SRC := $(wildcard tests/test_*.c)
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)

VALGRIND := valgrind --quiet --trace-children=yes --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
            --show-leak-kinds=definite,indirect --track-fds=no --suppressions=tests/valgrind.supp

# Keep intermediate files (generated code, objects): rebuilding them is wasted work.
.SECONDARY:

.PHONY: all deps test check check-valgrind check-san fuzz run bench install uninstall clean
.DEFAULT_GOAL := all

all: $(TOOLS)
	@:

# ---- dependencies ----------------------------------------------------------
# Quick and silent when everything is present; apt-get otherwise (as root or via sudo).
deps:
	@missing=""; for p in $(DEPS_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" -eq 0 ] || SUDO=sudo; \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || \
	  { echo "deps: apt-get failed; install by hand:$$missing" >&2; exit 1; }; \
	fi

# ---- build -----------------------------------------------------------------
$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto $(PROTOS)
	@mkdir -p $(BUILD)/gen
	protoc-c --proto_path=proto --c_out=$(BUILD)/gen $<

# Every object may include any generated header: generate them all first.
$(BUILD)/%.o: %.c | $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(HD_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c | $(GEN_H)
	$(CC) $(HD_CFLAGS) $(PKG_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/%.o: tests/%.c | $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(HD_CFLAGS) $(PKG_CFLAGS) $(TEST_CFLAGS) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BROKER_LIB): $(BROKER_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN)/huddle: $(TOOL_OBJ) $(BROKER_LIB) $(LIB)
	@mkdir -p $(BIN)
	$(CC) $(HD_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread -lm

$(BIN)/huddle-%: $(BUILD)/agents/huddle_%.o $(LIB)
	@mkdir -p $(BIN)
	$(CC) $(HD_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(BIN)/huddled: $(BUILD)/broker/main.o $(BROKER_LIB) $(LIB)
	@mkdir -p $(BIN)
	$(CC) $(HD_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BROKER_LIB) $(LIB)
	$(CC) $(HD_LDFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(TEST_LIBS) -lm

# ---- tests -----------------------------------------------------------------
# `check` runs this build's tests; `make test` runs them plain, under valgrind, and
# again from a separate ASan + UBSan build tree.
check: $(TESTS) $(TOOLS)
	@HD_BIN=$(BIN) tests/run.sh "" $(TESTS)

check-valgrind: $(TESTS) $(TOOLS)
	@HD_BIN=$(BIN) HD_UNDER_VALGRIND=1 tests/run.sh "$(VALGRIND)" $(TESTS)

check-san:
	@$(MAKE) --no-print-directory BUILD=build/san BIN=build/san/bin SAN=1 check

test: deps
	@$(MAKE) --no-print-directory all $(TESTS)
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory check-valgrind
	@$(MAKE) --no-print-directory check-san
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=$(FUZZ_SECONDS)

# ---- fuzzing ---------------------------------------------------------------
# libFuzzer (clang) on frame decoding and dispatch, for FUZZ_SECONDS, from the seed
# corpus in tests/fuzz/seeds; what it learns stays in build/fuzz/corpus.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_SRC     := tests/fuzz_frame.c $(LIB_SRC) $(BROKER_SRC)

$(BUILD)/fuzz/fuzz_frame: $(FUZZ_SRC) $(GEN_C) | $(GEN_H)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Iproto -Istore -Iagents -Ibroker -Itests -I$(BUILD)/gen \
	  $(PKG_CFLAGS) $(FUZZ_SRC) $(GEN_C) -o $@ $(PKG_LIBS)

fuzz: $(BUILD)/fuzz/fuzz_frame
	@mkdir -p $(BUILD)/fuzz/corpus
	@echo "fuzz: frame decoding and dispatch for $(FUZZ_SECONDS)s"
	@$(BUILD)/fuzz/fuzz_frame -max_total_time=$(FUZZ_SECONDS) -max_len=8192 -timeout=10 \
	  -print_final_stats=1 $(BUILD)/fuzz/corpus tests/fuzz/seeds 2>$(BUILD)/fuzz/last.log || \
	  { tail -n 60 $(BUILD)/fuzz/last.log; echo "fuzz: FAILED (crash input saved in the current directory)"; exit 1; }
	@grep -E '^stat::number_of_executed_units' $(BUILD)/fuzz/last.log | sed 's/^/fuzz: /'
	@echo "1 passed, 0 failed"

# ---- run -------------------------------------------------------------------
run: deps
	@$(MAKE) --no-print-directory all
	@tools/run.sh $(BIN) $(VAR)

# ---- benchmark -------------------------------------------------------------
# Against a broker of its own on a fresh store, with the defaults (bin/huddle bench
# --help lists the options); the JSON line goes to stdout, so runs can be compared.
bench: deps
	@$(MAKE) --no-print-directory all
	@$(BIN)/huddle bench

# ---- install ---------------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(TOOLS) $(DESTDIR)$(PREFIX)/bin/

uninstall:
	rm -f $(TOOLS:$(BIN)/%=$(DESTDIR)$(PREFIX)/bin/%)

clean:
	rm -rf build $(BIN)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
