/*
 * modules.datetime and modules.pytz as dbt packages use them: date,
 * datetime and timedelta values (constructors, now, utcnow, today,
 * replace, strftime, isoformat, weekday, arithmetic and comparison through
 * the __add__/__sub__/__lt__... class methods jinja_eval.c calls for
 * operators). A value keeps its instant as microseconds since 1970 (naive,
 * a time zone is only a label) next to the fields templates read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jinja_internal.h"

#define US_KEY                                                                                     \
	"\x01"                                                                                     \
	"us"
#define US_PER_DAY ((int64_t)86400 * 1000000)

/* ---- values ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* a date (midnight), datetime or timedelta from its microseconds */
static json_t *dt_value(const char *cls, int64_t us, const char *tz)
{
	char text[80];
	json_t *o;
	if (strcmp(cls, "timedelta") == 0) {
		int64_t days = floor_div(us, US_PER_DAY), rest = us - days * US_PER_DAY;
		int64_t secs = rest / 1000000, micro = rest % 1000000;
		int n = 0;
		if (days)
			n = snprintf(text, sizeof(text), "%lld day%s, ", (long long)days,
			             days == 1 || days == -1 ? "" : "s");
		snprintf(text + n, sizeof(text) - (size_t)n, "%lld:%02lld:%02lld",
		         (long long)(secs / 3600), (long long)(secs / 60 % 60),
		         (long long)(secs % 60));
		if (micro)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), ".%06lld",
			         (long long)micro);
		return json_pack("{s:s,s:s,s:I,s:I,s:I,s:I}", FLOE_JINJA_CLASS, cls,
		                 FLOE_JINJA_TEXT, text, US_KEY, (json_int_t)us, "days",
		                 (json_int_t)days, "seconds", (json_int_t)secs, "microseconds",
		                 (json_int_t)micro);
	}
	{
		bool is_date = strcmp(cls, "date") == 0;
		int64_t days = floor_div(us, US_PER_DAY), rest = us - days * US_PER_DAY;
		time_t t = (time_t)(days * 86400 + rest / 1000000);
		long micro = (long)(rest % 1000000);
		struct tm tm;
		gmtime_r(&t, &tm);
		if (is_date)
			snprintf(text, sizeof(text), "%04d-%02d-%02d", tm.tm_year + 1900,
			         tm.tm_mon + 1, tm.tm_mday);
		else
			snprintf(text, sizeof(text), "%04d-%02d-%02d %02d:%02d:%02d",
			         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			         tm.tm_min, tm.tm_sec);
		if (!is_date && micro)
			snprintf(text + strlen(text), sizeof(text) - strlen(text), ".%06ld", micro);
		o = json_pack("{s:s,s:s,s:I,s:i,s:i,s:i}", FLOE_JINJA_CLASS, cls, FLOE_JINJA_TEXT,
		              text, US_KEY, (json_int_t)us, "year", tm.tm_year + 1900, "month",
		              tm.tm_mon + 1, "day", tm.tm_mday);
		if (o && !is_date) {
			json_object_set_new(o, "hour", json_integer(tm.tm_hour));
			json_object_set_new(o, "minute", json_integer(tm.tm_min));
			json_object_set_new(o, "second", json_integer(tm.tm_sec));
			json_object_set_new(o, "microsecond", json_integer(micro));
			json_object_set_new(o, "tzinfo", tz ? json_string(tz) : json_null());
		}
		return o;
	}
}

static json_int_t num_field(const json_t *o, const char *k, json_int_t dflt)
{
	const json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

/* the instant of a value (also of one built elsewhere from its fields) */
static int64_t us_of(const json_t *o)
{
	const json_t *v = json_object_get(o, US_KEY);
	int64_t days;
	if (json_is_integer(v))
		return json_integer_value(v);
	days = floe_time_days_from_civil(num_field(o, "year", 1970),
	                                 (unsigned)num_field(o, "month", 1),
	                                 (unsigned)num_field(o, "day", 1));
	return days * US_PER_DAY +
	       ((num_field(o, "hour", 0) * 60 + num_field(o, "minute", 0)) * 60 +
	        num_field(o, "second", 0)) *
	           1000000 +
	       num_field(o, "microsecond", 0);
}

static const char *cls_of(const json_t *o)
{
	return json_string_value(json_object_get(o, FLOE_JINJA_CLASS));
}

static const char *tz_of(const json_t *o)
{
	return json_string_value(json_object_get(o, "tzinfo"));
}

/* an argument by position or name */
static const json_t *arg(const json_t *args, size_t i, const json_t *kwargs, const char *name)
{
	const json_t *v = json_array_get(args, i);
	return v ? v : json_object_get(kwargs, name);
}

static json_int_t int_arg(const json_t *args, size_t i, const json_t *kwargs, const char *name,
                          json_int_t dflt)
{
	const json_t *v = arg(args, i, kwargs, name);
	return json_is_integer(v) ? json_integer_value(v) : dflt;
}

static bool valid_ymd(json_int_t y, json_int_t m, json_int_t d)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
	       d <= (m == 2 && !leap ? 28 : mdays[m - 1]);
}

