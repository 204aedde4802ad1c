/*
 * floe base layer: error reporting, the allocation seam (with fault
 * injection), a growable bounded buffer, string helpers, time, uuids,
 * murmur3, md5 and logging. Everything else in floe is built on this; it uses
 * only libc (and sets jansson's allocation hooks, floe_base_init).
 */
#ifndef FLOE_BASE_H
#define FLOE_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

/* ---- error codes: 0 is success, every failure is negative ---- */
enum {
	FLOE_OK = 0,
	FLOE_ENOMEM = -1,       /* allocation failed */
	FLOE_EINVAL = -2,       /* bad argument or bad user input */
	FLOE_EIO = -3,          /* storage read/write failed */
	FLOE_ENOTFOUND = -4,    /* table, namespace, file, snapshot not found */
	FLOE_EEXISTS = -5,      /* already exists */
	FLOE_ECONFLICT = -6,    /* commit lost a race / requirement failed */
	FLOE_ECORRUPT = -7,     /* malformed file (Avro, JSON, metadata) */
	FLOE_EUNSUPPORTED = -8, /* valid but not supported (e.g. INTERVAL column) */
	FLOE_EENGINE = -9,      /* DuckDB reported an error */
	FLOE_EBUSY = -10,       /* catalog locked */
	FLOE_ECATALOG = -11     /* catalog backend failed */
};

/*
 * One thread-local "last error": a code and a one-line message.
 * floe_error_set() replaces it and returns `code` so callers can write
 * `return floe_error_set(FLOE_EINVAL, "...")`. floe_error_prefix() puts
 * context in front of the message ("table marts.x: " + old, cut at 1 KiB)
 * and keeps and returns the code the failing layer set (FLOE_EINVAL when
 * none was set): the cli's exit code and JSON error name come from it.
 */
int floe_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int floe_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *floe_error_message(void); /* never NULL; "" when none */
int floe_error_code(void);
void floe_error_clear(void);
const char *floe_error_name(int code); /* "ENOMEM", ... */

/*
 * Allocation seam. Every allocation in floe goes through these so that a test
 * mode can make the Nth call fail (FLOE_FAULT_ALLOC=N in the environment, or
 * floe_fault_alloc_set()). They set FLOE_ENOMEM as the last error on failure.
 */
void *floe_malloc(size_t n);
void *floe_calloc(size_t count, size_t size);
void *floe_realloc(void *p, size_t n);
void floe_free(void *p);
char *floe_strdup(const char *s);
char *floe_strndup(const char *s, size_t n);
/* printf into a fresh string; caller frees with floe_free. NULL on failure. */
char *floe_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *floe_vasprintf(const char *fmt, va_list ap);
/* 0 disables; N > 0: the Nth allocation from now fails (once). */
void floe_fault_alloc_set(long n);
/* Allocations still to go before the armed failure; 0 when none is armed
 * (or it has happened): a sweep over N stops when a run leaves some. */
long floe_fault_alloc_left(void);
/* Between suspend and resume (nestable, per thread) no injected allocation
 * failure hits this thread: for calls into libraries that do not survive a
 * failed allocation. jansson's parser (json_loadb and friends, 2.14 and
 * upstream) ignores a failed buffer growth in its lexer and then writes
 * out of bounds, so every JSON parse runs suspended; real out-of-memory
 * there is jansson's to handle. */
void floe_fault_alloc_suspend(void);
void floe_fault_alloc_resume(void);
/* Process start-up of the base layer: routes jansson's allocations through
 * the seam above, so that FLOE_FAULT_ALLOC reaches JSON too. Call once,
 * first thing in main() (and in each test program), before any thread
 * starts; calling it again is harmless. */
void floe_base_init(void);

/* I/O fault seam used by the storage layer: FLOE_FAULT_IO=N makes the Nth
 * write-type storage call fail with FLOE_EIO. Returns true if this call must
 * fail. */
bool floe_fault_io_hit(void);
void floe_fault_io_set(long n);

