/*
 * netif_hash.c - the Toeplitz hash of netif.h's hash extension
 * (XPV_NETIF_CTRL_HASH_ALGORITHM_TOEPLITZ), as its header describes it:
 * for every bit set in the input, counted from the most significant bit
 * of the first byte, the 32 key bits starting at that bit's position are
 * XORed into the hash; key bits past the key's end are zero.
 */
#include "ring/netif.h"

/* The 32 bits of key starting at bit position bit (0: the top bit of
 * key[0]). */
static uint32_t key_window(const uint8_t *key, unsigned int keylen,
			   unsigned int bit)
{
	unsigned int first = bit / 8, i;
	uint64_t w = 0;

	/* 5 bytes hold any 32-bit window that starts inside the first */
	for (i = 0; i < 5; i++)
		w = (w << 8) | (first + i < keylen ? key[first + i] : 0);
	return (uint32_t)(w >> (8 - bit % 8));
}

uint32_t xpv_netif_toeplitz_hash(const uint8_t *key, unsigned int keylen,
				 const uint8_t *buf, unsigned int buflen)
{
	uint32_t hash = 0;
	unsigned int bit;

	for (bit = 0; bit < buflen * 8; bit++)
		if (buf[bit / 8] & (0x80 >> (bit % 8)))
			hash ^= key_window(key, keylen, bit);
	return hash;
}
