# frontend/guest/: xpv-guest, the sim platform's guest "kernel"
# (docs/guest.md): the toolstack starts it as a domain's first process; it
# brings up the xenstore and console rings, the shutdown and balloon
# watches and the device frontends, then runs the guest's init on the
# console.
GUEST_SRCS := main.c console.c init.c control.c balloon.c devices.c vif.c \
	vbd.c disk.c devfs.c
BINS += $(BIN)/xpv-guest

# Each vbd a disk file (vbd.c, disk.c): libfuse3's low-level API.
FUSE_CFLAGS := $(shell pkg-config --cflags fuse3 2>/dev/null || echo -I/usr/include/fuse3)
FUSE_LDLIBS := $(shell pkg-config --libs fuse3 2>/dev/null || echo -lfuse3 -lpthread)
$(call objs,frontend/guest/disk.c): CFLAGS += $(FUSE_CFLAGS)
BUILD_HEADERS += fuse3/fuse_opt.h:libfuse3-dev
$(BIN)/xpv-guest: private LINK_LIBS := $(FUSE_LDLIBS)

$(BIN)/xpv-guest: $(call objs,$(addprefix frontend/guest/,$(GUEST_SRCS))) \
		$(FRONT_LIB) $(NET_LIB) $(RING_LIB) $(HV_LIB)
	$(link)

# Guests made by xpv create use their vbd as a disk: mkfs.ext4, fuse2fs,
# files, fsck inside; the image checked in dom0 (raw, qcow2, read-only).
TESTS += frontend/guest/tests/test-guest-disk.sh
