/*
 * Column bounds in Iceberg's single-value binary serialization (spec,
 * Appendix D) and the truncation of string and binary bounds that the Java
 * reference applies (metrics mode truncate(16)): a lower bound is a prefix,
 * an upper bound a prefix whose last unit is incremented, or no bound at all
 * when nothing can be incremented. An empty value has an empty (zero-byte)
 * bound, which is a bound like any other.
 */
#include <string.h>

#include "floe/iceberg.h"

static uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)(v & 0xFF);
		v >>= 8;
	}
}

/*
 * Readers order uuids two ways: as 16 unsigned bytes (RFC 9562, PyIceberg,
 * DuckDB, the order floe's bounds come in) or as java.util.UUID does, two
 * signed 64-bit halves (Iceberg Java's Comparators.forType(uuid)). A bound
 * is written only where it holds in both orders, whichever order found it:
 * - the high halves of both bounds must share their top bit, so that every
 *   value between them (in either order) has a high half of that sign and
 *   the high halves order alike; otherwise there is none (random v4 uuids
 *   nearly always straddle 80000000-...);
 * - with equal high halves whose low halves share their top bit, the
 *   bounds themselves hold in both orders and are kept;
 * - otherwise the low halves of the values beside the bounds are unknown,
 *   so the bounds are widened to the neighbouring high halves:
 *   (high - 1, ffffffffffffffff) and (high + 1, 0000000000000000), unless
 *   that leaves the sign half (no bounds then).
 */
bool floe_ice_uuid_bounds(uint8_t lo[16], uint8_t hi[16], const uint8_t *lower, size_t lower_len,
                          const uint8_t *upper, size_t upper_len)
{
	const uint64_t top = (uint64_t)1 << 63;
	uint64_t mh, ml, xh, xl;
	if (lower == NULL || upper == NULL || lower_len != 16 || upper_len != 16)
		return false;
	mh = get_be64(lower);
	ml = get_be64(lower + 8);
	xh = get_be64(upper);
	xl = get_be64(upper + 8);
	if ((mh & top) != (xh & top) || mh > xh)
		return false;
	if (mh == xh && (ml & top) == (xl & top) && ml <= xl) {
		memcpy(lo, lower, 16);
		memcpy(hi, upper, 16);
		return true;
	}
	if ((mh & ~top) == 0 || (xh & ~top) == ~top)
		return false;
	put_be64(lo, mh - 1);
	put_be64(lo + 8, UINT64_MAX);
	put_be64(hi, xh + 1);
	put_be64(hi + 8, 0);
	return true;
}

size_t floe_ice_bound_bool(uint8_t *out, bool v)
{
	out[0] = v ? 1 : 0;
	return 1;
}

size_t floe_ice_bound_i32(uint8_t *out, int32_t v)
{
	uint32_t u = (uint32_t)v;
	for (int i = 0; i < 4; i++)
		out[i] = (uint8_t)(u >> (8 * i));
	return 4;
}

size_t floe_ice_bound_i64(uint8_t *out, int64_t v)
{
	uint64_t u = (uint64_t)v;
	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(u >> (8 * i));
	return 8;
}

size_t floe_ice_bound_f32(uint8_t *out, float v)
{
	uint32_t u;
	memcpy(&u, &v, 4);
	return floe_ice_bound_i32(out, (int32_t)u);
}

size_t floe_ice_bound_f64(uint8_t *out, double v)
{
	uint64_t u;
	memcpy(&u, &v, 8);
	return floe_ice_bound_i64(out, (int64_t)u);
}

size_t floe_ice_bound_decimal(uint8_t *out, __int128 unscaled)
{
	uint8_t be[16];
	unsigned __int128 u = (unsigned __int128)unscaled;
	size_t start = 0;
	for (int i = 15; i >= 0; i--) {
		be[i] = (uint8_t)(u & 0xFF);
		u >>= 8;
	}
	/* drop leading bytes that only repeat the sign */
	while (start < 15 && ((be[start] == 0x00 && !(be[start + 1] & 0x80)) ||
	                      (be[start] == 0xFF && (be[start + 1] & 0x80))))
		start++;
	memcpy(out, be + start, 16 - start);
	return 16 - start;
}

