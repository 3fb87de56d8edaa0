# REMACTO Ledger — build, run, test, bench, fuzz.
#   make         builds build/remactod and build/remacto (hardened; installs nothing)
#   make deps    installs the Debian packages the build needs (deploy/deps.sh, the only place
#                that installs anything); run, test, bench and fuzz call it first
#   make run     installs what is missing, builds, and starts a local demo federation
#   make test    installs what is missing, builds, runs lint, unit and integration tests (both
#                also under ASan/UBSan), the short chaos schedules, browser tests and a short
#                ThreadSanitizer run
#   make chaos   the long chaos run: CHAOS_SCHEDULES (200) seeded fault schedules (tests/chaos/)
#   make lint    layer rules over the #include lines (tools/check-layers.sh) and the house style
#                on the lines changed since main (tools/check-format.sh)
#   make bench   performance benchmarks (results go to docs/BENCHMARKS.md by hand)
#   make fuzz    short bounded libFuzzer runs of every decoder harness
#   make deb     the Debian package build/deb/remacto_<version>_<arch>.deb, checked by lintian
#   make tsan    the daemon, the CLI and the unit tests under ThreadSanitizer, with the
#                integration scenarios that run threads; any race report fails it

BUILD    ?= build
CC       ?= cc
PKGS      = libwebsockets libprotobuf-c lmdb jansson inih libcrypto libssl libsystemd
# The one place the version is written: the package's changelog.
VERSION  := $(shell awk 'NR == 1 { gsub(/[()]/, "", $$2); print $$2 }' deploy/debian/changelog)
# The command-line tool speaks HTTP as a client (libcurl) and draws PDF reports (cairo, pango);
# remactod links libcurl only, for the outside witnesses it asks (witclient.c, its own thread).
CLI_PKGS  = libcurl pangocairo
CLI_LIBS  = $(shell pkg-config --libs $(CLI_PKGS) 2>/dev/null)
DAEMON_LIBS = $(shell pkg-config --libs libcurl 2>/dev/null)
OPT      ?= -O2
CFLAGS   ?= $(OPT) -g
WARN      = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla
# Release hardening (Debian's hardening=+all set): bounds-checked libc calls, stack canaries,
# a position-independent executable, and the GOT read-only after start. Off in any build whose
# CFLAGS ask for a sanitizer (ASan, UBSan, TSan bring their own checks and FORTIFY gets in their
# way), or with HARDEN= HARDEN_LD= on the command line.
SANITIZED  = $(findstring -fsanitize,$(CFLAGS))
HARDEN    ?= $(if $(SANITIZED),,-D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE)
HARDEN_LD ?= $(if $(SANITIZED),,-pie -Wl,-z,relro -Wl,-z,now)
CPPFLAGS += -std=c11 -D_GNU_SOURCE -I. -Inode -I$(BUILD)/gen -MMD -MP
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

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

.PHONY: all deps test-deps run run-node test lint unit integration browser asan bench fuzz clean deb deb-install-test \
	tsan
.DELETE_ON_ERROR:
.SECONDARY: $(GEN_C) $(GEN_H) $(TEST_GEN_H) $(TEST_GEN_H:.h=.c)

all: $(BINS)

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

$(BUILD)/gen/version.h: deploy/debian/changelog
	@mkdir -p $(@D)
	printf '#define REMACTO_VERSION "%s"\n' '$(VERSION)' > $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(HARDEN) -w -c -o $@ $<

$(BUILD)/obj/tests/%.o: CPPFLAGS += -Itests/unit

$(BUILD)/obj/%.o: %.c | $(GEN_H) $(TEST_GEN_H) $(BUILD)/gen/version.h
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(HARDEN) $(WARN) -c -o $@ $<

# The PDF reports draw with cairo and pango.
$(BUILD)/obj/node/cli/report_pdf.o: CPPFLAGS += $(shell pkg-config --cflags pangocairo 2>/dev/null)

