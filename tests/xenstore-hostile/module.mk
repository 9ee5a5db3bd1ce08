# tests/xenstore-hostile/: bad input to our xenstored over its socket and
# over a sim guest's ring; every other client must keep working.
TEST_PROGS += $(BIN)/xenstore-hostile-guest $(BIN)/test-xenstore-hostile
TESTS += tests/xenstore-hostile/test-hostile.sh

$(BIN)/xenstore-hostile-guest: $(call objs,tests/xenstore-hostile/hostile-guest.c) \
		$(FRONT_LIB) $(RING_LIB) $(HV_LIB)
	$(link)

$(BIN)/test-xenstore-hostile: $(call objs,tests/xenstore-hostile/test-xenstore-hostile.c) \
		$(TEST_LIB) $(HV_LIB)
	$(link)

# The ring transport itself on a plain page, no hypervisor (domain.c's
# test hooks), with the daemon's core library.
TEST_PROGS += $(BIN)/test-xs-ring-transport
TESTS += $(BIN)/test-xs-ring-transport

$(BIN)/test-xs-ring-transport: \
		$(call objs,tests/xenstore-hostile/test-ring-transport.c xenstored/fuzz/harness.c) \
		$(TEST_LIB) $(XENSTORED_LIB) $(RING_LIB) $(HV_LIB)
	$(link)
