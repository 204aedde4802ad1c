/*
 * Small helpers of the base layer: string tests, checked integer parsing,
 * wall and monotonic time, random bytes, uuids and MurmurHash3.
 */

#include "floe/base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

bool floe_str_eq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

bool floe_str_starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool floe_str_ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

int floe_parse_i64(int64_t *out, const char *s)
{
	char *end = NULL;
	long long v;
	if (s == NULL || *s == '\0')
		return floe_error_set(FLOE_EINVAL, "expected an integer, got an empty string");
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0')
		return floe_error_set(FLOE_EINVAL, "expected an integer, got '%s'", s);
	*out = (int64_t)v;
	return 0;
}

int floe_parse_i64n(int64_t *out, const char *s, size_t len)
{
	char tmp[32];
	if (len == 0 || len >= sizeof(tmp))
		return floe_error_set(FLOE_EINVAL, "expected an integer of at most 31 characters");
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	return floe_parse_i64(out, tmp);
}

int64_t floe_time_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t floe_time_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void floe_sleep_us(int64_t us)
{
	struct timespec ts = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Days from civil date (proleptic Gregorian), Howard Hinnant's algorithm. */
int64_t floe_time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;
	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

int floe_time_parse_ms(int64_t *out, const char *s)
{
	int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, n = 0, frac = 0, fd = 0;
	const char *p;
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3)
		goto bad;
	p = s + n;
	if (*p == ' ' || *p == 'T') {
		if (sscanf(p + 1, "%2d:%2d:%2d%n", &h, &mi, &sec, &n) != 3)
			goto bad;
		p += 1 + n;
		if (*p == '.') {
			for (p++; *p >= '0' && *p <= '9'; p++, fd++)
				if (fd < 3)
					frac = frac * 10 + (*p - '0');
			while (fd > 0 && fd < 3) {
				frac *= 10;
				fd++;
			}
		}
		if (*p == 'Z')
			p++;
	}
	if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		goto bad;
	*out =
	    ((floe_time_days_from_civil(y, (unsigned)mo, (unsigned)d) * 24 + h) * 60 + mi) * 60000 +
	    (int64_t)sec * 1000 + frac;
	return 0;
bad:
	return floe_error_set(FLOE_EINVAL,
	                      "bad timestamp '%s' (expected YYYY-MM-DD[ HH:MM:SS[.fff]], UTC)", s);
}

void floe_time_format_ms(int64_t ms, char out[32])
{
	/* floor division without overflow at INT64_MIN */
	int64_t secs = ms / 1000, frac = ms % 1000;
	char tmp[80];
	time_t t;
	struct tm tm;
	if (frac < 0) {
		frac += 1000;
		secs--;
	}
	t = (time_t)secs;
	/* years past what struct tm holds (gmtime_r fails), or more than four
	 * digits: the raw number, never an uninitialised struct tm */
	if (secs < -62135596800LL || secs > 253402300799LL || gmtime_r(&t, &tm) == NULL) {
		snprintf(out, 32, "@%lld ms", (long long)ms);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900,
	         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
	snprintf(out, 32, "%.31s", tmp);
}

int floe_random_bytes(void *out, size_t n)
{
	unsigned char *p = out;
	while (n > 0) {
		ssize_t got = getrandom(p, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return floe_error_set(FLOE_EIO, "getrandom failed: %s", strerror(errno));
		}
		p += got;
		n -= (size_t)got;
	}
	return 0;
}

uint64_t floe_random_u64(void)
{
	uint64_t v = 0;
	if (floe_random_bytes(&v, sizeof(v)) != 0)
		v = (uint64_t)floe_time_mono_us() * 0x9E3779B97F4A7C15ull;
	return v;
}

void floe_uuid_v4(uint8_t out[16])
{
	if (floe_random_bytes(out, 16) != 0) {
		uint64_t a = floe_random_u64(), b = floe_random_u64();
		memcpy(out, &a, 8);
		memcpy(out + 8, &b, 8);
	}
	out[6] = (uint8_t)((out[6] & 0x0F) | 0x40);
	out[8] = (uint8_t)((out[8] & 0x3F) | 0x80);
}

void floe_uuid_format(const uint8_t u[16], char out[37])
{
	static const char hex[] = "0123456789abcdef";
	int j = 0;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[j++] = '-';
		out[j++] = hex[u[i] >> 4];
		out[j++] = hex[u[i] & 15];
	}
	out[j] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int floe_uuid_parse(uint8_t out[16], const char *s)
{
	int n = 0;
	for (const char *p = s; *p; p++) {
		int hi, lo;
		if (*p == '-')
			continue;
		if (n >= 16 || (hi = hexval(p[0])) < 0 || (lo = hexval(p[1])) < 0)
			return floe_error_set(FLOE_EINVAL, "bad uuid '%s'", s);
		out[n++] = (uint8_t)(hi << 4 | lo);
		p++;
	}
	if (n != 16)
		return floe_error_set(FLOE_EINVAL, "bad uuid '%s'", s);
	return 0;
}

static uint32_t rotl32(uint32_t x, int r)
{
	return (x << r) | (x >> (32 - r));
}

uint32_t floe_murmur3_32(const void *data, size_t len, uint32_t seed)
{
	const uint8_t *p = data;
	const uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
	uint32_t h = seed, k;
	size_t i, nblocks = len / 4;
	for (i = 0; i < nblocks; i++) {
		k = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		    (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
		k *= c1;
		k = rotl32(k, 15);
		k *= c2;
		h ^= k;
		h = rotl32(h, 13);
		h = h * 5 + 0xe6546b64;
	}
	k = 0;
	switch (len & 3) {
	case 3: k ^= (uint32_t)p[4 * nblocks + 2] << 16; /* fall through */
	case 2: k ^= (uint32_t)p[4 * nblocks + 1] << 8;  /* fall through */
	case 1:
		k ^= p[4 * nblocks];
		k *= c1;
		k = rotl32(k, 15);
		k *= c2;
		h ^= k;
	}
	h ^= (uint32_t)len;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}
