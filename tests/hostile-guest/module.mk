# tests/hostile-guest/: real guest processes attack what sim promises
# (docs/hv.md, "Security"); each test is named by its attack.
#   test-guest-world   a guest's world: /proc, its root, environment,
#                      stdio, host directories, domid reuse, ptys, aio,
#                      inotify
#   test-hv-restart    xpv-hv SIGKILLed, then restarted; SIGTERM while
#                      guests spin, flood it with requests, sit frozen
#   test-evtchn-stall  event channel ends poisoned (O_NONBLOCK cleared,
#                      buffers filled, shut down, never read): xpv-hv, a
#                      dom0 notifier and xpv-xenstored still answer
#   test-fd-close-stall  files whose close never returns (a lingering TCP
#                      socket, a file of the guest's FUSE mount) handed to
#                      xpv-hv and dom0: refused; SIGTERM still ends xpv-hv
#   test-stdio-stall   a guest's stdout write stuck in a fault it controls:
#                      dom0's reads of its stdio do not wait
#   test-copy-storm    grant copies as costly as xpv-hv takes, from 500
#                      connections: refused over the limits, dom0 served
#   test-freeze-stall  a guest task the freezer cannot stop: pause,
#                      shutdown and destroy do not wait for it
# The world tests' guest is hostile-world-guest (world-guest.c), driven by
# driver.c; test-evtchn-stall's is evtchn-stall-guest.
TEST_PROGS += $(BIN)/hostile-world-guest $(BIN)/test-guest-world \
	$(BIN)/test-hv-restart
TESTS += $(BIN)/test-guest-world $(BIN)/test-hv-restart

# The guests' side of the line protocol driver.c speaks.
HG_GUEST_IO := $(call objs,tests/hostile-guest/guest-io.c)

$(BIN)/hostile-world-guest: $(call objs,tests/hostile-guest/world-guest.c) $(HG_GUEST_IO) $(HV_LIB)
	$(link)

HG_DRIVER := $(call objs,tests/hostile-guest/driver.c)

$(BIN)/test-guest-world: $(call objs,tests/hostile-guest/test-guest-world.c) $(HG_DRIVER) $(HV_TEST_HARNESS) $(HV_LIB) | $(BIN)/hostile-world-guest $(BIN)/xpv-hv
	$(link)

$(BIN)/test-hv-restart: $(call objs,tests/hostile-guest/test-hv-restart.c) $(HG_DRIVER) $(HV_TEST_HARNESS) $(HV_LIB) | $(BIN)/hostile-world-guest $(BIN)/xpv-hv
	$(link)

TEST_PROGS += $(BIN)/evtchn-stall-guest $(BIN)/test-evtchn-stall
TESTS += tests/hostile-guest/test-evtchn-stall.sh

$(BIN)/evtchn-stall-guest: $(call objs,tests/hostile-guest/evtchn-stall-guest.c) $(RING_LIB) $(HV_LIB)
	$(link)

$(BIN)/test-evtchn-stall: $(call objs,tests/hostile-guest/test-evtchn-stall.c) $(TEST_LIB) $(HV_LIB)
	$(link)

TEST_PROGS += $(BIN)/fd-stall-guest $(BIN)/test-fd-close-stall \
	$(BIN)/test-stdio-stall $(BIN)/test-freeze-stall
TESTS += $(BIN)/test-fd-close-stall $(BIN)/test-stdio-stall \
	$(BIN)/test-freeze-stall

$(BIN)/fd-stall-guest: $(call objs,tests/hostile-guest/fd-stall-guest.c) $(HG_GUEST_IO) $(HV_LIB)
	$(link)

$(BIN)/test-fd-close-stall: $(call objs,tests/hostile-guest/test-fd-close-stall.c) $(HG_DRIVER) $(HV_TEST_HARNESS) $(HV_LIB) | $(BIN)/fd-stall-guest $(BIN)/xpv-hv
	$(link)

$(BIN)/test-stdio-stall: $(call objs,tests/hostile-guest/test-stdio-stall.c) $(HG_DRIVER) $(HV_TEST_HARNESS) $(HV_LIB) | $(BIN)/fd-stall-guest $(BIN)/xpv-hv
	$(link)

$(BIN)/test-freeze-stall: $(call objs,tests/hostile-guest/test-freeze-stall.c) $(HG_DRIVER) $(HV_TEST_HARNESS) $(HV_LIB) | $(BIN)/fd-stall-guest $(BIN)/xpv-hv
	$(link)

TEST_PROGS += $(BIN)/copy-storm-guest $(BIN)/test-copy-storm
TESTS += $(BIN)/test-copy-storm

$(BIN)/copy-storm-guest: $(call objs,tests/hostile-guest/copy-storm-guest.c) $(HG_GUEST_IO) $(HV_TEST_OWN_CONN) $(HV_LIB)
	$(link)

$(BIN)/test-copy-storm: $(call objs,tests/hostile-guest/test-copy-storm.c) $(HG_DRIVER) $(HV_TEST_HARNESS) $(HV_LIB) | $(BIN)/copy-storm-guest $(BIN)/xpv-hv
	$(link)
