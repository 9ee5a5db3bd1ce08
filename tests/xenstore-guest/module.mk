# tests/xenstore-guest/: a sim guest talks to our xenstored through its
# ring with frontend/'s xenbus client (guest.c), driven from dom0 with
# Debian's libxenstore (test-xenstore-guest.c) by test-guest.sh.
TEST_PROGS += $(BIN)/xenstore-test-guest $(BIN)/test-xenstore-guest
TESTS += tests/xenstore-guest/test-guest.sh

$(BIN)/xenstore-test-guest: $(call objs,tests/xenstore-guest/guest.c) \
		$(FRONT_LIB) $(RING_LIB) $(HV_LIB)
	$(link)

$(BIN)/test-xenstore-guest: $(call objs,tests/xenstore-guest/test-xenstore-guest.c) \
		$(TEST_LIB) $(HV_LIB)
	$(link)
