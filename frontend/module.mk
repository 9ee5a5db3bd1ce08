# frontend/: what a guest links to be a Xen frontend. $(FRONT_LIB)
# (libxpvfront.a) holds the xenbus client (xenbus.h) and the device
# handshake on top of it (xenbus_dev.h); blkfront and netfront
# will join it. A program that links it also lists $(RING_LIB) $(HV_LIB).
FRONT_SRCS := frontend/xenbus.c frontend/xenbus_ops.c frontend/xenbus_fd.c \
	frontend/xenbus_ring.c frontend/xenbus_open.c frontend/xenbus_dev.c \
	frontend/blkfront.c frontend/xenbus_relay.c
LIBS += $(FRONT_LIB)

# frontend/net/: netfront (netfront.h), the guest's side of a vif.
FRONT_SRCS += frontend/net/netfront.c frontend/net/connect.c \
	frontend/net/tx.c frontend/net/rx.c

$(FRONT_LIB): $(call objs,$(FRONT_SRCS))
	$(archive)

# The client against a scripted, lying daemon (no hypervisor needed).
TEST_PROGS += $(BIN)/test-xenbus
TESTS += $(BIN)/test-xenbus

$(BIN)/test-xenbus: private LINK_LIBS := -lpthread
$(BIN)/test-xenbus: $(call objs,frontend/tests/test-xenbus.c) \
		$(TEST_LIB) $(FRONT_LIB) $(RING_LIB) $(HV_LIB)
	$(link)

# The client against any byte stream a hostile daemon could send
# (libFuzzer; `make fuzz`, `make check-fuzz`; seeds in
# frontend/fuzz/corpus/xenbus-client/).
FUZZ_TARGETS += $(BIN)/fuzz-xenbus-client

$(BIN)/fuzz-xenbus-client: $(call objs,frontend/fuzz/fuzz-xenbus-client.c) \
		$(FRONT_LIB) $(RING_LIB) $(HV_LIB)
	$(link)

# The whole API against a live store (a socket here; /dev/xen/xenbus when
# the real-Xen test bed runs it in dom0).
TEST_PROGS += $(BIN)/xenbus-smoke
TESTS += frontend/tests/test-xenbus-socket.sh

$(BIN)/xenbus-smoke: $(call objs,frontend/tests/xenbus-smoke.c) \
		$(TEST_LIB) $(FRONT_LIB) $(RING_LIB) $(HV_LIB)
	$(link)

# xpv-netfront: the program that makes each vif a NIC of a sim guest
# (docs/network.md).
BINS += $(BIN)/xpv-netfront

$(BIN)/xpv-netfront: $(call objs,frontend/net/main.c) $(FRONT_LIB) $(NET_LIB) \
		$(RING_LIB) $(HV_LIB)
	$(link)

# Clients sharing one connection through the relay (xenbus_relay.h),
# against a live store on a socket.
TEST_PROGS += $(BIN)/test-xenbus-relay
TESTS += frontend/tests/test-xenbus-relay.sh

$(BIN)/test-xenbus-relay: private LINK_LIBS := -lpthread
$(BIN)/test-xenbus-relay: $(call objs,frontend/tests/test-xenbus-relay.c) \
		$(TEST_LIB) $(FRONT_LIB) $(RING_LIB) $(HV_LIB)
	$(link)

# blkfront's lent buffers: I/O on them not copied, their bytes in the
# image (xpv-blk-guest --direct against xpv-blkback on sim).
TESTS += frontend/tests/test-blkfront-direct.sh
