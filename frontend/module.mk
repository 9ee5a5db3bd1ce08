# frontend/: what a guest links to be a Xen frontend. libxpvfront.a holds
# the xenbus client (xenbus.h); blkfront and netfront will join it.
# Link it with $(FRONT_LDLIBS) (it needs hv/ and ring/).
FRONT_SRCS := frontend/xenbus.c frontend/xenbus_ops.c frontend/xenbus_fd.c \
	frontend/xenbus_ring.c frontend/xenbus_open.c
FRONT_LIB := $(LIBDIR)/libxpvfront.a
FRONT_LDLIBS = $(FRONT_LIB) $(RING_LDLIBS) $(HV_LDLIBS)
LIBS += $(FRONT_LIB)

$(FRONT_LIB): $(call objs,$(FRONT_SRCS))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

# The client against a scripted, lying daemon (no hypervisor needed).
TEST_PROGS += $(BIN)/test-xenbus
TESTS += $(BIN)/test-xenbus

# ring/ and hv/ are included after this file: name their libraries here.
FRONT_DEPS := $(FRONT_LIB) $(LIBDIR)/libxpvring.a $(LIBDIR)/libxpvhv.a

$(BIN)/test-xenbus: $(call objs,frontend/tests/test-xenbus.c) $(FRONT_DEPS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(FRONT_LDLIBS) -lpthread

# The client against any byte stream a hostile daemon could send
# (libFuzzer; `make fuzz`, `make check-fuzz`; seeds in
# frontend/fuzz/corpus/xenbus-client/).
FUZZ_TARGETS += $(BIN)/fuzz-xenbus-client

$(BIN)/fuzz-xenbus-client: $(call objs,frontend/fuzz/fuzz-xenbus-client.c) $(FRONT_DEPS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(FUZZ_LDFLAGS) -o $@ $(filter %.o,$^) $(FRONT_LDLIBS)


# The whole API against a live store (a socket here; /dev/xen/xenbus when
# the real-Xen test bed runs it in dom0).
TEST_PROGS += $(BIN)/xenbus-smoke
TESTS += frontend/tests/test-xenbus-socket.sh

$(BIN)/xenbus-smoke: $(call objs,frontend/tests/xenbus-smoke.c) $(FRONT_DEPS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(FRONT_LDLIBS)
