# xenstored/: the xenstore daemon xpv-xenstored (docs/xenstore.md).
# $(XENSTORED_LIB) (libxpvxenstored.a) is the daemon's core, every file
# but main.c: the daemon, its unit tests and its fuzz targets link the
# same objects.
XENSTORED_SRCS := xenstored/loop.c xenstored/log.c xenstored/conn.c \
	xenstored/socket.c xenstored/wire.c xenstored/node.c \
	xenstored/control.c xenstored/store.c xenstored/db.c \
	xenstored/transaction.c xenstored/watch.c xenstored/perms.c \
	xenstored/path.c xenstored/quota.c xenstored/domain.c \
	xenstored/htab.c
BINS += $(BIN)/xpv-xenstored
LIBS += $(XENSTORED_LIB)

$(XENSTORED_LIB): $(call objs,$(XENSTORED_SRCS))
	$(archive)

# os/uring.c alone needs liburing: the daemon links it, the core does not.
$(BIN)/xpv-xenstored: private LINK_LIBS := -luring
$(BIN)/xpv-xenstored: $(call objs,xenstored/main.c xenstored/os/uring.c) \
		$(XENSTORED_LIB) $(RING_LIB) $(HV_LIB)
	$(link)

# make bench-xenstore: ours against Debian's C xenstored (the reference
# peer of tests/xenstore/), as ratios; bench-xenstore is its load
# generator (xenstored/bench/).
TEST_PROGS += $(BIN)/bench-xenstore
BENCHES += bench-xenstore

$(BIN)/bench-xenstore: $(call objs,xenstored/bench/bench-xenstore.c) \
		$(call objs,tests/xenstore/xsclient.c) $(RING_LIB)
	$(link)

bench-xenstore: $(BIN)/bench-xenstore $(XSREF_STANDIN) $(BIN)/xpv-xenstored
	@BUILD=$(BUILD) xenstored/bench/bench-xenstore.sh
.PHONY: bench-xenstore

# make bench-store: what a WRITE costs the core in a store of a few nodes
# and in one of 100,000 nodes and 1000 watches, as a ratio (in-process).
TEST_PROGS += $(BIN)/bench-store
BENCHES += bench-store

$(BIN)/bench-store: $(call objs,xenstored/bench/bench-store.c \
		xenstored/fuzz/harness.c) \
		$(XENSTORED_LIB) $(RING_LIB) $(HV_LIB)
	$(link)

bench-store: $(BIN)/bench-store
	@$(BIN)/bench-store
.PHONY: bench-store
