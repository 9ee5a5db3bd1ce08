# ring/: Xen's shared-ring protocol and device ABIs (headers), plus
# $(RING_LIB) (libxpvring.a) for the parts that are not inline: the byte
# rings of the xenstore and console pages, the xenstore error table,
# netif's Toeplitz hash.
RING_SRCS := ring/byte_ring.c ring/xs_wire.c ring/netif_hash.c
LIBS += $(RING_LIB)

$(RING_LIB): $(call objs,$(RING_SRCS))
	$(archive)

# Tests: the ABI against Debian's xen/io headers, and the ring logic.
TEST_PROGS += $(BIN)/test-ring-abi $(BIN)/test-ring $(BIN)/test-byte-ring
TESTS += $(BIN)/test-ring-abi $(BIN)/test-ring $(BIN)/test-byte-ring \
	ring/tests/test-ring-headers.sh

$(BIN)/test-ring-abi: $(call objs,ring/tests/test-ring-abi.c) $(TEST_LIB) $(RING_LIB)
	$(link)

$(BIN)/test-ring $(BIN)/test-byte-ring: private LINK_LIBS := -lpthread
$(BIN)/test-ring: $(call objs,ring/tests/test-ring.c) $(TEST_LIB) $(RING_LIB)
	$(link)

$(BIN)/test-byte-ring: $(call objs,ring/tests/test-byte-ring.c) $(TEST_LIB) $(RING_LIB)
	$(link)

# The ring benchmark: bench-ring (ring/bench/), run by `make bench-ring`
# against a private xpv-hv (ring/bench/bench-ring.sh); options in
# BENCH_RING_ARGS (default: --guest, the front end in a guest domain).
BENCH_RING_SRCS := ring/bench/bench-ring.c ring/bench/chan.c \
	ring/bench/guest.c ring/bench/helpers.c ring/bench/ring_run.c \
	ring/bench/pipe_run.c
TEST_PROGS += $(BIN)/bench-ring
BENCHES += bench-ring

$(BIN)/bench-ring: $(call objs,$(BENCH_RING_SRCS)) $(RING_LIB) $(HV_LIB)
	$(link)

# A smoke test that the benchmark runs end to end (not how fast).
TESTS += ring/tests/test-bench-ring.sh

bench-ring: $(BIN)/bench-ring $(BIN)/xpv-hv
	@BIN=$(CURDIR)/$(BIN) ring/bench/bench-ring.sh $(BENCH_RING_ARGS)
.PHONY: bench-ring

# Fuzzing: fuzz-ring drives ring.h's two ends against a hostile peer
# (built by `make fuzz`; seeds in ring/fuzz/corpus/ring/).
FUZZ_TARGETS += $(BIN)/fuzz-ring

$(BIN)/fuzz-ring: $(call objs,ring/fuzz/fuzz-ring.c)
	$(link)
