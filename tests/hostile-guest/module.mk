# tests/hostile-guest/: real guest processes attack what sim promises
# (docs/hv.md, "Security"); each test is named by its attack.
#   test-guest-world   a guest's world: /proc, its root, environment,
#                      stdio, host directories, domid reuse, ptys, aio,
#                      inotify
#   test-hv-restart    xpv-hv SIGKILLed, then restarted; SIGTERM while
#                      guests spin, flood it with requests, sit frozen
# Their guest is hostile-world-guest (world-guest.c), driven by driver.c.
TEST_PROGS += $(BIN)/hostile-world-guest $(BIN)/test-guest-world \
	$(BIN)/test-hv-restart
TESTS += $(BIN)/test-guest-world $(BIN)/test-hv-restart

$(BIN)/hostile-world-guest: $(call objs,tests/hostile-guest/world-guest.c) $(HV_LIB)
	$(link)

HG_DRIVER := $(call objs,tests/hostile-guest/driver.c)

$(BIN)/test-guest-world: $(call objs,tests/hostile-guest/test-guest-world.c) $(HG_DRIVER) $(HV_TEST_HARNESS) $(HV_LIB) | $(BIN)/hostile-world-guest $(BIN)/xpv-hv
	$(link)

$(BIN)/test-hv-restart: $(call objs,tests/hostile-guest/test-hv-restart.c) $(HG_DRIVER) $(HV_TEST_HARNESS) $(HV_LIB) | $(BIN)/hostile-world-guest $(BIN)/xpv-hv
	$(link)
