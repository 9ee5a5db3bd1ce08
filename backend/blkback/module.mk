# backend/blkback/: xpv-blkback, the block backend (docs/block.md).
# libxpvblkback.a is its request path (a queue: ring, checks, grants,
# io_uring), which the daemon, the tests and the fuzzer link.
BLKBACK_SRCS := backend/blkback/request.c backend/blkback/grant.c \
	backend/blkback/pgrant.c backend/blkback/bounce.c \
	backend/blkback/image_raw.c backend/blkback/io.c \
	backend/blkback/queue.c backend/blkback/run.c
BLKBACK_LIB := $(LIBDIR)/libxpvblkback.a
# ring/ and hv/ are included after this file: name their libraries here.
BLKBACK_DEPS := $(BLKBACK_LIB) $(LIBDIR)/libxpvring.a $(LIBDIR)/libxpvhv.a
BLKBACK_LDLIBS = $(BLKBACK_LIB) -luring $(RING_LDLIBS) $(HV_LDLIBS)
LIBS += $(BLKBACK_LIB)

$(BLKBACK_LIB): $(call objs,$(BLKBACK_SRCS))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

# The request path against a frontend written in the test, on a real
# xpv-hv (dom0 grants pages to itself) and a real image file.
TEST_PROGS += $(BIN)/test-blkback-ring
TESTS += $(BIN)/test-blkback-ring

$(BIN)/test-blkback-ring: $(call objs,backend/blkback/tests/test-blkback-ring.c) $(call objs,hv/tests/harness.c) $(LIBDIR)/libxpvtest.a $(BLKBACK_DEPS) | $(BIN)/xpv-hv
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBDIR)/libxpvtest.a $(BLKBACK_LDLIBS) $(LDLIBS)

# The request path fed any ring contents, indirect pages and grants
# (libFuzzer; seeds in backend/blkback/fuzz/corpus/blkback-ring/).
FUZZ_TARGETS += $(BIN)/fuzz-blkback-ring

# (every file of the request path but grant.c: the fuzzer's own table of
# pages stands in for hv's grants)
$(BIN)/fuzz-blkback-ring: $(call objs,backend/blkback/fuzz/fuzz-blkback-ring.c $(filter-out %/grant.c,$(BLKBACK_SRCS)))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(FUZZ_LDFLAGS) -o $@ $^ -luring $(LDLIBS)
