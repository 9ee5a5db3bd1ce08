# tests/xenstore-hostile/: bad input to our xenstored over its socket and
# over a sim guest's ring; every other client must keep working.
TEST_PROGS += $(BIN)/xenstore-hostile-guest $(BIN)/test-xenstore-hostile
TESTS += tests/xenstore-hostile/test-hostile.sh

# ring/ and hv/ are included after this file: name their libraries here.
XSH_DEPS := $(LIBDIR)/libxpvfront.a $(LIBDIR)/libxpvring.a $(LIBDIR)/libxpvhv.a

$(BIN)/xenstore-hostile-guest: $(call objs,tests/xenstore-hostile/hostile-guest.c) $(XSH_DEPS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(FRONT_LDLIBS)

$(BIN)/test-xenstore-hostile: $(call objs,tests/xenstore-hostile/test-xenstore-hostile.c) $(TEST_LIB) $(LIBDIR)/libxpvhv.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(TEST_LIB) $(HV_LDLIBS)

# The ring transport itself on a plain page, no hypervisor (domain.c's
# test hooks), with the daemon's core library.
TEST_PROGS += $(BIN)/test-xs-ring-transport
TESTS += $(BIN)/test-xs-ring-transport

$(BIN)/test-xs-ring-transport: $(call objs,tests/xenstore-hostile/test-ring-transport.c xenstored/fuzz/harness.c) \
		$(LIBDIR)/libxpvxenstored.a $(LIBDIR)/libxpvring.a $(LIBDIR)/libxpvhv.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBDIR)/libxpvxenstored.a $(RING_LDLIBS) $(HV_LDLIBS)
