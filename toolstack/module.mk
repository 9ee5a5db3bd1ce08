# toolstack/: the `xpv` command (docs/toolstack.md), like xl.
#
# Config files are read by Xen's libxlutil (libxen-dev), so that every
# config xl accepts is read the same way. libxlutil.so is linked against
# libxenlight (it calls libxl_defbool_set and a libxl enum parser, and
# xlu_disk_parse fills a libxl_device_disk that libxl_device_disk_init /
# _dispose manage), so xpv links -lxenlight too; nothing of libxl's
# domain handling is used (no libxl_ctx is ever made).
XPV_SRCS := xpv.c commands.c config.c config_devices.c config_values.c \
	config_json.c config_write.c xlu_view.c json.c util.c store.c services.c \
	domains.c layout.c devices.c hotplug.c build.c destroy.c monitor.c \
	create.c control.c list.c console.c check.c attach.c top.c sched.c
# The schemas' reader is xenstore-schemas/schema.c, compiled in.
XPV_OBJS := $(call objs,$(addprefix toolstack/,$(XPV_SRCS)) \
	xenstore-schemas/schema.c)
BINS += $(BIN)/xpv
BUILD_HEADERS += libxlutil.h:libxen-dev

$(BIN)/xpv: private LINK_LIBS := -lxlutil -lxenlight
$(BIN)/xpv: $(XPV_OBJS) $(NET_LIB) $(HV_LIB)
	$(link)

# The config reader against good and bad files (toolstack/tests/configs/);
# dom0's services started, shown and stopped.
TESTS += toolstack/tests/test-config.sh toolstack/tests/test-services.sh \
	toolstack/tests/test-lifecycle.sh toolstack/tests/test-console.sh \
	toolstack/tests/test-check.sh toolstack/tests/test-hotplug-block.sh \
	toolstack/tests/test-network.sh toolstack/tests/test-sched.sh

# A guest kernel that abuses its console ring, for test-console-hostile.
TEST_PROGS += $(BIN)/console-hostile-guest
TESTS += toolstack/tests/test-console-hostile.sh

$(BIN)/console-hostile-guest: $(call objs,toolstack/tests/console-hostile-guest.c) \
		$(RING_LIB) $(HV_LIB)
	$(link)

# make bench-lifecycle: create and destroy with 1, 10 and 50 domains
# running, beside the floors (toolstack/bench/bench-lifecycle.c).
BENCHES += bench-lifecycle
TEST_PROGS += $(BIN)/bench-lifecycle

$(BIN)/bench-lifecycle: $(call objs,toolstack/bench/bench-lifecycle.c toolstack/util.c) $(HV_LIB)
	$(link)

bench-lifecycle: $(BIN)/bench-lifecycle $(BIN)/xpv $(BIN)/xpv-guest \
		$(BIN)/xpv-hv $(BIN)/xpv-xenstored
	@BIN=$(CURDIR)/$(BIN) toolstack/bench/bench-lifecycle.sh
.PHONY: bench-lifecycle

# The config reader under libFuzzer (make fuzz, make check-fuzz); seeds in
# toolstack/fuzz/corpus/config/.
FUZZ_TARGETS += $(BIN)/fuzz-config
XPV_CONFIG_OBJS := $(call objs,$(addprefix toolstack/,config.c \
	config_devices.c config_values.c config_write.c xlu_view.c))

$(BIN)/fuzz-config: private LINK_LIBS := -lxlutil -lxenlight
$(BIN)/fuzz-config: $(call objs,toolstack/fuzz/fuzz-config.c) $(XPV_CONFIG_OBJS)
	$(link)
