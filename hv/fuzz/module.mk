# hv/fuzz/: libFuzzer targets (make fuzz / make check-fuzz); seeds in
# corpus/<name>/, written by make-seeds.py.
#   fuzz-hv-requests  the daemon's request handling, on a connection of an
#                     unprivileged domain: every daemon file but main's
FUZZ_TARGETS += $(BIN)/fuzz-hv-requests
HV_FUZZ_SRCS := hv/fuzz/fuzz-hv-requests.c \
	$(filter-out hv/sim/daemon.c,$(wildcard hv/sim/daemon*.c)) \
	$(wildcard hv/sim/shared*.c)

$(BIN)/fuzz-hv-requests: $(call objs,$(HV_FUZZ_SRCS))
	$(link)
