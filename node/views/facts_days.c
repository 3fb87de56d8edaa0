/*
 * facts_days — calendar days and reporting periods for the views: days since 1970-01-01 from
 * "YYYY-MM-DD", RFC 3339 times and periods ("YYYY", "YYYY-Qn", "YYYY-MM"). Pure functions. Part
 * of the facts module (facts.h is the contract).
 */
#include <stdio.h>
#include <string.h>

#include "facts.h"

/* ---- days and periods ---- */

static int64_t
days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void
civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static unsigned
days_in_month(int y, unsigned m)
{
	static const unsigned n[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : n[m - 1];
}

static bool
digits(const char *s, int n, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

static facts_day
make_day(int y, unsigned m, unsigned d)
{
	int64_t z = days_from_civil(y, m, d);
	return z > 0 && z < UINT32_MAX ? (facts_day)z : 0;
}

facts_day
facts_day_parse(const char *s)
{
	unsigned y, m, d;
	if (!s || strnlen(s, 11) < 10 || !digits(s, 4, &y) || s[4] != '-' ||
	    !digits(s + 5, 2, &m) || s[7] != '-' || !digits(s + 8, 2, &d) ||
	    (s[10] != '\0' && s[10] != 'T'))
		return 0;
	if (y < 1971 || m < 1 || m > 12 || d < 1 || d > days_in_month((int)y, m))
		return 0;
	return make_day((int)y, m, d);
}

void
facts_day_format(facts_day day, char out[11])
{
	int y;
	unsigned m, d;
	if (day == 0) {
		out[0] = '\0';
		return;
	}
	civil_from_days(day, &y, &m, &d);
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u, m % 100u, d % 100u);
}

facts_day
facts_day_of_time(uint64_t t)
{
	return t / 86400 < UINT32_MAX ? (facts_day)(t / 86400) : 0;
}

bool
facts_period_parse(const char *p, facts_day *first, facts_day *last, char *g)
{
	unsigned y, n;
	size_t len = p ? strnlen(p, 8) : 0;
	if (len < 4 || !digits(p, 4, &y) || y < 1971)
		return false;
	if (len == 4) {
		*first = make_day((int)y, 1, 1), *last = make_day((int)y, 12, 31), *g = FACTS_YEAR;
	} else if (len == 7 && p[4] == '-' && p[5] == 'Q' && p[6] >= '1' && p[6] <= '4') {
		n = (unsigned)(p[6] - '0');
		*first = make_day((int)y, 3 * n - 2, 1);
		*last = make_day((int)y, 3 * n, days_in_month((int)y, 3 * n));
		*g = FACTS_QUARTER;
	} else if (len == 7 && p[4] == '-' && digits(p + 5, 2, &n) && n >= 1 && n <= 12) {
		*first = make_day((int)y, n, 1),
		*last = make_day((int)y, n, days_in_month((int)y, n));
		*g = FACTS_MONTH;
	} else {
		return false;
	}
	return *first && *last;
}

facts_day
facts_month_end(facts_day day, unsigned back)
{
	int y;
	unsigned m, d;
	civil_from_days(day, &y, &m, &d);
	int64_t months = (int64_t)y * 12 + (m - 1) - back;
	y = (int)(months / 12), m = (unsigned)(months % 12) + 1;
	return make_day(y, m, days_in_month(y, m));
}

void
facts_period_last(char g, facts_day day, char out[16])
{
	int y;
	unsigned m, d;
	civil_from_days(day, &y, &m, &d);
	bool month_end = d == days_in_month(y, m);
	switch (g) {
	case FACTS_QUARTER: {
		unsigned q = (m - 1) / 3 + 1;
		if (!(month_end && m % 3 == 0) && --q == 0)
			q = 4, y--;
		snprintf(out, 16, "%04u-Q%c", (unsigned)y % 10000u, (char)('0' + q % 10u));
		break;
	}
	case FACTS_MONTH:
		if (!month_end && --m == 0)
			m = 12, y--;
		snprintf(out, 16, "%04u-%02u", (unsigned)y % 10000u, m % 100u);
		break;
	default:
		if (!(month_end && m == 12))
			y--;
		snprintf(out, 16, "%04u", (unsigned)y % 10000u);
		break;
	}
}

uint32_t
facts_month_of(facts_day day)
{
	int y;
	unsigned m, d;
	if (day == 0)
		return 0;
	civil_from_days(day, &y, &m, &d);
	return (uint32_t)y * 12 + (m - 1);
}
