# hv/xen: the xen platform's own tests. Its sources are built into
# libxpvhv.a by hv/module.mk; the tests live in hv/xen/tests/ so that they
# stay out of the library.
#   test-hv-xen-open  without Xen: XPV_PLATFORM=xen fails with one message
#   test-hv-xen-dom0  in a real Xen dom0 (tests/xen): the platform end to
#                     end; skips elsewhere
#   test-hv-xen-guest in a real Xen dom0 with a PV guest named by
#                     XPV_TEST_DOMID (docs/hv-xen.md); skips elsewhere
#   test-hv-xen-domu  a guest process and dom0 share a page and a port
#                     (hv/xen/tests/domu-run.sh); skips elsewhere
HV_XEN_TESTS := $(BIN)/test-hv-xen-open $(BIN)/test-hv-xen-dom0 \
	$(BIN)/test-hv-xen-guest $(BIN)/test-hv-xen-domu

# hv_open() needs the sim platform's opener from hv/sim; until that part
# has its sources the tests cannot link, and are left out of the build.
ifneq ($(wildcard hv/sim/client*.c),)
TEST_PROGS += $(HV_XEN_TESTS)
TESTS += $(HV_XEN_TESTS)
endif

$(BIN)/test-hv-xen-open: $(call objs,hv/xen/tests/test-hv-xen-open.c) $(HV_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(HV_LDLIBS) $(LDLIBS)

$(BIN)/test-hv-xen-dom0: $(call objs,hv/xen/tests/test-hv-xen-dom0.c) $(HV_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(HV_LDLIBS) $(LDLIBS)

$(BIN)/test-hv-xen-guest: $(call objs,hv/xen/tests/test-hv-xen-guest.c) $(HV_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(HV_LDLIBS) $(LDLIBS)

$(BIN)/test-hv-xen-domu: $(call objs,hv/xen/tests/test-hv-xen-domu.c) $(HV_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(HV_LDLIBS) $(LDLIBS)
