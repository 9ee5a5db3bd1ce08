# hotplug/: the hotplug scripts (Xen's conventions: docs/network.md) and
# build/bin/xpv-netif, the small program on libnl-route-3 that does their
# network plumbing (bridges, bridge ports, MTU, link state).
NL_CFLAGS := $(shell pkg-config --cflags libnl-route-3.0 2>/dev/null || echo -I/usr/include/libnl3)
NL_LDLIBS := $(shell pkg-config --libs libnl-route-3.0 2>/dev/null || echo -lnl-route-3 -lnl-3)

NETIF_SRCS := hotplug/netif/netif.c hotplug/netif/main.c
$(call objs,$(NETIF_SRCS)): CFLAGS += $(NL_CFLAGS)
BUILD_HEADERS += netlink/route/link/bridge.h:libnl-route-3-dev
BUILD_HEADER_CFLAGS += $(NL_CFLAGS)

BINS += $(BIN)/xpv-netif

$(BIN)/xpv-netif: private LINK_LIBS := $(NL_LDLIBS)
$(BIN)/xpv-netif: $(call objs,$(NETIF_SRCS))
	$(link)

# xpv-netif and vif-bridge in network namespaces of their own, against a
# real xpv-xenstored (root only; skipped otherwise).
TESTS += hotplug/tests/test-netif.sh hotplug/tests/test-vif-bridge.sh
# hotplug/block's failures that need no root.
TESTS += hotplug/tests/test-block.sh
