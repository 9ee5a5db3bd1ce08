# backend/consoled/: xpv-consoled, dom0's console daemon (xenconsoled's
# part), on the xenbus backend core: every domain's console ring to a pty
# (its path in console/tty, for `xpv console`) and a log file.
CONSOLED_SRCS := backend/consoled/main.c backend/consoled/console.c
BINS += $(BIN)/xpv-consoled

$(BIN)/xpv-consoled: $(call objs,$(CONSOLED_SRCS)) $(BACKEND_LIB) $(RING_LIB) \
		$(HV_LIB)
	$(link)

# Hostile guests (tests/cons-guest.c: a broken ring, a console ringing
# while it is removed) against the real daemon through `xpv`.
TEST_PROGS += $(BIN)/xpv-consoled-test-guest
TESTS += backend/consoled/tests/test-consoled-hostile.sh

$(BIN)/xpv-consoled-test-guest: $(call objs,backend/consoled/tests/cons-guest.c) \
		$(HV_LIB)
	$(link)
