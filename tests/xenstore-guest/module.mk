# tests/xenstore-guest/: a sim guest talks to our xenstored through its
# ring with frontend/'s xenbus client (guest.c), driven from dom0 with
# Debian's libxenstore (test-xenstore-guest.c) by test-guest.sh.
TEST_PROGS += $(BIN)/xenstore-test-guest $(BIN)/test-xenstore-guest
TESTS += tests/xenstore-guest/test-guest.sh

# ring/ and hv/ are included after this file: name their libraries here.
XSG_DEPS := $(LIBDIR)/libxpvfront.a $(LIBDIR)/libxpvring.a $(LIBDIR)/libxpvhv.a

$(BIN)/xenstore-test-guest: $(call objs,tests/xenstore-guest/guest.c) $(XSG_DEPS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(FRONT_LDLIBS)

$(BIN)/test-xenstore-guest: $(call objs,tests/xenstore-guest/test-xenstore-guest.c) $(TEST_LIB) $(LIBDIR)/libxpvhv.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(TEST_LIB) $(HV_LDLIBS)
