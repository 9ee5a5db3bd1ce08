# tests/net/: the network on sim end to end (docs/network.md): guests
# with xpv-netfront on a bridge through xpv-netback, and `make bench-net`.
# xpv-net-testbed plays the toolstack's part for vifs (as libxl does).
TEST_PROGS += $(BIN)/xpv-net-testbed

$(BIN)/xpv-net-testbed: $(call objs,tests/net/testbed.c) $(NET_LIB) $(HV_LIB)
	$(link)

TEST_PROGS += $(BIN)/xpv-net-xfer

$(BIN)/xpv-net-xfer: $(call objs,tests/net/xfer.c)
	$(link)
TESTS += tests/net/test-net-sim.sh

# A hostile netfront (hostile.c) against the real daemon while two guests
# talk beside it.
TEST_PROGS += $(BIN)/xpv-net-hostile
TESTS += tests/net/test-net-hostile.sh

$(BIN)/xpv-net-hostile: $(call objs,tests/net/hostile.c) $(FRONT_LIB) \
		$(RING_LIB) $(HV_LIB)
	$(link)

# make bench-net: iperf3 through two sim guests against veth pairs on a
# bridge, in one run (tests/net/bench/bench-net.sh; BENCH_NET_SECONDS).
BENCHES += bench-net

bench-net: $(BIN)/xpv-hv $(BIN)/xpv-xenstored $(BIN)/xpv-netback \
		$(BIN)/xpv-netfront $(BIN)/xpv-netif $(BIN)/xpv-net-testbed \
		$(BIN)/xpv-net-xfer
	@BIN=$(CURDIR)/$(BIN) tests/net/bench/bench-net.sh
.PHONY: bench-net
