/*
 * qcow2-header.c - reading and checking a qcow2 header (QEMU
 * docs/interop/qcow2.txt, "Header" and "Header extensions").
 *
 * Everything here comes from a file someone else wrote: every field is
 * bounded before it is used, every extension is checked against the
 * bytes actually read. What we do not implement is refused with a
 * sentence naming the feature and what to do about it.
 */
#include "backend/image/qcow2.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static uint32_t be32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

static uint64_t be64_at(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v);
}

/* The fields of a version 2 header, and of version 3 when len has them
 * (a shorter one is refused by the caller). */
static void decode_fixed(struct qcow2_header *h, const uint8_t *b, size_t len)
{
	h->version = be32_at(b + 4);
	h->backing_file_offset = be64_at(b + 8);
	h->backing_file_size = be32_at(b + 16);
	h->cluster_bits = be32_at(b + 20);
	h->size = be64_at(b + 24);
	h->crypt_method = be32_at(b + 32);
	h->l1_size = be32_at(b + 36);
	h->l1_table_offset = be64_at(b + 40);
	h->refcount_table_offset = be64_at(b + 48);
	h->refcount_table_clusters = be32_at(b + 56);
	h->nb_snapshots = be32_at(b + 60);
	h->snapshots_offset = be64_at(b + 64);
	if (h->version == 2) {
		h->refcount_order = 4;
		h->header_length = QCOW2_V2_HEADER_LEN;
		return;
	}
	if (len < QCOW2_V3_HEADER_LEN)
		return;
	h->incompatible = be64_at(b + 72);
	h->compatible = be64_at(b + 80);
	h->autoclear = be64_at(b + 88);
	h->refcount_order = be32_at(b + 96);
	h->header_length = be32_at(b + 100);
}

/* A feature's name from the image's own feature name table, if any. */
struct feature_names {
	const uint8_t *table;
	uint32_t len;
};

static void name_of_bit(const struct feature_names *fn, unsigned bit, char *out,
			size_t out_len)
{
	uint32_t i;

	snprintf(out, out_len, "bit %u", bit);
	for (i = 0; fn->table && i + 48 <= fn->len; i += 48) {
		if (fn->table[i] == 0 && fn->table[i + 1] == bit) {
			snprintf(out, out_len, "bit %u '%.46s'", bit,
				 (const char *)fn->table + i + 2);
			return;
		}
	}
}

#define KNOWN_INCOMPAT                                           \
	(QCOW2_INCOMPAT_DIRTY | QCOW2_INCOMPAT_CORRUPT |         \
	 QCOW2_INCOMPAT_DATA_FILE | QCOW2_INCOMPAT_COMPRESSION | \
	 QCOW2_INCOMPAT_EXTL2)

static int refuse_unknown_incompat(const struct qcow2_header *h,
				   const struct feature_names *fn,
				   const struct img *img, char *why,
				   size_t why_len)
{
	uint64_t unknown = h->incompatible & ~KNOWN_INCOMPAT;
	char names[160] = "", one[64];
	unsigned bit;

	for (bit = 0; bit < 64; bit++) {
		if (!(unknown & (1ull << bit)))
			continue;
		name_of_bit(fn, bit, one, sizeof(one));
		if (strlen(names) + strlen(one) + 3 < sizeof(names)) {
			if (names[0])
				strcat(names, ", ");
			strcat(names, one);
		}
	}
	img_why(why, why_len, img,
		"qcow2 incompatible feature(s) this implementation does not "
		"know: %s; convert the image with 'qemu-img convert -O qcow2'",
		names);
	return -EOPNOTSUPP;
}

/* Features we know but do not implement; the dirty and corrupt bits are
 * checked at open, where the mode is known. */
