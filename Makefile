# xpv: one Makefile builds every part into $(BUILD).
#
#   make                 build everything (build/bin, build/lib)
#   make deps            install the Debian packages the project needs
#   make demo            the main job: two guests with disks and NICs on
#                        the embedded hypervisor (examples/demo.sh)
#   make check           every test tier below, then one summary line
#                        (tests/check.sh; ~15 min on a loaded 2-CPU VM)
#   make test            unit and sim end-to-end tests       (~5 min)
#   make check-asan      the same tests under ASan + UBSan   (~5 min)
#   make check-fuzz      each fuzz target for a bounded time (~2 min)
#   make check-xen       the real-Xen tier under QEMU  (5-15 min)
#   make format-check    clang-format agrees with every C file
#   make bench           every bench-<name> target (bench-ring, bench-hv,
#                        bench-xenstore, ...): figures, never pass/fail
#   make asan            build into build/asan with ASan + UBSan
#   make fuzz            build the libFuzzer targets into build/fuzz
#
# How a part adds itself
# ----------------------
# Each part has a <part>/module.mk (a sub-folder may have its own), all
# included below. This file holds only what they share:
#
# - Libraries are named here, once (RING_LIB, HV_LIB, ... below), so any
#   module.mk can use any library whatever the include order. The part that
#   owns a library builds it with its objects and $(archive):
#
#	$(RING_LIB): $(call objs,$(RING_SRCS))
#		$(archive)
#
# - Every program is linked by one recipe, $(link). Its rule lists its
#   objects and every xpv library it uses, directly or not; $(link) puts
#   the libraries in LIBRARIES' order and adds the system libraries they
#   need (<NAME>_SYSLIBS). Extra flags of one program go in private
#   target-specific variables, LINK_FLAGS (before the objects) and
#   LINK_LIBS (after the libraries):
#
#	$(BIN)/test-xenbus: $(call objs,frontend/tests/test-xenbus.c) \
#			$(FRONT_LIB) $(RING_LIB) $(HV_LIB)
#		$(link)
#	$(BIN)/xpv-xenstored: private LINK_LIBS := -luring
#
#   Fuzz targets ($(BIN)/fuzz-*) get $(FUZZ_LDFLAGS) by themselves.
# - A new library: name it below, add it to LIBRARIES (before the libraries
#   it uses), and give it a <NAME>_SYSLIBS if it needs system libraries.
# - A new Debian package: DEB_PACKAGES below; a header the build includes
#   from one: BUILD_HEADERS (a module.mk may add to it), so that a machine
#   without it is told to run `make deps` rather than failing on the
#   missing header.
#
# Tests, benchmarks and fuzz targets, in every part (docs/testing.md):
#   <part>/tests/test-<name>.c, .sh or .py  a test; listed in TESTS
#   <part>/bench/bench-<name>.c (+ bench-<name>.sh when it needs daemons)
#                                       $(BIN)/bench-<name>, run by the
#                                       target bench-<name>; listed in BENCHES
#   <part>/fuzz/fuzz-<name>.c           $(BIN)/fuzz-<name>, listed in
#                                       FUZZ_TARGETS; seeds in
#                                       <part>/fuzz/corpus/<name>/

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

BUILD    ?= build
BIN      := $(BUILD)/bin
LIBDIR   := $(BUILD)/lib
OBJ      := $(BUILD)/obj
# Debian packages fetched (never installed) for tests: Xen, test-xenstore,
# the reference xenstored. Shared by every build flavour.
CACHE    ?= $(CURDIR)/build/cache

CC       ?= gcc
ifeq ($(origin CC),default)
CC       := gcc
endif
# -Wextra includes -Wunused-parameter: a parameter nothing needs goes; a
# callback that must take one it ignores marks it __attribute__((unused)).
WARN     := -Wall -Wextra -Werror
CFLAGS   ?= -O2 -g
# FUZZ=1 (set by `make fuzz`): clang with libFuzzer's instrumentation.
ifeq ($(FUZZ),1)
CC       := clang
CFLAGS   := -O1 -g -fsanitize=fuzzer-no-link,address,undefined
endif
CFLAGS   += $(WARN) -std=gnu11 -D_GNU_SOURCE -fno-strict-aliasing -MMD -MP -I.
LDFLAGS  ?=
LDLIBS   ?=