# The OpenAPI description is built into remactod (.incbin in openapi.c).
$(BUILD)/obj/node/daemon/openapi.o: docs/openapi.json
# So is the table of the regions' names (.incbin in regions.c).
$(BUILD)/obj/node/views/regions.o: config/regions.csv

$(BUILD)/libremacto.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/remacto: $(BUILD)/obj/node/cli/remacto.o $(BUILD)/libremacto.a
	$(CC) $(CFLAGS) $(LDFLAGS) $(HARDEN_LD) -o $@ $^ $(CLI_LIBS) $(LDLIBS)

$(BUILD)/remactod: $(BUILD)/obj/node/daemon/remactod.o $(BUILD)/libremacto.a
	$(CC) $(CFLAGS) $(LDFLAGS) $(HARDEN_LD) -o $@ $^ $(DAEMON_LIBS) $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(BUILD)/libremacto.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $(HARDEN_LD) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/tests/core/test_pbjson: $(BUILD)/obj/tests/unit/core/test_pbjson.o $(TEST_GEN_O) $(BUILD)/libremacto.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LDFLAGS) $(HARDEN_LD) -o $@ $^ $(LDLIBS) -lcmocka

# Packages first, then a fresh make (so that pkg-config sees what deps installed).
run: deps
	@$(MAKE) --no-print-directory all
	@deploy/run.sh $(BUILD)

# One node on the embedded defaults, seeded with the demo programme.
run-node: deps
	@$(MAKE) --no-print-directory all
	@deploy/run-node.sh $(BUILD)

# The same targets built with ASan/UBSan into build/asan.
SAN_MAKE = $(MAKE) --no-print-directory BUILD=build/asan OPT=-O1 HARDEN= HARDEN_LD= \
    CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
    LDFLAGS="-fsanitize=address,undefined"

# The scenarios the ASan/UBSan pass leaves to the plain one: no hostile input, replication or
# storage in them (packaging, docs, monitoring rules, the PDF drawing, nginx, the launcher), or
# they cannot run under ASan at all (systemd_sandbox traces the daemon with strace, and
# LeakSanitizer does not work under ptrace), or they measure behaviour under volume over fixed
# spans of time and repeat code paths other sanitized scenarios take (fed_frozen, fed_flood;
# fed_converge also runs under TSan). docs/RELIABILITY.md has the time this saves.
SAN_INTEGRATION_EXCEPT = systemd_sandbox systemd_notify man_pages openapi prometheus_rules \
    nginx_cache monitoring deploy_run report_pdf fed_frozen fed_flood fed_converge

# Lint, unit tests and integration scenarios, each also with the daemon and CLI built with
# ASan/UBSan (the scenarios but SAN_INTEGRATION_EXCEPT), then the short chaos schedules, then
# the dashboard in a headless browser, then the short ThreadSanitizer run (`make tsan` with the
# unit tests of the threaded code and TSAN_SHORT).
test: test-deps
	@$(MAKE) --no-print-directory all
	@out=$$(tools/check-hardening.sh $(BINS)) || { echo "$$out"; exit 1; }; \
	    echo "check-hardening: ok (PIE, RELRO, bind now, stack protector, FORTIFY)"
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory unit
	@$(SAN_MAKE) unit
	@$(MAKE) --no-print-directory integration
	@$(SAN_MAKE) INTEGRATION_EXCEPT="$(SAN_INTEGRATION_EXCEPT)" integration
	@$(MAKE) --no-print-directory chaos-short
	@$(MAKE) --no-print-directory browser
	@$(MAKE) --no-print-directory tsan TSAN_SCENARIOS="$(TSAN_SHORT)" \
	    TSAN_UNITS="$(TSAN_SHORT_UNITS)"

lint:
	@tools/test-check-layers.sh >/dev/null || tools/test-check-layers.sh
	@tools/check-layers.sh
	@tools/check-format.sh

unit: $(BUILD)/libremacto.a $(UNIT_BIN)
	@tests/run-unit.sh $(UNIT_BIN)

integration: $(BINS)
	@tests/run-integration.sh $(BUILD) $(if $(INTEGRATION_EXCEPT),--except "$(INTEGRATION_EXCEPT)")