/* ---- growable buffer with a hard cap (curl's dynbuf habit) ----
 *
 * A buffer fails safe: the first put that fails (allocation failure, or the
 * content would pass the cap) frees the memory and marks the buffer failed;
 * from then on ptr is NULL, len is 0 and every put (and grow) fails with the
 * first failure's code, and floe_buf_detach() returns NULL. So a caller that
 * checks only its last put, or the detach, never sees (or runs) a truncated
 * string. floe_buf_reset() and floe_buf_free() start the buffer afresh.
 *
 * Treat the fields as read-only outside src/base, except that a caller that
 * grew the buffer may write into [ptr + len, ptr + len + extra) and then
 * advance len by what it wrote. ptr is NULL while nothing has been put. */
typedef struct {
	char *ptr;  /* NUL-terminated after any successful put; NULL when empty or failed */
	size_t len; /* bytes of content, not counting the NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* hard cap on len; 0 means FLOE_BUF_DEFAULT_MAX */
	int err;    /* 0, or the (negative) code of the first failed put */
} floe_buf;

/* The cap of a buffer made with FLOE_BUF_INIT or floe_buf_init(b, 0): the
 * content may be at most 2 GiB. Buffers that grow from input should say
 * their own cap (FLOE_BUF_INIT_MAX, floe_buf_init). */
#define FLOE_BUF_DEFAULT_MAX ((size_t)1 << 31)
#define FLOE_BUF_INIT_MAX(max)                                                                     \
	{                                                                                          \
		NULL, 0, 0, (max), 0                                                               \
	}
#define FLOE_BUF_INIT FLOE_BUF_INIT_MAX(0)

/* An empty buffer whose content may be at most max bytes (0: the default). */
void floe_buf_init(floe_buf *b, size_t max);
/* Append; 0, or a negative code: FLOE_ENOMEM, FLOE_EINVAL when the content
 * would pass the cap (len == max is allowed), or the code of an earlier
 * failure. On failure the buffer is freed and failed (see above). */
