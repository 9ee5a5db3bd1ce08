# tests/xen: the real-Xen test tier, Xen 4.17 + dom0 booted under QEMU (TCG).
#
#   make check-xen           the whole plan, once per xenstore daemon in
#                            XEN_XENSTORED (default "xpv debian"); <= 5 min
#   make check-xen XEN_TESTS="hv-common"        one test (and what it needs)
#   make check-xen XEN_RUN="cmd"                run cmd in dom0, show output
#   make check-xen-selftest  break the test bed on purpose and check that it
#                            reports each fault clearly and in time
# Serial logs: build/xen/serial-<store>.log. See docs/testing.md.
#
# test-boot-watch.sh runs in `make test`: boot.sh's reading of scripted
# consoles, with a stand-in for QEMU (seconds, no Xen).
TESTS += tests/xen/test-boot-watch.sh

# A part that does not build must not hide the Xen tier: what did build is
# tested, and a missing program is reported as a skip by the plan.

check-xen:
	@$(MAKE) --no-print-directory -k all >/dev/null 2>&1 || \
		echo "check-xen: part of the build failed; testing what was built"
	@BUILD=$(BUILD) CACHE=$(CACHE) RESULTS=$(RESULTS) tests/xen/check-xen.sh

check-xen-selftest:
	@$(MAKE) --no-print-directory -k all >/dev/null 2>&1 || \
		echo "check-xen: part of the build failed; testing what was built"
	@BUILD=$(BUILD) CACHE=$(CACHE) RESULTS=$(RESULTS) tests/xen/selftest.sh

.PHONY: check-xen check-xen-selftest

# The QMP monitor of the test bed's stand-in for QEMU, which xl starts to
# serve a PV guest's qdisk (qcow2) disks (tests/xen/dom0/qemu-standin).
TEST_PROGS += $(BIN)/xpv-qmp-standin

$(BIN)/xpv-qmp-standin: $(call objs,tests/xen/qmp-standin.c)
	$(link)
