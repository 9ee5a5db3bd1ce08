# backend/blkback/: xpv-blkback, the block backend (docs/block.md).
# $(BLKBACK_LIB) (libxpvblkback.a) is its request path (a queue: ring,
# checks, grants, io_uring), which the daemon, the tests and the fuzzer
# link.
BLKBACK_SRCS := backend/blkback/request.c backend/blkback/grant.c \
	backend/blkback/pgrant.c backend/blkback/bounce.c backend/blkback/io.c \
	backend/blkback/queue.c backend/blkback/run.c
LIBS += $(BLKBACK_LIB)

$(BLKBACK_LIB): $(call objs,$(BLKBACK_SRCS))
	$(archive)

# The request path against a frontend written in the test, on a real
# xpv-hv (dom0 grants pages to itself) and a real image file.
TEST_PROGS += $(BIN)/test-blkback-ring
TESTS += $(BIN)/test-blkback-ring

$(BIN)/test-blkback-ring: $(call objs,backend/blkback/tests/test-blkback-ring.c \
		hv/tests/harness.c) $(BLKBACK_LIB) $(IMAGE_LIB) $(RING_LIB) \
		$(HV_LIB) | $(BIN)/xpv-hv
	$(link)

# The request path fed any ring contents, indirect pages and grants
# (libFuzzer; seeds in backend/blkback/fuzz/corpus/blkback-ring/, made by
# make-seeds.py): every file of the request path but grant.c, as the
# fuzzer's own table of pages stands in for hv's grants.
FUZZ_TARGETS += $(BIN)/fuzz-blkback-ring

$(BIN)/fuzz-blkback-ring: $(call objs,backend/blkback/fuzz/fuzz-blkback-ring.c \
		$(filter-out %/grant.c,$(BLKBACK_SRCS))) $(IMAGE_LIB)
	$(link)
$(BIN)/fuzz-blkback-ring: private LINK_LIBS := -luring
