# tests/xenstore/: the reference peer (Debian's C xenstored 4.17 under a
# stand-in library), conformance and differential tests. See
# docs/xenstore-conformance.md. (The benchmark that compares the two
# daemons is xenstored/bench/.)

# The stand-in is preloaded into Debian's uninstrumented xenstored, so it is
# built without the sanitizers whatever the build flavour.
XSREF_CFLAGS := $(filter-out -fsanitize%,$(CFLAGS)) -fPIC
LIBS += $(XSREF_STANDIN)

$(XSREF_STANDIN): tests/xenstore/standin.c | $(BUILD)/.build-deps
	@mkdir -p $(@D)
	$(CC) $(XSREF_CFLAGS) -shared -o $@ $< -ldl

# Tests, run by `make test` from the tree top (each skips, exit 77, while
# our daemon or the reference is missing).
TESTS += tests/xenstore/test-utils.sh tests/xenstore/test-xen-conformance.sh \
	tests/xenstore/test-differential.sh tests/xenstore/test-differential-domu.sh

# The differential tester and the load generator (xenstored/bench/) speak
# the wire protocol themselves (xsclient.c), so no client library sits
# between them and the daemon.
XSTEST_CLIENT := $(call objs,tests/xenstore/xsclient.c)
TEST_PROGS += $(BIN)/xs-differential

$(BIN)/xs-differential: $(call objs,tests/xenstore/differential.c \
		tests/xenstore/diffgen.c tests/xenstore/script.c) \
		$(XSTEST_CLIENT) $(RING_LIB)
	$(link)

# A domU's xenstore connection as a socket, on ours (a sim domain) and on
# the reference (the stand-in's ring file): see domconn.c and relay.c.
TEST_PROGS += $(BIN)/xs-ring-relay $(BIN)/xs-domconn

$(BIN)/xs-ring-relay: $(call objs,tests/xenstore/relay.c) $(RING_LIB) $(HV_LIB)
	$(link)

$(BIN)/xs-domconn: $(call objs,tests/xenstore/domconn.c) $(XSTEST_CLIENT) \
		$(TEST_LIB) $(RING_LIB) $(HV_LIB)
	$(link)
