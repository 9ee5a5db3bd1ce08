# tests/lib/: $(TEST_LIB) (libxpvtest.a), the helpers the C test drivers
# share: check.h (result lines, fatal exit, a monotonic clock), domain.h
# (start a sim guest and introduce it to xenstored; a program that uses
# it also lists $(HV_LIB)) and console.h (a guest's stderr, copied to
# ours). tests/lib.sh is its shell counterpart for the scripts.
LIBS += $(TEST_LIB)

$(TEST_LIB): $(call objs,tests/lib/check.c tests/lib/console.c tests/lib/domain.c)
	$(archive)
