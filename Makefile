# REMACTO Ledger — build, run, test, bench, fuzz.
#   make         builds build/remactod and build/remacto
#   make run     installs what is missing, builds, and starts the main job on embedded defaults
#   make test    installs what is missing, builds, runs unit (also under ASan/UBSan),
#                integration and browser tests
#   make bench   performance benchmarks (results go to docs/BENCHMARKS.md by hand)
#   make fuzz    short bounded libFuzzer runs of every decoder harness

BUILD    ?= build
CC       ?= cc
PKGS      = libwebsockets libprotobuf-c lmdb jansson inih libcrypto libssl
OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla
CPPFLAGS += -std=c11 -D_GNU_SOURCE -I. -Inode -I$(BUILD)/gen -MMD -MP
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

PROTOS    = $(wildcard proto/*.proto)
GEN_C     = $(patsubst proto/%.proto,$(BUILD)/gen/%.pb-c.c,$(PROTOS))
GEN_H     = $(GEN_C:.c=.h)
MAINS     = node/cli/remacto.c node/daemon/remactod.c
LAYERS    = node/core node/store peers node/views node/daemon node/cli
LIB_SRC   = $(filter-out $(MAINS),$(foreach d,$(LAYERS),$(wildcard $(d)/*.c)))
LIB_OBJ   = $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC)) \
            $(patsubst $(BUILD)/gen/%.c,$(BUILD)/obj/gen/%.o,$(GEN_C))
TEST_PROTOS = $(wildcard tests/unit/*.proto)
TEST_GEN_O  = $(patsubst tests/unit/%.proto,$(BUILD)/obj/gen/%.pb-c.o,$(TEST_PROTOS))
TEST_GEN_H  = $(patsubst tests/unit/%.proto,$(BUILD)/gen/%.pb-c.h,$(TEST_PROTOS))
UNIT_SRC  = $(wildcard tests/unit/*/test_*.c)
UNIT_BIN  = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
BINS      = $(BUILD)/remacto $(BUILD)/remactod

.PHONY: all deps test-deps run run-node test unit integration browser asan bench fuzz clean
.DELETE_ON_ERROR:
.SECONDARY: $(GEN_C) $(GEN_H) $(TEST_GEN_H) $(TEST_GEN_H:.h=.c)

all: deps $(BINS)

deps:
	@deploy/deps.sh build
test-deps:
	@deploy/deps.sh test

$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto
	@mkdir -p $(@D)
	protoc-c --proto_path=proto --c_out=$(BUILD)/gen $<

# Test-only schemas (tests/unit/*.proto), linked into the unit tests that use them.
$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: tests/unit/%.proto
	@mkdir -p $(@D)
	protoc-c --proto_path=tests/unit --c_out=$(BUILD)/gen $<

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) -w -c -o $@ $<

$(BUILD)/obj/tests/%.o: CPPFLAGS += -Itests/unit

$(BUILD)/obj/%.o: %.c | $(GEN_H) $(TEST_GEN_H)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

$(BUILD)/libremacto.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/remacto: $(BUILD)/obj/node/cli/remacto.o $(BUILD)/libremacto.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/remactod: $(BUILD)/obj/node/daemon/remactod.o $(BUILD)/libremacto.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libremacto.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/tests/core/test_pbjson: $(BUILD)/obj/tests/unit/core/test_pbjson.o $(TEST_GEN_O) $(BUILD)/libremacto.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

run: deps $(BINS)
	@deploy/run.sh $(BUILD)

# One node on the embedded defaults, seeded with the demo programme.
run-node: deps $(BINS)
	@deploy/run-node.sh $(BUILD)

# Unit tests, then the same unit tests built with ASan/UBSan, then the integration scenarios,
# then the dashboard in a headless browser.
test: test-deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory BUILD=build/asan OPT=-O1 \
	    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	    LDFLAGS="-fsanitize=address,undefined" unit
	@$(MAKE) --no-print-directory integration
	@$(MAKE) --no-print-directory browser

unit: $(BUILD)/libremacto.a $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN)

integration: $(BINS)
	@tests/run-integration.sh $(BUILD)

browser: $(BINS)
	@tests/browser/run.sh $(BUILD)

bench: test-deps
	@deploy/deps.sh bench
	@$(MAKE) --no-print-directory all $(BUILD)/bench_log $(BUILD)/bench_compliance $(BUILD)/bench_fed_gen
	@tests/bench/run.sh $(BUILD)

fuzz:
	@deploy/deps.sh build fuzz
	@tests/fuzz/run.sh $(or $(FUZZ_SECONDS),20)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

$(BUILD)/bench_log: $(BUILD)/obj/tests/bench/bench_log.o $(BUILD)/libremacto.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench_compliance: $(BUILD)/obj/tests/bench/bench_compliance.o $(BUILD)/libremacto.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bench_fed_gen: $(BUILD)/obj/tests/bench/bench_fed_gen.o $(BUILD)/libremacto.a
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)
