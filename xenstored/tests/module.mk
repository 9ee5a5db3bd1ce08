# xenstored/tests/: the core in-process (test-xenstored) and the daemon
# over its socket (test-xenstored-socket.sh with xs-wire, a raw client).
TEST_PROGS += $(BIN)/test-xenstored $(BIN)/xs-wire
TESTS += $(BIN)/test-xenstored xenstored/tests/test-xenstored-socket.sh \
	xenstored/tests/test-xenstored-options.sh

# --wrap=realloc: the test injects allocation failures into the core.
$(BIN)/test-xenstored: private LINK_FLAGS := -Wl,--wrap=realloc
$(BIN)/test-xenstored: $(call objs,xenstored/tests/test-xenstored.c \
		xenstored/fuzz/harness.c) \
		$(TEST_LIB) $(XENSTORED_LIB) $(RING_LIB) $(HV_LIB)
	$(link)

$(BIN)/xs-wire: $(call objs,xenstored/tests/xs-wire.c) $(TEST_LIB) $(RING_LIB)
	$(link)
