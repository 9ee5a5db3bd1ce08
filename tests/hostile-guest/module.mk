# tests/hostile-guest/: real guest processes attack what sim promises
# (docs/hv.md, "Security"); each test is named by its attack.
#   test-guest-world   a guest's world: /proc, its root, environment,
#                      stdio, host directories, domid reuse, ptys, aio,
#                      inotify (its guest: hostile-world-guest)
TEST_PROGS += $(BIN)/hostile-world-guest $(BIN)/test-guest-world
TESTS += $(BIN)/test-guest-world

$(BIN)/hostile-world-guest: $(call objs,tests/hostile-guest/world-guest.c)
	$(link)

$(BIN)/test-guest-world: $(call objs,tests/hostile-guest/test-guest-world.c) $(HV_TEST_HARNESS) $(HV_LIB) | $(BIN)/hostile-world-guest $(BIN)/xpv-hv
	$(link)
