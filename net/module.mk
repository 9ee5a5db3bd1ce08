# net/: what both ends of a vif share ($(NET_LIB), libxpvnet.a): netif
# metadata to and from virtio-net headers with the header parsing that
# needs (vnet.h), TAP queues and link settings (tap.h), and dom0 making a
# guest's NIC on its behalf (guest_nic.h, on hv/).
NET_SRCS := net/vnet.c net/tap.c net/guest_nic.c
LIBS += $(NET_LIB)

$(NET_LIB): $(call objs,$(NET_SRCS))
	$(archive)

# The header parsing and conversions against hand-built frames.
TEST_PROGS += $(BIN)/test-vnet
TESTS += $(BIN)/test-vnet

$(BIN)/test-vnet: $(call objs,net/tests/test-vnet.c) $(NET_LIB) $(TEST_LIB)
	$(link)

# dom0 making a guest's NIC and handing it in (hv_domain_ns_fd,
# hv_domain_give_fd, hv_take_fd), with guest-nic-guest as the guest.
TEST_PROGS += $(BIN)/guest-nic-guest $(BIN)/test-guest-nic
TESTS += $(BIN)/test-guest-nic

$(BIN)/guest-nic-guest: $(call objs,net/tests/guest-nic-guest.c) $(HV_LIB)
	$(link)

$(BIN)/test-guest-nic: $(call objs,net/tests/test-guest-nic.c hv/tests/harness.c) \
		$(TEST_LIB) $(NET_LIB) $(HV_LIB) | $(BIN)/guest-nic-guest $(BIN)/xpv-hv
	$(link)