int floe_buf_put(floe_buf *b, const void *data, size_t len);
int floe_buf_puts(floe_buf *b, const char *s);
int floe_buf_putc(floe_buf *b, char c);
int floe_buf_printf(floe_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ensure room for extra more bytes (and the NUL) without changing len; a
 * failure fails the buffer as a put does. */
int floe_buf_grow(floe_buf *b, size_t extra);
/* 0 while every put succeeded, else the code of the first failure. */
int floe_buf_error(const floe_buf *b);
/* len = 0 and no failure; keeps the memory (a failed buffer has none). */
void floe_buf_reset(floe_buf *b);
/* Release the memory; the buffer is empty, not failed, and keeps its cap. */
void floe_buf_free(floe_buf *b);
/* Hand the content to the caller as a NUL-terminated string (free with
 * floe_free; "" for an empty buffer) and set *len_out to its length; the
 * buffer is emptied. NULL when the buffer failed (its code is then the last
 * error; the buffer stays failed) or the copy of "" cannot be made. */
char *floe_buf_detach(floe_buf *b, size_t *len_out);
/* Append s as a SQL string literal ('...' with quotes doubled). */
int floe_buf_put_sql_string(floe_buf *b, const char *s);
/* Append s as a SQL identifier ("..." with quotes doubled). */
int floe_buf_put_sql_ident(floe_buf *b, const char *s);

/* ---- JSON output (jansson) ---- */
typedef struct json_t json_t;
/* json_dump_callback into out (appended): 0, or an error with out as it
 * was. Unlike jansson's json_dumps, a failed allocation anywhere fails the
 * dump (jansson ignores a failed write of an object key and goes on,
 * producing invalid JSON). Use it for every JSON that is published. */
int floe_json_dump(floe_buf *out, const json_t *j, size_t flags);
/* The same as a string the caller frees with floe_free; NULL + error. */
char *floe_json_dumps(const json_t *j, size_t flags);

/* ---- arena: many small allocations freed at once (h2o's habit) ---- */
typedef struct floe_arena_chunk floe_arena_chunk;
typedef struct {
	floe_arena_chunk *head;
	size_t chunk; /* bytes per chunk; larger requests get their own */
} floe_arena;

void floe_arena_init(floe_arena *a, size_t chunk_size);
/* Zeroed, 16-byte aligned memory that lives until reset/free; NULL (and
 * FLOE_ENOMEM as the last error) on failure. */
void *floe_arena_alloc(floe_arena *a, size_t n);
/* Forget every allocation but keep the newest chunk for reuse. */
void floe_arena_reset(floe_arena *a);
void floe_arena_free(floe_arena *a);

/* ---- strings ---- */
bool floe_str_eq(const char *a, const char *b); /* NULL-safe */
bool floe_str_starts_with(const char *s, const char *prefix);
bool floe_str_ends_with(const char *s, const char *suffix);
/* Parse a base-10 int64 from the whole string; 0 or FLOE_EINVAL. */
int floe_parse_i64(int64_t *out, const char *s);
/* Like strtoll over [s, s+len) without requiring NUL termination. */
int floe_parse_i64n(int64_t *out, const char *s, size_t len);

/* ---- time ---- */
int64_t floe_time_now_ms(void);  /* wall clock, epoch milliseconds */
int64_t floe_time_mono_us(void); /* monotonic microseconds */
void floe_sleep_us(int64_t us);  /* at least us microseconds */
/* Days since 1970-01-01 of a proleptic Gregorian date (y may be <= 0). */
int64_t floe_time_days_from_civil(int64_t y, unsigned m, unsigned d);
/* "2026-01-01 10:00:00[.fff]" or "2026-01-01" (UTC) -> epoch ms. */
int floe_time_parse_ms(int64_t *out, const char *s);
/* epoch ms -> "2026-01-01 10:00:00.123" (UTC) into out[32]; any value
 * (INT64_MIN too) is safe: outside years 1..9999 it is "@<ms> ms". */
void floe_time_format_ms(int64_t ms, char out[32]);

/* ---- randomness, uuid, hashing ---- */
int floe_random_bytes(void *out, size_t n); /* getrandom(2) */
uint64_t floe_random_u64(void);
void floe_uuid_v4(uint8_t out[16]);
void floe_uuid_format(const uint8_t u[16], char out[37]); /* lowercase */
int floe_uuid_parse(uint8_t out[16], const char *s);
/* MurmurHash3 x86 32-bit (Iceberg spec, Appendix B: bucket transform). */
uint32_t floe_murmur3_32(const void *data, size_t len, uint32_t seed);
/* MD5 (RFC 1321), for names that must equal dbt's (dbt.utils.md5); not for
 * security. Streaming: init, update any number of times, final. */
typedef struct {
	uint32_t h[4];
	uint64_t len; /* bytes seen */
	uint8_t buf[64];
} floe_md5_ctx;
void floe_md5_init(floe_md5_ctx *c);
void floe_md5_update(floe_md5_ctx *c, const void *data, size_t len);
void floe_md5_final(floe_md5_ctx *c, uint8_t out[16]);
/* The digest of one buffer as 32 lowercase hex digits into out[33]. */
void floe_md5_hex(const void *data, size_t len, char out[33]);

/* ---- logging and progress (the only path to the terminal below cli) ---- */
typedef enum {
	FLOE_LOG_DEBUG = 0,
	FLOE_LOG_INFO = 1,
	FLOE_LOG_WARN = 2,
	FLOE_LOG_ERROR = 3,
	FLOE_LOG_QUIET = 4
} floe_log_level;

void floe_log_set_level(floe_log_level level);
floe_log_level floe_log_get_level(void);
void floe_log(floe_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Also append every log line (all levels, with a UTC timestamp) to a file,
 * e.g. a dbt project's logs/dbt.log; NULL closes it. Parent directories are
 * created. A file of FLOE_LOG_FILE_MAX_BYTES or more is rotated first, to
 * <path>.1 .. <path>.FLOE_LOG_FILE_BACKUPS (dbt's defaults). */
#define FLOE_LOG_FILE_MAX_BYTES (10LL * 1024 * 1024)
#define FLOE_LOG_FILE_BACKUPS 5
int floe_log_set_file(const char *path);
/* true when stderr is a TTY and NO_COLOR is unset */
bool floe_log_color(void);

#endif