/* ---- constructors ---- */

static int make(json_t **out, const char *cls, json_int_t y, json_int_t mo, json_int_t d,
                json_int_t h, json_int_t mi, json_int_t s, json_int_t us, const char *tz)
{
	if (!valid_ymd(y, mo, d) || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59 ||
	    us < 0 || us > 999999)
		return floe_error_set(FLOE_EINVAL, "modules.datetime: value out of range");
	*out = dt_value(cls,
	                floe_time_days_from_civil(y, (unsigned)mo, (unsigned)d) * US_PER_DAY +
	                    ((h * 60 + mi) * 60 + s) * 1000000 + us,
	                tz);
	return *out ? 0 : FLOE_ENOMEM;
}

static int fn_datetime(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                       void *ud)
{
	const json_t *tz = json_object_get(kwargs, "tzinfo");
	(void)j;
	(void)ud;
	return make(out, "datetime", int_arg(args, 0, kwargs, "year", 0),
	            int_arg(args, 1, kwargs, "month", 0), int_arg(args, 2, kwargs, "day", 0),
	            int_arg(args, 3, kwargs, "hour", 0), int_arg(args, 4, kwargs, "minute", 0),
	            int_arg(args, 5, kwargs, "second", 0),
	            int_arg(args, 6, kwargs, "microsecond", 0),
	            json_string_value(json_object_get(tz, "zone")));
}

static int fn_date(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	(void)j;
	(void)ud;
	return make(out, "date", int_arg(args, 0, kwargs, "year", 0),
	            int_arg(args, 1, kwargs, "month", 0), int_arg(args, 2, kwargs, "day", 0), 0, 0,
	            0, 0, NULL);
}

/* timedelta(days, seconds, microseconds, milliseconds, minutes, hours, weeks) */
static int fn_timedelta(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                        void *ud)
{
	static const struct {
		const char *name;
		double us;
	} parts[] = {{"days", 86400e6},     {"seconds", 1e6},  {"microseconds", 1},
	             {"milliseconds", 1e3}, {"minutes", 60e6}, {"hours", 3600e6},
	             {"weeks", 7 * 86400e6}};
	double total = 0;
	(void)j;
	(void)ud;
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		const json_t *v = arg(args, i, kwargs, parts[i].name);
		double x;
		if (v && !jj_num(v, &x))
			return floe_error_set(FLOE_EINVAL, "timedelta(): %s must be a number",
			                      parts[i].name);
		if (v)
			total += x * parts[i].us;
	}
	if (total > 1e17 || total < -1e17)
		return floe_error_set(FLOE_EINVAL, "timedelta(): out of range");
	*out = dt_value("timedelta", (int64_t)total, NULL);
	return *out ? 0 : FLOE_ENOMEM;
}

/* now() (local time), utcnow(), today() (a datetime), date.today() */
static int fn_now(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	const char *which = ud;
	struct timespec ts;
	struct tm tm;
	int64_t us;
	(void)j;
	(void)args;
	(void)kwargs;
	clock_gettime(CLOCK_REALTIME, &ts);
	if (strcmp(which, "utc") == 0)
		gmtime_r(&ts.tv_sec, &tm);
	else
		localtime_r(&ts.tv_sec, &tm);
	us = floe_time_days_from_civil(tm.tm_year + 1900, (unsigned)tm.tm_mon + 1,
	                               (unsigned)tm.tm_mday) *
	         US_PER_DAY +
	     ((int64_t)(tm.tm_hour * 60 + tm.tm_min) * 60 + tm.tm_sec) * 1000000 +
	     ts.tv_nsec / 1000;
	if (strcmp(which, "date") == 0)
		us = floor_div(us, US_PER_DAY) * US_PER_DAY;
	*out = dt_value(strcmp(which, "date") == 0 ? "date" : "datetime", us, NULL);
	return *out ? 0 : FLOE_ENOMEM;
}

/* ---- methods ---- */

