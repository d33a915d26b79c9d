# hln - the Health Learning Network node. `make check` tests, `make demo` shows it working.
# Sources are found by wildcard: a new module (crypto/ proto/ store/ node/*.c,
# node/hlnd/*.c, node/hlnctl/*.c), test (tests/test_*.c, tests/t_*.sh), fuzz
# target (tests/fuzz/fuzz_*.c) or perf program (tests/perf/perf_*.c) needs no
# edit here. Files named *_main.c are program entry points.
#
# Three archives keep the layers of docs/ARCHITECTURE.md: libhln.a (crypto,
# proto, store, node/*.c), libhlnd.a (node/hlnd) and libhlnctl.a
# (node/hlnctl). hlnd links libhlnd.a + libhln.a, hlnctl libhlnctl.a +
# libhln.a, unit tests and fuzzers libhln.a alone (the tests of hlnctl's
# modules add libhlnctl.a, the fuzzers of hlnd's handlers libhlnd.a), so a
# call from the library up into a program, or between the programs, fails the link.

CC      ?= cc
BUILD   ?= build
PREFIX  ?= /usr/local
DESTDIR ?=
PKGS     = libzmq libsodium lmdb msgpack inih json-c libsystemd
OPT     ?= -O2 -g
WARN     = -Wall -Wextra -Wshadow -Werror
CPPFLAGS_HLN = -D_GNU_SOURCE -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CFLAGS_HLN   = -std=c11 $(WARN) $(OPT) $(CPPFLAGS_HLN) $(EXTRA_CFLAGS)
LIBS_HLN     = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcsv -lm -lpthread
CMOCKA_LIBS  = $(shell pkg-config --libs cmocka 2>/dev/null)

