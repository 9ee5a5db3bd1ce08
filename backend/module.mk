# backend/: dom0's backends. libxpvbackend.a is the xenbus backend core
# (xenbus.h) every backend daemon links, with $(BACKEND_LDLIBS) (it needs
# hv/ for its types and libxenstore, which $(HV_LDLIBS) brings).
# backend/echo/ is the demo device's backend, xpv-echoback.
BACKEND_SRCS := backend/xenbus.c backend/state.c backend/store.c \
	backend/error.c
BACKEND_LIB := $(LIBDIR)/libxpvbackend.a
BACKEND_LDLIBS = $(BACKEND_LIB) $(HV_LDLIBS)
LIBS += $(BACKEND_LIB)

$(BACKEND_LIB): $(call objs,$(BACKEND_SRCS))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

# hv/ is included after this file: name its library here.
BACKEND_DEPS := $(BACKEND_LIB) $(LIBDIR)/libxpvhv.a

ECHOBACK_SRCS := backend/echo/echo.c backend/echo/main.c
BINS += $(BIN)/xpv-echoback

$(BIN)/xpv-echoback: $(call objs,$(ECHOBACK_SRCS)) $(BACKEND_DEPS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(BACKEND_LDLIBS)
