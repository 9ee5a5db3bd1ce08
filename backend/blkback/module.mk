# backend/blkback/: xpv-blkback, the block backend (docs/block.md).
# $(BLKBACK_LIB) (libxpvblkback.a) is its request path (a queue: ring,
# checks, grants, io_uring), which the daemon, the tests and the fuzzer
# link.
BLKBACK_SRCS := backend/blkback/request.c backend/blkback/grant.c \
	backend/blkback/pgrant.c backend/blkback/bounce.c backend/blkback/io.c \
	backend/blkback/queue.c backend/blkback/resume.c backend/blkback/run.c
LIBS += $(BLKBACK_LIB)

$(BLKBACK_LIB): $(call objs,$(BLKBACK_SRCS))
	$(archive)

# The daemon: the devices' handshakes on the backend core (vbd.c, spec.c)
# and its event loop (main.c).
BINS += $(BIN)/xpv-blkback

$(BIN)/xpv-blkback: $(call objs,backend/blkback/main.c backend/blkback/vbd.c \
		backend/blkback/spec.c) $(BLKBACK_LIB) $(BACKEND_LIB) \
		$(IMAGE_LIB) $(RING_LIB) $(HV_LIB)
	$(link)

# The request path against a frontend written in the test, on a real
# xpv-hv (dom0 grants pages to itself) and a real image file.
TEST_PROGS += $(BIN)/test-blkback-ring
TESTS += $(BIN)/test-blkback-ring

$(BIN)/test-blkback-ring: $(call objs,backend/blkback/tests/test-blkback-ring.c \
		hv/tests/harness.c) $(TEST_LIB) $(BLKBACK_LIB) $(IMAGE_LIB) $(RING_LIB) \
		$(HV_LIB) | $(BIN)/xpv-hv
	$(link)

# A queue's resume log (resume.c) across a kill at each point of its
# protocol, on a ring in memory and a real file.
TEST_PROGS += $(BIN)/test-blkback-resume
TESTS += $(BIN)/test-blkback-resume

$(BIN)/test-blkback-resume: $(call objs,backend/blkback/tests/test-blkback-resume.c \
		backend/blkback/resume.c) $(TEST_LIB)
	$(link)

# Replays after kill -9 when one is answered at once: each waiting
# request answered once, by the right answer (the queue code in child
# processes on shared memory, a real image and log).
TEST_PROGS += $(BIN)/test-blkback-replay
TESTS += $(BIN)/test-blkback-replay

$(BIN)/test-blkback-replay: $(call objs,backend/blkback/tests/test-blkback-replay.c) \
		$(TEST_LIB) $(BLKBACK_LIB) $(IMAGE_LIB) $(RING_LIB) $(HV_LIB)
	$(link)

# What the daemon makes of the toolstack's keys (spec.c), case by case.
TEST_PROGS += $(BIN)/test-blkback-spec
TESTS += $(BIN)/test-blkback-spec

$(BIN)/test-blkback-spec: $(call objs,backend/blkback/tests/test-blkback-spec.c \
		backend/blkback/spec.c) $(BACKEND_LIB) $(IMAGE_LIB) $(HV_LIB)
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

# The sim tests' guest (blkfront in a domain) and its toolstack helper;
# test-blkback-sim.sh runs them against the real daemons.
TEST_PROGS += $(BIN)/xpv-blk-guest $(BIN)/xpv-blk-domain $(BIN)/xpv-blk-hostile
TESTS += backend/blkback/tests/test-blkback-sim.sh
# A guest's own disk (xpv-guest's FUSE file on blkfront) through a kill -9
# of xpv-blkback, with dom0's services by `xpv up`.
TESTS += backend/blkback/tests/test-blkback-guest-restart.sh

$(BIN)/xpv-blk-guest: $(call objs,backend/blkback/tests/blk-guest.c) \
		$(FRONT_LIB) $(RING_LIB) $(HV_LIB)
	$(link)

$(BIN)/xpv-blk-hostile: $(call objs,backend/blkback/tests/blk-hostile.c) \
		$(FRONT_LIB) $(RING_LIB) $(HV_LIB)
	$(link)

$(BIN)/xpv-blk-domain: $(call objs,backend/blkback/tests/blk-domain.c) \
		$(HV_LIB)
	$(link)
$(BIN)/xpv-blk-domain: private LINK_LIBS := -lxenstore

# make bench-blk: fio on the image file against fio in a sim domain
# through the engine (backend/blkback/bench/bench-blk.sh; figures only).
BENCHES += bench-blk

# bench-blk's cycle breakdown (bench/cycles.py, BENCH_BLK_TRACE=1) on
# hand-written perf traces whose figures are known (no perf needed).
TESTS += backend/blkback/tests/test-blkback-cycles.py

bench-blk: all
	@BIN=$(CURDIR)/$(BIN) BUILD=$(BUILD) backend/blkback/bench/bench-blk.sh
.PHONY: bench-blk
