# tests/lib/: libxpvtest.a, the helpers the C test drivers share (check.h:
# result lines, fatal exit, a monotonic clock). tests/lib.sh is its shell
# counterpart for the scripts. Link it with $(TEST_LIB).
TEST_LIB := $(LIBDIR)/libxpvtest.a
LIBS += $(TEST_LIB)

$(TEST_LIB): $(call objs,tests/lib/check.c)
	@mkdir -p $(@D)
	$(AR) rcs $@ $^
