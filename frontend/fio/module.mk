# frontend/fio/: build/lib/fio-xpv-blkfront.so, fio's external ioengine on
# blkfront (fio drives a disk from inside a domain; make bench-blk). A
# shared object, so its sources (the engine, blkfront and what it uses)
# are compiled again position-independent into $(OBJ)/pic.
FIO_ENGINE := $(LIBDIR)/fio-xpv-blkfront.so
FIO_ENGINE_SRCS := frontend/fio/fio-xpv-blkfront.c \
	$(filter-out %/fuzz/% %/tests/%,$(wildcard frontend/*.c)) \
	$(wildcard ring/*.c) hv/hv.c $(wildcard hv/sim/client*.c \
	hv/sim/shared*.c hv/xen/*.c)
LIBS += $(FIO_ENGINE)

$(OBJ)/pic/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -c -o $@ $<

$(FIO_ENGINE): $(patsubst %.c,$(OBJ)/pic/%.o,$(FIO_ENGINE_SRCS))
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -shared -o $@ $^ $(XEN_LIBS) -lpthread

# The engine in a sim domain against the real xpv-blkback: fio's own
# verify, a known pattern in the image, and jobs that pause with I/O
# queued (rate, thinktime) end.
TESTS += frontend/fio/tests/test-fio-engine.sh
