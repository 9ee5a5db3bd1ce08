# backend/: dom0's backends. $(BACKEND_LIB) (libxpvbackend.a) is the
# xenbus backend core (xenbus.h) and the daemon skeleton (daemon.h) every
# backend daemon links, with $(HV_LIB) after it. backend/echo/ is the demo device's backend, xpv-echoback.
BACKEND_SRCS := backend/xenbus.c backend/state.c backend/store.c \
	backend/error.c backend/daemon.c
LIBS += $(BACKEND_LIB)

$(BACKEND_LIB): $(call objs,$(BACKEND_SRCS))
	$(archive)

ECHOBACK_SRCS := backend/echo/echo.c backend/echo/main.c
BINS += $(BIN)/xpv-echoback

$(BIN)/xpv-echoback: $(call objs,$(ECHOBACK_SRCS)) $(BACKEND_LIB) $(HV_LIB)
	$(link)

# The state machine, table-driven, and the read helpers value by value,
# against a real xpv-xenstored: backend/tests/.
TEST_PROGS += $(BIN)/test-backend-core
TESTS += backend/tests/test-backend-core.sh

$(BIN)/test-backend-core: $(call objs,backend/tests/test-backend-core.c) \
		$(TEST_LIB) $(BACKEND_LIB) $(HV_LIB)
	$(link)

# The daemon skeleton's loop (daemon.h): the daemon's events before the
# core's, busy, signals, against a real xpv-hv and xpv-xenstored.
TEST_PROGS += $(BIN)/test-backend-daemon
TESTS += backend/tests/test-backend-daemon.sh

$(BIN)/test-backend-daemon: $(call objs,backend/tests/test-backend-daemon.c) \
		$(TEST_LIB) $(BACKEND_LIB) $(HV_LIB)
	$(link)

# The echo device end to end on the core (rounds, a killed and restarted
# backend, requests pending while none runs, an unplug): backend/tests/.
TESTS += backend/tests/test-echo.sh

# A frontend that restarts while it rings (backend/tests/echo-stale-guest.c,
# run by xpv-demo) against the real xpv-echoback.
TEST_PROGS += $(BIN)/xpv-echo-stale-guest
TESTS += backend/tests/test-echo-stale.sh

$(BIN)/xpv-echo-stale-guest: $(call objs,backend/tests/echo-stale-guest.c) \
		$(FRONT_LIB) $(RING_LIB) $(HV_LIB)
	$(link)
