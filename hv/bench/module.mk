# hv/bench/: the sim data path's costs (make bench-hv).
#   bench-hv  grant copy, map, event channel, each against a request to
#             xpv-hv, and a grant copy against memcpy + its 2 atomics
BENCHES += bench-hv
$(BIN)/bench-hv: $(call objs,hv/bench/bench-hv.c hv/tests/harness.c) $(HV_LIB) | $(BIN)/xpv-hv
	$(link)

bench-hv: $(BIN)/bench-hv
	@BIN=$(CURDIR)/$(BIN) $(BIN)/bench-hv
.PHONY: bench-hv