# SANITIZE=address,undefined (or either) builds with the sanitizers;
# anything else is refused rather than silently ignored.
comma    := ,
SANITIZE ?=
ifneq ($(SANITIZE),)
ifneq ($(filter-out address undefined,$(subst $(comma), ,$(SANITIZE))),)
$(error SANITIZE must be address, undefined or address,undefined (got '$(SANITIZE)'))
endif
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=$(SANITIZE)
endif

# objs: map source files to their object files in $(OBJ).
objs = $(patsubst %.c,$(OBJ)/%.o,$(1))

# The project's libraries, one per part that others link.
RING_LIB      := $(LIBDIR)/libxpvring.a
HV_LIB        := $(LIBDIR)/libxpvhv.a
FRONT_LIB     := $(LIBDIR)/libxpvfront.a
BACKEND_LIB   := $(LIBDIR)/libxpvbackend.a
XENSTORED_LIB := $(LIBDIR)/libxpvxenstored.a
TEST_LIB      := $(LIBDIR)/libxpvtest.a
IMAGE_LIB     := $(LIBDIR)/libxpvimage.a
NET_LIB       := $(LIBDIR)/libxpvnet.a
NETBACK_LIB   := $(LIBDIR)/libxpvnetback.a
BLKBACK_LIB   := $(LIBDIR)/libxpvblkback.a
# Preloaded into Debian's xenstored, the reference peer (tests/xenstore/).
XSREF_STANDIN := $(LIBDIR)/libxsref-standin.so
# Link order: each library before the libraries it uses.
LIBRARIES     := TEST XENSTORED NETBACK BLKBACK BACKEND IMAGE FRONT NET RING HV
# System libraries a library needs, linked after every xpv library.
XEN_LIBS      := -lxenctrl -lxenguest -lxengnttab -lxenevtchn \
		 -lxenforeignmemory -lxencall -lxentoollog -lxenstore
HV_SYSLIBS    := $(XEN_LIBS) -lpthread
TEST_SYSLIBS  := -lxenstore
BACKEND_SYSLIBS := -lxenstore
IMAGE_SYSLIBS := -lpthread
BLKBACK_SYSLIBS := -luring -lpthread

# The recipes every module.mk uses (see the top of this file).
used = $(strip $(foreach L,$(LIBRARIES),$(if $(filter $($(L)_LIB),$^),$($(L)_$(1)))))
define link
@mkdir -p $(@D)
$(CC) $(LDFLAGS) $(LINK_FLAGS) -o $@ $(filter %.o,$^) $(call used,LIB) \
	$(call used,SYSLIBS) $(LINK_LIBS) $(LDLIBS)
endef
define archive
@mkdir -p $(@D)
@rm -f $@
$(AR) rcs $@ $^
endef
LINK_FLAGS :=
LINK_LIBS  :=

# The headers the build takes from Debian packages, as header:package; a
# module.mk adds its own (and any -I they need to BUILD_HEADER_CFLAGS).
BUILD_HEADERS := xenctrl.h:libxen-dev xenstore.h:libxen-dev \
	xengnttab.h:libxen-dev xenevtchn.h:libxen-dev \
	xenforeignmemory.h:libxen-dev xen/io/ring.h:libxen-dev \
	liburing.h:liburing-dev
BUILD_HEADER_CFLAGS :=

# Filled in by the parts' module.mk files:
#   BINS         programs users run            ($(BIN)/name)
#   LIBS         libraries                     ($(LIBDIR)/libname.a)
#   TEST_PROGS   test programs to build        ($(BIN)/test-name)
#   TESTS        what `make test` runs, in order: test programs and scripts;
#                each exits 0 (pass), 77 (skipped, says why) or else (fail)
#   FUZZ_TARGETS libFuzzer programs             ($(BIN)/fuzz-name); seeds in
#                <part>/fuzz/corpus/<name>/
#   BENCHES      bench-* targets
BINS         :=
LIBS         :=
TEST_PROGS   :=
TESTS        :=
FUZZ_TARGETS :=
BENCHES      :=
# Fuzz targets link with libFuzzer's runtime (only meaningful under
# `make fuzz`, which builds every object for it).
FUZZ_LDFLAGS := -fsanitize=fuzzer,address,undefined
$(BIN)/fuzz-%: private LINK_FLAGS = $(FUZZ_LDFLAGS)

