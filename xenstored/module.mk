# xenstored/: the xenstore daemon xpv-xenstored (docs/xenstore.md).
# domain.c (the domain-ring transport) belongs to its own engineer but is
# compiled into the daemon here.
XENSTORED_SRCS := main.c loop.c log.c conn.c socket.c wire.c node.c \
	control.c store.c db.c transaction.c watch.c perms.c path.c quota.c \
	core.c domain.c
XENSTORED_CORE_OBJS := $(call objs,$(addprefix xenstored/,$(filter-out main.c,$(XENSTORED_SRCS))))
XENSTORED_LIB := $(LIBDIR)/libxpvxenstored.a
BINS += $(BIN)/xpv-xenstored
LIBS += $(XENSTORED_LIB)

# The core as a library: the daemon, its unit tests and the fuzz targets
# link the same objects.
$(XENSTORED_LIB): $(XENSTORED_CORE_OBJS)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

# os/uring.c alone needs liburing: the daemon links it, the core does not.
$(BIN)/xpv-xenstored: $(call objs,xenstored/main.c xenstored/os/uring.c) $(XENSTORED_LIB) $(RING_LIB) $(HV_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(XENSTORED_LIB) $(RING_LDLIBS) $(HV_LDLIBS) -luring $(LDLIBS)
