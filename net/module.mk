# net/: what both ends of a vif share ($(NET_LIB), libxpvnet.a): netif
# metadata to and from virtio-net headers with the header parsing that
# needs (vnet.h), and TAP queues and link settings (tap.h).
NET_SRCS := net/vnet.c net/tap.c
LIBS += $(NET_LIB)

$(NET_LIB): $(call objs,$(NET_SRCS))
	$(archive)

# The header parsing and conversions against hand-built frames.
TEST_PROGS += $(BIN)/test-vnet
TESTS += $(BIN)/test-vnet

$(BIN)/test-vnet: $(call objs,net/tests/test-vnet.c) $(NET_LIB) $(TEST_LIB)
	$(link)
