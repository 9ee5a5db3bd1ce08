# backend/image/: $(IMAGE_LIB) (libxpvimage.a), the disk image layer
# blkback serves from (image.h): raw files, qcow2 with a backing chain,
# host block devices. It uses no other xpv library.
IMAGE_SRCS := backend/image/image.c backend/image/raw.c \
	backend/image/qcow2.c backend/image/qcow2-header.c \
	backend/image/qcow2-cache.c backend/image/qcow2-refcount.c \
	backend/image/qcow2-map.c
LIBS += $(IMAGE_LIB)

$(IMAGE_LIB): $(call objs,$(IMAGE_SRCS))
	$(archive)

# Tests (backend/image/tests/): each test-NAME.c is a program linked with
# the helpers they share (util.c); qemu-img judges what they wrote.
IMAGE_TESTS := image-raw qcow2-rw qcow2-alloc qcow2-backing qcow2-discard qcow2-crash \
	qcow2-hostile
IMAGE_TEST_BINS := $(addprefix $(BIN)/test-,$(IMAGE_TESTS))
TEST_PROGS += $(IMAGE_TEST_BINS)
TESTS += $(IMAGE_TEST_BINS)

$(IMAGE_TEST_BINS): $(BIN)/test-%: $(OBJ)/backend/image/tests/test-%.o \
		$(call objs,backend/image/tests/util.c) $(TEST_LIB) $(IMAGE_LIB)
	$(link)

# Fuzzing: fuzz-qcow2 opens, reads, writes, discards and flushes any bytes
# as a qcow2 image (`make fuzz`, `make check-fuzz`; seeds in
# backend/image/fuzz/corpus/qcow2/, made by backend/image/fuzz/make-seeds.sh).
FUZZ_TARGETS += $(BIN)/fuzz-qcow2

$(BIN)/fuzz-qcow2: $(call objs,backend/image/fuzz/fuzz-qcow2.c) $(IMAGE_LIB)
	$(link)

# make bench-image: what mapping a 4 KiB request costs on qcow2 against
# raw (cache hits, cache misses, and next to an O_DIRECT read), in one run.
TEST_PROGS += $(BIN)/bench-image
BENCHES += bench-image

$(BIN)/bench-image: $(call objs,backend/image/bench/bench-image.c) $(IMAGE_LIB)
	$(link)

bench-image: $(BIN)/bench-image
	@$(BIN)/bench-image
.PHONY: bench-image
