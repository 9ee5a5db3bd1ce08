# tests/lib/: libxpvtest.a, the helpers the C test drivers share: check.h
# (result lines, fatal exit, a monotonic clock) and domain.h (start a sim
# guest and introduce it to xenstored; needs hv/ and -lxenstore, which
# $(HV_LDLIBS) brings). tests/lib.sh is its shell counterpart for the
# scripts. Link it with $(TEST_LIB) before $(HV_LDLIBS).
TEST_LIB := $(LIBDIR)/libxpvtest.a
LIBS += $(TEST_LIB)

$(TEST_LIB): $(call objs,tests/lib/check.c tests/lib/domain.c)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^
