# frontend/guest/: xpv-guest, the sim platform's guest "kernel"
# (docs/guest.md): the toolstack starts it as a domain's first process; it
# brings up the xenstore and console rings, the shutdown and balloon
# watches and the device frontends, then runs the guest's init on the
# console.
GUEST_SRCS := main.c console.c init.c control.c balloon.c devices.c vif.c
BINS += $(BIN)/xpv-guest

$(BIN)/xpv-guest: $(call objs,$(addprefix frontend/guest/,$(GUEST_SRCS))) \
		$(FRONT_LIB) $(NET_LIB) $(RING_LIB) $(HV_LIB)
	$(link)