include $(sort $(wildcard */module.mk */*/module.mk))

all: $(BINS) $(LIBS) $(TEST_PROGS)
.PHONY: all

$(OBJ)/%.o: %.c | $(BUILD)/.build-deps
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

# Before compiling anything: the compiler and BUILD_HEADERS are there, else
# say to run `make deps`.
$(BUILD)/.build-deps: $(filter Makefile %.mk,$(MAKEFILE_LIST)) tests/build-deps.sh
	@tests/build-deps.sh "$(CC) $(BUILD_HEADER_CFLAGS)" $(BUILD_HEADERS)
	@mkdir -p $(@D) && touch $@

-include $(shell find $(OBJ) -name '*.d' 2>/dev/null)

# --- packages ----------------------------------------------------------

# Everything the project builds, tests or runs with; nothing else may be
# installed by hand. Xen itself is never installed on the host: the tests
# fetch its packages into $(CACHE) (tests/debcache.sh).
DEB_PACKAGES := gcc make git pkg-config clang clang-format libclang-rt-14-dev \
	libxen-dev xenstore-utils libnl-3-dev libnl-route-3-dev liburing-dev \
	libaio-dev libfuse3-dev fuse3 fio iperf3 strace valgrind iproute2 \
	util-linux e2fsprogs procps psmisc kmod cpio gzip busybox-static \
	qemu-system-x86 qemu-utils dpkg-dev ca-certificates fuse2fs iputils-ping \
	netcat-openbsd nftables linux-perf python3

deps:
	@tests/deps.sh $(DEB_PACKAGES)
.PHONY: deps

# --- test tiers ----------------------------------------------------------

RESULTS := $(CURDIR)/build/check.results

test: all
	@BUILD=$(BUILD) CACHE=$(CACHE) RESULTS=$(RESULTS) tests/run-tests.sh "test$(if $(SANITIZE),-asan)" $(TESTS)
.PHONY: test

asan:
	$(MAKE) BUILD=build/asan SANITIZE=address,undefined all
.PHONY: asan

# Sanitized daemons and guests run 2-3x slower: the toolstack's wait for a
# device to connect (10 s, as libxl's) gets 30 s here, so only a device
# that truly never connects fails the tier.
check-asan: asan
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	 XPV_DEVICE_TIMEOUT=$${XPV_DEVICE_TIMEOUT:-30} \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 $(MAKE) BUILD=build/asan SANITIZE=address,undefined test
.PHONY: check-asan

fuzz:
	$(MAKE) BUILD=build/fuzz FUZZ=1 fuzz-targets
fuzz-targets: $(FUZZ_TARGETS)
.PHONY: fuzz fuzz-targets

# Each fuzz target runs for FUZZ_SECONDS on its seed corpus.
FUZZ_SECONDS ?= 20
check-fuzz: fuzz
	@BUILD=build/fuzz RESULTS=$(RESULTS) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run-tests.sh "fuzz" \
		$(patsubst $(BUILD)/%,build/fuzz/%,$(FUZZ_TARGETS))
.PHONY: check-fuzz

format-check:
	@tests/format-check.sh
.PHONY: format-check

# Every tier runs even when an earlier one failed (CHECK_KEEP_GOING), so one
# run shows everything; the summary line fails the run if anything failed.
# tests/check.sh runs the tiers, the real-Xen tier beside the others (it
# computes while they mostly wait), and says how long each took.
check:
	@$(MAKE) --no-print-directory deps
	@MAKE="$(MAKE)" RESULTS=$(RESULTS) CACHE=$(CACHE) tests/check.sh
.PHONY: check

bench: $(BENCHES)
.PHONY: bench

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory all
	@examples/demo.sh
.PHONY: demo

format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i
.PHONY: format

clean:
	rm -rf build/bin build/lib build/obj build/asan build/fuzz build/xen build/check.results
.PHONY: clean
