# backend/netback/: xpv-netback, the network backend (docs/network.md).
# $(NETBACK_LIB) (libxpvnetback.a) is its data path, independent of
# xenstore: vif.h (TAP, queues, tx, rx), tx_parse.h (one packet off the tx
# ring, validated); the daemon adds the control plane on the backend core.
NETBACK_SRCS := backend/netback/tx_parse.c backend/netback/tx.c \
	backend/netback/rx.c backend/netback/queue.c backend/netback/vif.c \
	backend/netback/rate.c backend/netback/stats.c backend/netback/pgrant.c
LIBS += $(NETBACK_LIB)

$(NETBACK_LIB): $(call objs,$(NETBACK_SRCS))
	$(archive)

# The daemon: the control plane (xenbus.c) and its loop (main.c).
BINS += $(BIN)/xpv-netback

$(BIN)/xpv-netback: $(call objs,backend/netback/xenbus.c backend/netback/main.c) \
		$(NETBACK_LIB) $(BACKEND_LIB) $(NET_LIB) $(RING_LIB) $(HV_LIB)
	$(link)

# tx_parse against hand-built rings: every verdict of Linux's netback.
TEST_PROGS += $(BIN)/test-netback-tx-parse
TESTS += $(BIN)/test-netback-tx-parse

$(BIN)/test-netback-tx-parse: $(call objs,backend/netback/tests/test-tx-parse.c) \
		$(NETBACK_LIB) $(NET_LIB) $(TEST_LIB)
	$(link)

# The tx path against any ring a hostile frontend can write (libFuzzer;
# `make fuzz`, `make check-fuzz`; seeds in
# backend/netback/fuzz/corpus/netback-tx/, made by mkseeds.py there).
FUZZ_TARGETS += $(BIN)/fuzz-netback-tx

$(BIN)/fuzz-netback-tx: $(call objs,backend/netback/fuzz/fuzz-netback-tx.c) \
		$(NETBACK_LIB) $(NET_LIB)
	$(link)

# A frontend that restarts, and one unplugged, while it rings its queues
# (tests/stale-guest.c), against the real daemon through `xpv`.
TEST_PROGS += $(BIN)/xpv-netback-stale-guest
TESTS += backend/netback/tests/test-netback-stale.sh

$(BIN)/xpv-netback-stale-guest: $(call objs,backend/netback/tests/stale-guest.c) \
		$(FRONT_LIB) $(RING_LIB) $(HV_LIB)
	$(link)
