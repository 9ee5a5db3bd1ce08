# tests/demo/: `make demo`, the main job: one guest with one split-driver
# device ("echo", backend/echo/protocol.h) on the embedded hypervisor.
# xpv-demo is dom0's toolstack (demo.c); the device's backend is
# xpv-echoback (backend/echo/); xpv-demo-guest is the guest's kernel
# (echo-guest.c); tests/demo.sh starts the daemons and runs them.
# tests/demo/test-demo.sh runs the same demo as a test.
BINS += $(BIN)/xpv-demo $(BIN)/xpv-demo-guest
TESTS += tests/demo/test-demo.sh

$(BIN)/xpv-demo: $(call objs,tests/demo/demo.c) $(HV_LIB)
	$(link)

$(BIN)/xpv-demo-guest: $(call objs,tests/demo/echo-guest.c) \
		$(FRONT_LIB) $(RING_LIB) $(HV_LIB)
	$(link)
