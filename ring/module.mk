# ring/: Xen's shared-ring protocol and device ABIs (headers), plus
# libxpvring.a for the parts that are not inline: the byte rings of the
# xenstore and console pages, the xenstore error table, netif's Toeplitz
# hash.
# Others link it with $(RING_LDLIBS).
RING_SRCS := ring/byte_ring.c ring/xs_wire.c ring/netif_hash.c
RING_LIB := $(LIBDIR)/libxpvring.a
RING_LDLIBS := $(RING_LIB)
LIBS += $(RING_LIB)

$(RING_LIB): $(call objs,$(RING_SRCS))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

# Tests: the ABI against Debian's xen/io headers, and the ring logic.
TEST_PROGS += $(BIN)/test-ring-abi
TESTS += $(BIN)/test-ring-abi

$(BIN)/test-ring-abi: $(call objs,ring/tests/test-ring-abi.c) $(RING_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)
TEST_PROGS += $(BIN)/test-ring
TESTS += $(BIN)/test-ring

$(BIN)/test-ring: $(call objs,ring/tests/test-ring.c) $(RING_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lpthread
TEST_PROGS += $(BIN)/test-byte-ring
TESTS += $(BIN)/test-byte-ring ring/tests/test-ring-headers.sh

$(BIN)/test-byte-ring: $(call objs,ring/tests/test-byte-ring.c) $(RING_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lpthread

# The ring benchmark: bench-ring (ring/bench/), run by `make bench-ring`
# against a private xpv-hv (ring/bench/bench-ring.sh); options in
# BENCH_RING_ARGS (default: --guest, the front end in a guest domain).
BENCH_RING_SRCS := ring/bench/bench-ring.c ring/bench/chan.c \
	ring/bench/guest.c ring/bench/helpers.c ring/bench/ring_run.c \
	ring/bench/pipe_run.c
TEST_PROGS += $(BIN)/bench-ring
BENCHES += bench-ring

$(BIN)/bench-ring: $(call objs,$(BENCH_RING_SRCS)) $(RING_LIB) $(HV_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(call objs,$(BENCH_RING_SRCS)) $(RING_LDLIBS) $(HV_LDLIBS) $(LDLIBS)

# A smoke test that the benchmark runs end to end (not how fast).
TESTS += ring/tests/test-bench-ring.sh

bench-ring: $(BIN)/bench-ring $(BIN)/xpv-hv
	@BIN=$(CURDIR)/$(BIN) ring/bench/bench-ring.sh $(BENCH_RING_ARGS)
.PHONY: bench-ring

# Fuzzing: fuzz-ring drives ring.h's two ends against a hostile peer
# (built by `make fuzz`; seeds in ring/fuzz/corpus/ring/).
FUZZ_TARGETS += $(BIN)/fuzz-ring

$(BIN)/fuzz-ring: $(call objs,ring/fuzz/fuzz-ring.c)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(FUZZ_LDFLAGS) -o $@ $^