/* Length of the UTF-8 sequence starting with byte c (1 for stray bytes). */
static size_t u8len(uint8_t c)
{
	if (c >= 0xF0)
		return 4;
	if (c >= 0xE0)
		return 3;
	if (c >= 0xC0)
		return 2;
	return 1;
}

/* Byte length of the first `width` code points of s (never cuts inside a
 * sequence), and whether the string is longer than that. */
static size_t prefix_len(const char *s, size_t len, size_t width, bool *longer)
{
	size_t pos = 0, cps = 0;
	while (pos < len && cps < width) {
		size_t n = u8len((uint8_t)s[pos]);
		if (pos + n > len)
			n = len - pos;
		pos += n;
		cps++;
	}
	*longer = pos < len;
	return pos;
}

bool floe_ice_truncate_string_lower(uint8_t *out, size_t *out_len, const char *s, size_t len,
                                    size_t width)
{
	bool longer;
	size_t n = prefix_len(s, len, width, &longer);
	memcpy(out, s, n);
	*out_len = n;
	return true;
}

static uint32_t decode_cp(const uint8_t *p, size_t n)
{
	switch (n) {
	case 1: return p[0];
	case 2: return (uint32_t)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
	case 3: return (uint32_t)(p[0] & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
	default:
		return (uint32_t)(p[0] & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
		       (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
	}
}

static size_t encode_cp(uint8_t *p, uint32_t cp)
{
	if (cp < 0x80) {
		p[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		p[0] = (uint8_t)(0xC0 | cp >> 6);
		p[1] = (uint8_t)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		p[0] = (uint8_t)(0xE0 | cp >> 12);
		p[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
		p[2] = (uint8_t)(0x80 | (cp & 0x3F));
		return 3;
	}
	p[0] = (uint8_t)(0xF0 | cp >> 18);
	p[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
	p[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
	p[3] = (uint8_t)(0x80 | (cp & 0x3F));
	return 4;
}

bool floe_ice_truncate_string_upper(uint8_t *out, size_t *out_len, const char *s, size_t len,
                                    size_t width)
{
	bool longer;
	size_t n = prefix_len(s, len, width, &longer);
	size_t starts[64], ncp = 0, pos = 0;
	memcpy(out, s, n);
	*out_len = n;
	if (!longer)
		return true;
	while (pos < n && ncp < 64) {
		starts[ncp++] = pos;
		pos += u8len((uint8_t)s[pos]);
	}
	/* increment the last code point that can be incremented, drop the rest */
	while (ncp > 0) {
		size_t at = starts[ncp - 1];
		size_t cl = u8len((uint8_t)s[at]);
		uint32_t cp = decode_cp((const uint8_t *)s + at, cl) + 1;
		if (cp >= 0xD800 && cp <= 0xDFFF)
			cp = 0xE000; /* skip the surrogate range */
		if (cp <= 0x10FFFF) {
			*out_len = at + encode_cp(out + at, cp);
			return true;
		}
		ncp--;
	}
	*out_len = 0; /* nothing to increment: no upper bound */
	return false;
}

bool floe_ice_truncate_binary_lower(uint8_t *out, size_t *out_len, const uint8_t *p, size_t len,
                                    size_t width)
{
	size_t n = len < width ? len : width;
	memcpy(out, p, n);
	*out_len = n;
	return true;
}

bool floe_ice_truncate_binary_upper(uint8_t *out, size_t *out_len, const uint8_t *p, size_t len,
                                    size_t width)
{
	size_t n = len < width ? len : width;
	memcpy(out, p, n);
	*out_len = n;
	if (len <= width)
		return true;
	while (n > 0) {
		if (out[n - 1] != 0xFF) {
			out[n - 1]++;
			*out_len = n;
			return true;
		}
		n--;
	}
	*out_len = 0; /* all FF: no upper bound */
	return false;
}
