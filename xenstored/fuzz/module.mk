# xenstored/fuzz/: libFuzzer targets on the daemon's real code, built by
# `make fuzz` into build/fuzz and run by `make check-fuzz`; seeds in
# corpus/<name>/.
#   fuzz-xs-wire  any bytes from a client into framing and every handler
#   fuzz-xs-ring  a hostile guest's ring page into the domain transport
# They link the daemon's own objects, all but its main().
XSD_FUZZ_CORE := $(filter-out xenstored/main.c,$(wildcard xenstored/*.c))
XSD_FUZZ_OBJS := $(call objs,xenstored/fuzz/harness.c $(XSD_FUZZ_CORE))
# ring/ and hv/ are included after this file: name their libraries here.
XSD_FUZZ_LIBS := $(LIBDIR)/libxpvring.a $(LIBDIR)/libxpvhv.a

FUZZ_TARGETS += $(BIN)/fuzz-xs-wire $(BIN)/fuzz-xs-ring

$(BIN)/fuzz-xs-wire: $(call objs,xenstored/fuzz/fuzz-xs-wire.c) $(XSD_FUZZ_OBJS) $(XSD_FUZZ_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(FUZZ_LDFLAGS) -o $@ $(filter %.o,$^) $(RING_LDLIBS) $(HV_LDLIBS)

$(BIN)/fuzz-xs-ring: $(call objs,xenstored/fuzz/fuzz-xs-ring.c) $(XSD_FUZZ_OBJS) $(XSD_FUZZ_LIBS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) $(FUZZ_LDFLAGS) -o $@ $(filter %.o,$^) $(RING_LDLIBS) $(HV_LDLIBS)