static int refuse_features(const struct qcow2_header *h,
			   const struct feature_names *fn,
			   const struct img *img, char *why, size_t why_len)
{
	if (h->incompatible & ~KNOWN_INCOMPAT)
		return refuse_unknown_incompat(h, fn, img, why, why_len);
	if (h->incompatible & QCOW2_INCOMPAT_DATA_FILE) {
		img_why(why, why_len, img,
			"qcow2 with an external data file is not supported; "
			"convert it: 'qemu-img convert -O qcow2 %s new.qcow2'",
			img->path);
		return -EOPNOTSUPP;
	}
	if (h->incompatible & QCOW2_INCOMPAT_EXTL2) {
		img_why(why, why_len, img,
			"qcow2 extended L2 entries (subclusters) are not "
			"supported; convert: 'qemu-img convert -O qcow2 -o "
			"extended_l2=off %s new.qcow2'",
			img->path);
		return -EOPNOTSUPP;
	}
	if (h->incompatible & QCOW2_INCOMPAT_COMPRESSION) {
		img_why(why, why_len, img,
			"qcow2 compression (non-zlib type) is not supported; "
			"convert it uncompressed: 'qemu-img convert -O qcow2 "
			"%s new.qcow2'",
			img->path);
		return -EOPNOTSUPP;
	}
	if (h->crypt_method) {
		img_why(why, why_len, img,
			"encrypted qcow2 (crypt_method %u) is not supported; "
			"decrypt it with 'qemu-img convert'",
			h->crypt_method);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int check_geometry(const struct qcow2_header *h, size_t len,
			  const struct img *img, char *why, size_t why_len)
{
	uint64_t cs;

	if (h->cluster_bits < QCOW2_MIN_CLUSTER_BITS ||
	    h->cluster_bits > QCOW2_MAX_CLUSTER_BITS) {
		img_why(why, why_len, img,
			"qcow2 cluster_bits %u out of range (%d-%d)",
			h->cluster_bits, QCOW2_MIN_CLUSTER_BITS,
			QCOW2_MAX_CLUSTER_BITS);
		return -EINVAL;
	}
	cs = 1ull << h->cluster_bits;
	if (h->version == 3 &&
	    (h->header_length < QCOW2_V3_HEADER_LEN || h->header_length % 8 ||
	     h->header_length > cs || h->header_length > len)) {
		img_why(why, why_len, img, "qcow2 header_length %u is invalid",
			h->header_length);
		return -EINVAL;
	}
	if (h->refcount_order > 6) {
		img_why(why, why_len, img,
			"qcow2 refcount_order %u is invalid (at most 6)",
			h->refcount_order);
		return -EINVAL;
	}
	if (h->size > (1ull << 62)) {
		img_why(why, why_len, img, "qcow2 virtual size too large");
		return -EINVAL;
	}
	return 0;
}

static int parse_string_ext(char *dst, size_t dst_len, const uint8_t *data,
			    uint32_t len, const struct img *img,
			    const char *what, char *why, size_t why_len)
{
	if (len >= dst_len || memchr(data, '\0', len)) {
		img_why(why, why_len, img, "qcow2 %s extension is malformed",
			what);
		return -EINVAL;
	}
	memcpy(dst, data, len);
	dst[len] = '\0';
	return 0;
}

/*
 * The extensions run from header_length to the backing file name (or
 * the end of the first cluster); each is type, length, data padded to 8.
 */
static int parse_extensions(struct qcow2_header *h, const uint8_t *buf,
			    size_t len, struct feature_names *fn,
			    const struct img *img, char *why, size_t why_len)
{
	uint64_t end = len, pos = h->header_length;
	uint32_t type, elen;
	int err;

	if (h->backing_file_offset && h->backing_file_offset < end)
		end = h->backing_file_offset;
	while (pos + 8 <= end) {
		type = be32_at(buf + pos);
		elen = be32_at(buf + pos + 4);
		if (type == QCOW2_EXT_END)
			return 0;
		pos += 8;
		if (elen > end - pos) {
			img_why(why, why_len, img,
				"qcow2 header extension 0x%08x overruns the "
				"header",
				type);
			return -EINVAL;
		}
		err = 0;
		if (type == QCOW2_EXT_BACKING_FORMAT)
			err = parse_string_ext(h->backing_format,
					       sizeof(h->backing_format),
					       buf + pos, elen, img,
					       "backing format", why, why_len);
		else if (type == QCOW2_EXT_FEATURE_NAMES)
			*fn = (struct feature_names){ buf + pos, elen };
		if (err)
			return err;
		pos += ((uint64_t)elen + 7) & ~7ull;
	}
	return 0;
}

static int parse_backing_name(struct qcow2_header *h, const uint8_t *buf,
			      size_t len, const struct img *img, char *why,
			      size_t why_len)
{
	uint64_t off = h->backing_file_offset;
	uint32_t n = h->backing_file_size;

	if (!off)
		return 0;
	if (n == 0 || n > QCOW2_MAX_BACKING_NAME || off > len ||
	    n > len - off || off < h->header_length) {
		img_why(why, why_len, img,
			"qcow2 backing file name (offset %llu, %u bytes) is "
			"invalid",
			(unsigned long long)off, n);
		return -EINVAL;
	}
	if (memchr(buf + off, '\0', n)) {
		img_why(why, why_len, img,
			"qcow2 backing file name contains a NUL byte");
		return -EINVAL;
	}
	memcpy(h->backing_name, buf + off, n);
	h->backing_name[n] = '\0';
	return 0;
}

int qcow2_header_parse(struct qcow2_header *h, const uint8_t *buf, size_t len,
		       const struct img *img, char *why, size_t why_len)
{
	struct feature_names fn = { 0 };
	int err;

	memset(h, 0, sizeof(*h));
	if (len < QCOW2_V2_HEADER_LEN || be32_at(buf) != QCOW2_MAGIC) {
		img_why(why, why_len, img,
			"not a qcow2 image (no QFI\\xfb magic); if it is raw, "
			"say format=raw");
		return -EINVAL;
	}
	decode_fixed(h, buf, len);
	if (h->version != 2 && h->version != 3) {
		img_why(why, why_len, img,
			"qcow2 version %u is not supported (2 and 3 are)",
			h->version);
		return h->version > 3 ? -EOPNOTSUPP : -EINVAL;
	}
	if (h->version == 3 && len < QCOW2_V3_HEADER_LEN) {
		img_why(why, why_len, img, "qcow2 header is truncated");
		return -EINVAL;
	}
	err = check_geometry(h, len, img, why, why_len);
	if (!err && h->version == 3 && h->header_length > 104 && buf[104] &&
	    !(h->incompatible & QCOW2_INCOMPAT_COMPRESSION)) {
		img_why(why, why_len, img,
			"qcow2 compression_type %u without its feature bit",
			buf[104]);
		err = -EINVAL;
	}
	if (!err)
		err = parse_extensions(h, buf, len, &fn, img, why, why_len);
	if (!err)
		err = refuse_features(h, &fn, img, why, why_len);
	if (!err)
		err = parse_backing_name(h, buf, len, img, why, why_len);
	return err;
}
