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

# Runners for dom0 of the real-Xen test bed (tests/xen copies build/bin
# into dom0 as /xpv/bin): each starts a guest and runs a test against it.
HV_XEN_RUNNERS := $(BIN)/hv-xen-guest-run $(BIN)/hv-xen-domu-run

TEST_PROGS += $(HV_XEN_TESTS) $(HV_XEN_RUNNERS)
TESTS += $(HV_XEN_TESTS)

$(BIN)/test-hv-xen-open: $(call objs,hv/xen/tests/test-hv-xen-open.c) $(TEST_LIB) $(HV_LIB)
	$(link)

$(BIN)/test-hv-xen-dom0: $(call objs,hv/xen/tests/test-hv-xen-dom0.c) $(TEST_LIB) $(HV_LIB)
	$(link)

$(BIN)/test-hv-xen-guest: $(call objs,hv/xen/tests/test-hv-xen-guest.c) $(TEST_LIB) $(HV_LIB)
	$(link)

$(BIN)/test-hv-xen-domu: $(call objs,hv/xen/tests/test-hv-xen-domu.c) $(TEST_LIB) $(HV_LIB)
	$(link)

$(BIN)/hv-xen-guest-run: hv/xen/tests/guest-run.sh
	@mkdir -p $(@D)
	install -m 755 $< $@

$(BIN)/hv-xen-domu-run: hv/xen/tests/domu-run.sh
	@mkdir -p $(@D)
	install -m 755 $< $@