static void tm_of(struct tm *tm, int64_t us)
{
	int64_t days = floor_div(us, US_PER_DAY);
	time_t t = (time_t)(days * 86400 + (us - days * US_PER_DAY) / 1000000);
	gmtime_r(&t, tm);
}

static int fn_strftime(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                       void *ud)
{
	const char *fmt = json_string_value(json_array_get(args, 1));
	char buf[256];
	struct tm tm;
	size_t n;
	(void)j;
	(void)kwargs;
	(void)ud;
	if (fmt == NULL)
		return floe_error_set(FLOE_EINVAL, "strftime() needs a format string");
	tm_of(&tm, us_of(json_array_get(args, 0)));
	/* the template's format, as Python's strftime takes it */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	n = strftime(buf, sizeof(buf), fmt, &tm);
#pragma GCC diagnostic pop
	if (n == 0 && fmt[0])
		return floe_error_set(FLOE_EINVAL, "strftime(): result too long");
	*out = json_stringn(buf, n);
	return *out ? 0 : FLOE_ENOMEM;
}

static int fn_isoformat(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                        void *ud)
{
	const char *text =
	    json_string_value(json_object_get(json_array_get(args, 0), FLOE_JINJA_TEXT));
	char *iso = floe_strdup(text ? text : "");
	(void)j;
	(void)kwargs;
	(void)ud;
	if (iso == NULL)
		return FLOE_ENOMEM;
	if (strlen(iso) > 10 && iso[10] == ' ')
		iso[10] = 'T';
	*out = json_string(iso);
	floe_free(iso);
	return *out ? 0 : FLOE_ENOMEM;
}

static int fn_to_date(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                      void *ud)
{
	(void)j;
	(void)kwargs;
	(void)ud;
	*out = dt_value("date", floor_div(us_of(json_array_get(args, 0)), US_PER_DAY) * US_PER_DAY,
	                NULL);
	return *out ? 0 : FLOE_ENOMEM;
}

/* replace(year=, month=, day=, hour=, minute=, second=, microsecond=) */
static int fn_replace(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                      void *ud)
{
	const json_t *self = json_array_get(args, 0);
	struct tm tm;
	int64_t us = us_of(self), micro = us - floor_div(us, 1000000) * 1000000;
	(void)j;
	(void)ud;
	tm_of(&tm, us);
	return make(out, cls_of(self) ? cls_of(self) : "datetime",
	            int_arg(NULL, 0, kwargs, "year", tm.tm_year + 1900),
	            int_arg(NULL, 0, kwargs, "month", tm.tm_mon + 1),
	            int_arg(NULL, 0, kwargs, "day", tm.tm_mday),
	            int_arg(NULL, 0, kwargs, "hour", tm.tm_hour),
	            int_arg(NULL, 0, kwargs, "minute", tm.tm_min),
	            int_arg(NULL, 0, kwargs, "second", tm.tm_sec),
	            int_arg(NULL, 0, kwargs, "microsecond", micro), tz_of(self));
}

/* weekday(): Monday 0; isoweekday(): Monday 1 */
static int fn_weekday(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                      void *ud)
{
	int64_t days = floor_div(us_of(json_array_get(args, 0)), US_PER_DAY);
	int64_t monday0 = ((days + 3) % 7 + 7) % 7; /* 1970-01-01 was a Thursday */
	(void)j;
	(void)kwargs;
	*out = json_integer(monday0 + (ud ? 1 : 0));
	return 0;
}

static int fn_total_seconds(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                            void *ud)
{
	(void)j;
	(void)kwargs;
	(void)ud;
	*out = json_real((double)us_of(json_array_get(args, 0)) / 1e6);
	return 0;
}

/* + and -: datetime/date +- timedelta, datetime - datetime, timedelta +- timedelta */
static int fn_arith(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs, void *ud)
{
	const json_t *a = json_array_get(args, 0), *b = json_array_get(args, 1);
	const char *ca = cls_of(a), *cb = json_is_object(b) ? cls_of(b) : NULL;
	bool minus = ud != NULL;
	(void)j;
	(void)kwargs;
	if (ca && cb && strcmp(cb, "timedelta") == 0) {
		int64_t us = minus ? us_of(a) - us_of(b) : us_of(a) + us_of(b);
		if (strcmp(ca, "date") == 0)
			us = floor_div(us, US_PER_DAY) * US_PER_DAY;
		*out = dt_value(ca, us, tz_of(a));
	} else if (ca && cb && minus && strcmp(ca, "timedelta") != 0 &&
	           strcmp(cb, "timedelta") != 0) {
		*out = dt_value("timedelta", us_of(a) - us_of(b), NULL);
	} else {
		return floe_error_set(FLOE_EINVAL, "unsupported operand types for %s: %s and %s",
		                      minus ? "-" : "+", ca ? ca : "?", cb ? cb : "a plain value");
	}
	return *out ? 0 : FLOE_ENOMEM;
}

