# hv/: the hypervisor interface (hv.h) and its two platforms.
# $(HV_LIB) (libxpvhv.a) holds hv.c, hv/sim (client side) and hv/xen;
# everything above hv/ links it. build/bin/xpv-hv is the sim platform's
# hypervisor daemon.
HV_SRCS := hv/hv.c $(wildcard hv/sim/client*.c hv/sim/shared*.c) $(wildcard hv/xen/*.c)
LIBS += $(HV_LIB)

$(HV_LIB): $(call objs,$(HV_SRCS))
	$(archive)

HVD_SRCS := $(wildcard hv/sim/daemon*.c hv/sim/shared*.c)
BINS += $(BIN)/xpv-hv

$(BIN)/xpv-hv: $(call objs,$(HVD_SRCS))
	$(link)
