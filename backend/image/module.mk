# backend/image/: the disk image layer blkback serves from (image.h):
# raw files, qcow2 with a backing chain, host block devices. Others link
# it with $(IMAGE_LDLIBS).
IMAGE_SRCS := backend/image/image.c backend/image/raw.c \
	backend/image/qcow2.c backend/image/qcow2-header.c \
	backend/image/qcow2-cache.c backend/image/qcow2-refcount.c \
	backend/image/qcow2-map.c
IMAGE_LIB := $(LIBDIR)/libxpvimage.a
IMAGE_LDLIBS := $(IMAGE_LIB) -lpthread
LIBS += $(IMAGE_LIB)

$(IMAGE_LIB): $(call objs,$(IMAGE_SRCS))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

# Tests (backend/image/tests/): each test-NAME.c is a program linked with
# the shared helpers (util.c) and tests/lib's check.h.
IMAGE_TESTS := qcow2-rw
IMAGE_TEST_BINS := $(addprefix $(BIN)/test-,$(IMAGE_TESTS))
IMAGE_TEST_OBJS := $(call objs,backend/image/tests/util.c)
TEST_PROGS += $(IMAGE_TEST_BINS)
TESTS += $(IMAGE_TEST_BINS)

$(IMAGE_TEST_BINS): $(BIN)/test-%: $(OBJ)/backend/image/tests/test-%.o \
		$(IMAGE_TEST_OBJS) $(IMAGE_LIB) $(TEST_LIB)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $< $(IMAGE_TEST_OBJS) $(TEST_LIB) $(IMAGE_LDLIBS) $(LDLIBS)
