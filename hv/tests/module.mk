# hv/tests: the hv test suite (docs/hv.md).
#   test-hv-common  one-domain cases, on sim and on real Xen (XPV_PLATFORM=xen)
#   test-hv-sim     multi-domain cases on sim, with hv-test-guest as guests
#   test-hv-doorbell  the event channel transport of sim, attacked alone
#   test-hv-nosyscall  dom0's grant copies and maps make no system call
#   test-hv-gnttab  sim's grant table and its lock, against dead and stopped holders
HV_TEST_HARNESS := $(call objs,hv/tests/harness.c) $(TEST_LIB)

TEST_PROGS += $(BIN)/test-hv-common
TESTS += $(BIN)/test-hv-common

$(BIN)/test-hv-common: $(call objs,hv/tests/test-hv-common.c) $(HV_TEST_HARNESS) $(HV_LIB)
	$(link)

# The event channel transport alone: what a port's holders can do to it.
TEST_PROGS += $(BIN)/test-hv-doorbell
TESTS += $(BIN)/test-hv-doorbell

$(BIN)/test-hv-doorbell: $(call objs,hv/tests/test-hv-doorbell.c) $(TEST_LIB) $(HV_LIB)
	$(link)

# The grant table alone: the active-entry lock against a holder that died
# (a zombie) or stays stopped inside it.
TEST_PROGS += $(BIN)/test-hv-gnttab
TESTS += $(BIN)/test-hv-gnttab

$(BIN)/test-hv-gnttab: $(call objs,hv/tests/test-hv-gnttab.c) $(TEST_LIB) $(HV_LIB)
	$(link)

# dom0's data path under a seccomp filter: not one system call.
TEST_PROGS += $(BIN)/test-hv-nosyscall
TESTS += $(BIN)/test-hv-nosyscall

$(BIN)/test-hv-nosyscall: $(call objs,hv/tests/test-hv-nosyscall.c) $(HV_TEST_HARNESS) $(HV_LIB) | $(BIN)/xpv-hv
	$(link)

TEST_PROGS += $(BIN)/hv-test-guest $(BIN)/test-hv-sim
TESTS += $(BIN)/test-hv-sim

# A fresh connection of a test guest's own domain, for the guests that
# speak xpv-hv's protocol themselves (here and tests/hostile-guest/).
HV_TEST_OWN_CONN := $(call objs,hv/tests/own-conn.c)

$(BIN)/hv-test-guest: $(call objs,hv/tests/guest.c) $(HV_TEST_OWN_CONN) $(HV_LIB)
	$(link)

# test-hv-sim starts hv-test-guest as its guests (their stderr through
# tests/lib's console.c).
$(BIN)/test-hv-sim: $(call objs,hv/tests/test-hv-sim.c) $(HV_TEST_HARNESS) $(TEST_LIB) $(HV_LIB) | $(BIN)/hv-test-guest $(BIN)/xpv-hv
	$(link)