LIB_SRC  = $(wildcard crypto/*.c proto/*.c store/*.c node/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/%.o)
HLND_SRC = $(filter-out %_main.c,$(wildcard node/hlnd/*.c))
HLND_OBJ = $(HLND_SRC:%.c=$(BUILD)/%.o)
CTL_SRC  = $(filter-out %_main.c,$(wildcard node/hlnctl/*.c))
CTL_OBJ  = $(CTL_SRC:%.c=$(BUILD)/%.o)
SIM_SRC  = $(filter-out %_main.c,$(wildcard tests/sim/*.c))
SIM_OBJ  = $(SIM_SRC:%.c=$(BUILD)/%.o)
TEST_SRC = $(wildcard tests/test_*.c)
TESTS    = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
PERF_SRC = $(wildcard tests/perf/perf_*.c)
PERFS    = $(PERF_SRC:tests/perf/%.c=$(BUILD)/perf/%)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZERS  = $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
# Programs the shell tests drive besides hlnd and hlnctl (rules at the end).
TOOLS    = $(BUILD)/tests/hostile $(BUILD)/tests/report_driver $(BUILD)/tests/netfault
HDRS     = $(wildcard crypto/*.h proto/*.h store/*.h node/*.h node/hlnd/*.h node/hlnctl/*.h tests/*.h tests/sim/*.h)
BINS     = $(BUILD)/hlnd $(BUILD)/hlnctl

.PHONY: layers all deps check test asan fuzz fuzz-check fuzz-long perf soak sim demo install clean format
.DELETE_ON_ERROR:

all: $(BINS)

# The include rule of docs/ARCHITECTURE.md (the link enforces the call rule).
layers:
	@python3 scripts/check_layers.py

deps:
	@sh scripts/deps.sh

$(BUILD)/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_HLN) -c $< -o $@

$(BUILD)/libhln.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libhlnd.a: $(HLND_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libhlnctl.a: $(CTL_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libhlnsim.a: $(SIM_OBJ)
	@rm -f $@
	$(if $(SIM_OBJ),ar rcs $@ $(SIM_OBJ),printf '!<arch>\n' > $@)

$(BUILD)/hlnd: $(BUILD)/node/hlnd/hlnd_main.o $(BUILD)/libhlnd.a $(BUILD)/libhln.a
	$(CC) $(OPT) $(EXTRA_CFLAGS) -o $@ $^ $(LIBS_HLN)

$(BUILD)/hlnctl: $(BUILD)/node/hlnctl/hlnctl_main.o $(BUILD)/libhlnctl.a $(BUILD)/libhln.a
	$(CC) $(OPT) $(EXTRA_CFLAGS) -o $@ $^ $(LIBS_HLN)

$(BUILD)/tests/%: $(BUILD)/tests/%.o $(BUILD)/libhlnsim.a $(BUILD)/libhln.a
	$(CC) $(OPT) $(EXTRA_CFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LIBS_HLN)

# Tests of hlnctl's own modules (tests/test_cmd_*.c, the report) link its
# archive too; every other unit test sees the library alone.
$(BUILD)/tests/test_cmd_%: $(BUILD)/tests/test_cmd_%.o $(BUILD)/libhlnctl.a $(BUILD)/libhln.a
	$(CC) $(OPT) $(EXTRA_CFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LIBS_HLN)
$(BUILD)/tests/test_report: $(BUILD)/tests/test_report.o $(BUILD)/libhlnctl.a $(BUILD)/libhln.a
	$(CC) $(OPT) $(EXTRA_CFLAGS) -o $@ $^ $(CMOCKA_LIBS) $(LIBS_HLN)

$(BUILD)/perf/%: tests/perf/%.c $(BUILD)/libhlnsim.a $(BUILD)/libhln.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_HLN) -o $@ $< $(BUILD)/libhlnsim.a $(BUILD)/libhln.a $(LIBS_HLN)

# Every test: cmocka binaries, then shell tests that drive the real programs.
check: deps
	@python3 scripts/check_layers.py
	@$(MAKE) --no-print-directory all $(TESTS) $(TOOLS)
	@$(MAKE) --no-print-directory fuzz-check
	@BUILD=$(BUILD) sh scripts/run-tests.sh $(TESTS) $(sort $(wildcard tests/t_*.sh))

test: check

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all" \
	  all $(TESTS:$(BUILD)/%=build-asan/%) $(TOOLS:$(BUILD)/%=build-asan/%)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  BUILD=build-asan HLN_SLOW=1 sh scripts/run-tests.sh $(TESTS:$(BUILD)/%=build-asan/%) $(sort $(wildcard tests/t_*.sh))

# libFuzzer targets, built with clang against the library sources.
FUZZ_CC    ?= clang
FUZZ_FLAGS  = -std=c11 -g -O1 -D_GNU_SOURCE -I. $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_OBJ    = $(LIB_SRC:%.c=$(BUILD)/fuzz/lib/%.o)
$(BUILD)/fuzz/lib/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -c $< -o $@
$(BUILD)/fuzz/libhln.a: $(FUZZ_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/fuzz/%: tests/fuzz/%.c $(BUILD)/fuzz/libhln.a $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(BUILD)/fuzz/libhln.a $(LIBS_HLN)
# Fuzzers of hlnd's own handlers (tests/fuzz/fuzz_hlnd_*.c: the control
# command handler, the peer-message handler) link its archive, instrumented
# the same way, over the library's.
FUZZ_HLND_OBJ = $(HLND_SRC:%.c=$(BUILD)/fuzz/lib/%.o)
$(BUILD)/fuzz/libhlnd.a: $(FUZZ_HLND_OBJ)
	@rm -f $@
	ar rcs $@ $^
$(BUILD)/fuzz/fuzz_hlnd_%: tests/fuzz/fuzz_hlnd_%.c tests/fuzz/hlnd_fixture.h $(BUILD)/fuzz/libhlnd.a \
  $(BUILD)/fuzz/libhln.a $(HDRS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(BUILD)/fuzz/libhlnd.a $(BUILD)/fuzz/libhln.a $(LIBS_HLN)

fuzz: $(FUZZERS)
	@for f in $(FUZZERS); do n=$$(basename $$f); mkdir -p $(BUILD)/fuzz/corpus-$$n; \
	  echo "fuzz: $$n for $${FUZZ_SECONDS:-60}s"; \
	  $$f -max_total_time=$${FUZZ_SECONDS:-60} $(BUILD)/fuzz/corpus-$$n tests/fuzz/corpus/$$n || exit 1; done

# A short bounded pass over the checked-in corpus (part of check).
fuzz-check: $(FUZZERS)
	@for f in $(FUZZERS); do n=$$(basename $$f); \
	  mkdir -p $(BUILD)/fuzz/new-$$n; \
	  $$f -runs=3000 -max_total_time=15 -seed=1 $(BUILD)/fuzz/new-$$n tests/fuzz/corpus/$$n >$(BUILD)/fuzz/$$n.log 2>&1 \
	    || { tail -30 $(BUILD)/fuzz/$$n.log; echo "fuzz-check: $$n FAILED"; exit 1; }; \
	  echo "fuzz-check: $$n ok"; done

perf: deps
	@$(MAKE) --no-print-directory OPT="-O2 -g -DNDEBUG" all $(PERFS)
	@for p in $(PERFS); do echo "== $$p"; $$p || exit 1; done

# soak: a dozen hlnd publishing and restarting for SOAK_SECONDS (default 600);
# RSS, descriptors and store size printed and checked flat. Not in `check`.
soak: deps
	@$(MAKE) --no-print-directory all $(BUILD)/tests/hostile
	@BUILD=$(BUILD) bash tests/soak.sh

# fuzz-long: every target for FUZZ_LONG_SECONDS (default 3600) on the corpus
# kept in the repository (tests/fuzz/corpus/NAME), which it grows: commit
# what it adds. Crashes land in $(BUILD)/fuzz/artifacts-NAME/.
fuzz-long: $(FUZZERS)
	@for f in $(FUZZERS); do n=$$(basename $$f); mkdir -p tests/fuzz/corpus/$$n $(BUILD)/fuzz/artifacts-$$n; \
	  echo "fuzz-long: $$n for $${FUZZ_LONG_SECONDS:-3600}s"; \
	  $$f -max_total_time=$${FUZZ_LONG_SECONDS:-3600} -timeout=10 -rss_limit_mb=2048 \
	    -artifact_prefix=$(BUILD)/fuzz/artifacts-$$n/ tests/fuzz/corpus/$$n \
	    >$(BUILD)/fuzz/$$n-long.log 2>&1 || { tail -30 $(BUILD)/fuzz/$$n-long.log; exit 1; }; \
	  grep -E "^#[0-9]+.*(DONE|pulse)" $(BUILD)/fuzz/$$n-long.log | tail -1; done

sim: deps
	@$(MAKE) --no-print-directory $(BUILD)/perf/perf_sim
	@$(BUILD)/perf/perf_sim

demo: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) bash scripts/demo.sh

# make install [PREFIX=/usr/local] [DESTDIR=] [SYSTEMDUNITDIR=...]: the programs,
# man pages, systemd unit, sysusers.d file, example configuration and docs
# (tests/t_install.sh checks every file). The unit names /usr/local/sbin/hlnd;
# its paths are rewritten to PREFIX on the way. Nothing is written outside
# DESTDIR, and nothing in /etc: hlnd.conf is the operator's (hlnd.conf(5)).
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR    ?= $(PREFIX)/lib/sysusers.d
MANDIR         ?= $(PREFIX)/share/man
DOCDIR         ?= $(PREFIX)/share/doc/hln
MAN8_PAGES      = docs/man/hlnd.8 docs/man/hlnctl.8
MAN5_PAGES      = docs/man/hlnd.conf.5
DOC_FILES       = README.md $(wildcard docs/*.md)
EXAMPLE_FILES   = configs/hlnd.conf.example configs/indicators.ini configs/sample.csv
install: all
	install -d -m 0755 $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin
	install -m 0755 $(BUILD)/hlnctl $(DESTDIR)$(PREFIX)/bin/hlnctl
	install -m 0755 $(BUILD)/hlnd $(DESTDIR)$(PREFIX)/sbin/hlnd
	install -d -m 0755 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 0644 $(MAN8_PAGES) $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(MAN5_PAGES) $(DESTDIR)$(MANDIR)/man5/
	install -d -m 0755 $(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(SYSUSERSDIR)
	sed -e 's|/usr/local/sbin/hlnd|$(PREFIX)/sbin/hlnd|g' \
	    -e 's|/usr/local/bin/hlnctl|$(PREFIX)/bin/hlnctl|g' \
	    -e 's|/usr/local/share/doc/hln|$(DOCDIR)|g' \
	    configs/hlnd.service >$(DESTDIR)$(SYSTEMDUNITDIR)/hlnd.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/hlnd.service
	install -m 0644 configs/hln.sysusers $(DESTDIR)$(SYSUSERSDIR)/hln.conf
	install -d -m 0755 $(DESTDIR)$(DOCDIR)
	install -m 0644 $(DOC_FILES) $(EXAMPLE_FILES) $(DESTDIR)$(DOCDIR)/

format:
	clang-format -i $(LIB_SRC) $(HLND_SRC) $(CTL_SRC) $(HDRS) $(TEST_SRC) node/*/*_main.c

clean:
	rm -rf build build-asan

# --- hlnd's multi-process tests (owner: the daemon/transport work) ---------
# tests/hostile.c is the helper the tests/t_daemon*.sh scripts drive: node
# setup (peer, trust, publish, count) and a hostile peer that sends garbage,
# oversize frames, forged signatures, replays and forks. Its name does not
# start with test_, so it is not a cmocka test and needs this explicit rule.
$(BUILD)/tests/hostile: tests/hostile.c $(BUILD)/libhln.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_HLN) -o $@ $< $(BUILD)/libhln.a $(LIBS_HLN)

# tests/netfault.c delays and reorders the packets an NFQUEUE hands it, for
# tests/t_netns.sh where the kernel has no tc netem. A test tool alone: it
# links libnetfilter-queue, which nothing else in hln uses.
$(BUILD)/tests/netfault: tests/netfault.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) $(OPT) -D_GNU_SOURCE $(shell pkg-config --cflags libnetfilter_queue 2>/dev/null) \
	  $(EXTRA_CFLAGS) -o $@ $< $(shell pkg-config --libs libnetfilter_queue 2>/dev/null)


# --- the public report's browser test (owner: the report work) ------------
# tests/report_driver.c seeds a node with a demo network's records and runs
# the `report` command on it, so tests/t_report_browser.sh can render a site
# with headless Chromium whether or not hlnctl has the command wired yet. Its
# name does not start with test_, so it needs this explicit rule.
$(BUILD)/tests/report_driver: tests/report_driver.c $(BUILD)/libhlnctl.a $(BUILD)/libhln.a $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_HLN) -o $@ $< $(BUILD)/libhlnctl.a $(BUILD)/libhln.a $(LIBS_HLN)

