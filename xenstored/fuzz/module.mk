# xenstored/fuzz/: libFuzzer targets on the daemon's real code, built by
# `make fuzz` into build/fuzz and run by `make check-fuzz`; seeds in
# corpus/<name>/.
#   fuzz-xs-wire  any bytes from a client into framing and every handler
#   fuzz-xs-ring  a hostile guest's ring page into the domain transport
# They link the daemon's core, all but its main().
FUZZ_TARGETS += $(BIN)/fuzz-xs-wire $(BIN)/fuzz-xs-ring

$(BIN)/fuzz-xs-wire: $(call objs,xenstored/fuzz/fuzz-xs-wire.c xenstored/fuzz/harness.c) \
		$(XENSTORED_LIB) $(RING_LIB) $(HV_LIB)
	$(link)

$(BIN)/fuzz-xs-ring: $(call objs,xenstored/fuzz/fuzz-xs-ring.c xenstored/fuzz/harness.c) \
		$(XENSTORED_LIB) $(RING_LIB) $(HV_LIB)
	$(link)