browser: $(BINS)
	@tests/browser/run.sh $(BUILD)

# ThreadSanitizer (tests/run-tsan.sh): the unit tests (TSAN_UNITS, all by default), then the
# scenarios that exercise the threads — publishing under concurrent load and kill -9
# (daemon_api), live updates from the writer (dashboard_live), federations replicating through
# the writer (fed_converge, fed_equivocation), the witness's writes and its client's thread
# (tlog_witness), a write refused whole at the ledger's size limit (storage_full).
# make test runs the short form: the unit tests whose code runs threads (the writer, the map
# under readers, publishing through the writer), publishing under load and kill -9, and a
# federation replicating through the writer (about 45 s of CPU with the build, see
# CONTRIBUTING.md).
TSAN_SCENARIOS ?= daemon_api dashboard_live fed_converge fed_equivocation tlog_witness storage_full
TSAN_UNITS ?= $(patsubst tests/unit/%.c,%,$(UNIT_SRC))
TSAN_SHORT = daemon_api fed_converge
TSAN_SHORT_UNITS = store/test_writer store/test_map daemon/test_publish cli/test_ingest
TSAN_FLAGS = BUILD=build/tsan OPT=-O1 HARDEN= HARDEN_LD= \
	CFLAGS="-O1 -g -fsanitize=thread -fno-omit-frame-pointer" LDFLAGS="-fsanitize=thread"
tsan: test-deps
	@$(MAKE) --no-print-directory $(TSAN_FLAGS) all $(addprefix build/tsan/tests/,$(TSAN_UNITS))
	@tests/run-tsan.sh build/tsan "$(TSAN_UNITS)" $(TSAN_SCENARIOS)

.PHONY: chaos chaos-short
chaos-short: $(BINS)
	@tests/chaos/run.sh --build $(BUILD) --short

chaos: test-deps
	@$(MAKE) --no-print-directory all
	@tests/chaos/run.sh --build $(BUILD) --long

bench: test-deps
	@deploy/deps.sh bench
	@$(MAKE) --no-print-directory all $(BUILD)/bench_log $(BUILD)/bench_compliance $(BUILD)/bench_fed_gen \
	    $(BUILD)/bench_search
	@tests/bench/run.sh $(BUILD)

fuzz:
	@deploy/deps.sh build fuzz
	@tests/fuzz/run.sh $(or $(FUZZ_SECONDS),20)

# The Debian package, built from a copy of the tree with deploy/debian as debian/ (see
# deploy/debian/README.source), then checked by lintian and tests/package/contents.sh.
deb:
	@deploy/deps.sh build deb
	@deploy/debian/build.sh $(BUILD)/deb

# Installs, runs, upgrades, removes and purges the built package on this machine with dpkg
# (root; it changes the system: for CI or a throwaway machine).
deb-install-test:
	@sh tests/package/install.sh $(BUILD)/deb/remacto_$(VERSION)_$(shell dpkg --print-architecture).deb

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

$(BUILD)/bench_log: $(BUILD)/obj/tests/bench/bench_log.o $(BUILD)/libremacto.a
	$(CC) $(CFLAGS) $(LDFLAGS) $(HARDEN_LD) -o $@ $^ $(LDLIBS)

$(BUILD)/bench_compliance: $(BUILD)/obj/tests/bench/bench_compliance.o $(BUILD)/libremacto.a
	$(CC) $(CFLAGS) $(LDFLAGS) $(HARDEN_LD) -o $@ $^ $(LDLIBS)

$(BUILD)/bench_search: $(BUILD)/obj/tests/bench/bench_search.o $(BUILD)/libremacto.a
	$(CC) $(CFLAGS) $(LDFLAGS) $(HARDEN_LD) -o $@ $^ $(LDLIBS)

$(BUILD)/bench_fed_gen: $(BUILD)/obj/tests/bench/bench_fed_gen.o $(BUILD)/libremacto.a
	$(CC) $(CFLAGS) $(LDFLAGS) $(HARDEN_LD) -o $@ $^ $(LDLIBS)