/* comparisons of two values of the same kind */
static int fn_compare(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                      void *ud)
{
	const json_t *a = json_array_get(args, 0), *b = json_array_get(args, 1);
	const char *op = ud;
	int64_t x, y;
	(void)j;
	(void)kwargs;
	if (!json_is_object(b) || cls_of(b) == NULL ||
	    (strcmp(cls_of(a), "timedelta") == 0) != (strcmp(cls_of(b), "timedelta") == 0)) {
		if (strcmp(op, "eq") == 0) {
			*out = json_false();
			return 0;
		}
		return floe_error_set(FLOE_EINVAL, "cannot compare %s with this value", cls_of(a));
	}
	x = us_of(a);
	y = us_of(b);
	*out = json_boolean(strcmp(op, "lt") == 0   ? x < y
	                    : strcmp(op, "le") == 0 ? x <= y
	                    : strcmp(op, "gt") == 0 ? x > y
	                    : strcmp(op, "ge") == 0 ? x >= y
	                                            : x == y);
	return 0;
}

static int fn_timezone(json_t **out, floe_jinja *j, const json_t *args, const json_t *kwargs,
                       void *ud)
{
	const char *name = json_string_value(json_array_get(args, 0));
	(void)j;
	(void)kwargs;
	(void)ud;
	if (name == NULL)
		return floe_error_set(FLOE_EINVAL, "pytz.timezone() needs a zone name");
	*out = json_pack("{s:s,s:s,s:s}", FLOE_JINJA_CLASS, "tzinfo", FLOE_JINJA_TEXT, name, "zone",
	                 name);
	return *out ? 0 : FLOE_ENOMEM;
}

int jj_datetime(floe_jinja *j)
{
	static const struct {
		const char *name;
		floe_jinja_fn fn;
		const char *ud;
	} fns[] = {
	    {"modules.datetime.datetime", fn_datetime, NULL},
	    {"modules.datetime.datetime.now", fn_now, "local"},
	    {"modules.datetime.datetime.today", fn_now, "local"},
	    {"modules.datetime.datetime.utcnow", fn_now, "utc"},
	    {"modules.datetime.date", fn_date, NULL},
	    {"modules.datetime.date.today", fn_now, "date"},
	    {"modules.datetime.timedelta", fn_timedelta, NULL},
	    {"modules.pytz.timezone", fn_timezone, NULL},
	};
	static const char *classes[] = {"datetime", "date", "timedelta"};
	static const struct {
		const char *name;
		floe_jinja_fn fn;
		const char *ud;
		bool timedelta; /* also a method of timedelta */
		bool dates;     /* a method of date and datetime */
	} methods[] = {
	    {"strftime", fn_strftime, NULL, false, true},
	    {"isoformat", fn_isoformat, NULL, false, true},
	    {"replace", fn_replace, NULL, false, true},
	    {"weekday", fn_weekday, NULL, false, true},
	    {"isoweekday", fn_weekday, "iso", false, true},
	    {"total_seconds", fn_total_seconds, NULL, true, false},
	    {"__add__", fn_arith, NULL, true, true},
	    {"__sub__", fn_arith, "-", true, true},
	    {"__lt__", fn_compare, "lt", true, true},
	    {"__le__", fn_compare, "le", true, true},
	    {"__gt__", fn_compare, "gt", true, true},
	    {"__ge__", fn_compare, "ge", true, true},
	    {"__eq__", fn_compare, "eq", true, true},
	};
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < sizeof(fns) / sizeof(fns[0]); i++)
		rc = floe_jinja_register(j, fns[i].name, fns[i].fn, (void *)fns[i].ud);
	for (size_t c = 0; c < 3; c++)
		for (size_t i = 0; rc == 0 && i < sizeof(methods) / sizeof(methods[0]); i++)
			if (c == 2 ? methods[i].timedelta : methods[i].dates)
				rc = floe_jinja_register_method(j, classes[c], methods[i].name,
				                                methods[i].fn,
				                                (void *)methods[i].ud);
	if (rc == 0)
		rc = floe_jinja_register_method(j, "datetime", "date", fn_to_date, NULL);
	return rc;
}
