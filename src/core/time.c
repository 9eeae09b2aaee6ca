/* time.c - timestamp parsing and formatting (UTC, nanoseconds since the epoch). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ward/core.h"

int64_t ward_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, size_t n, size_t *pos, unsigned count, unsigned *out)
{
    unsigned v = 0;
    for (unsigned i = 0; i < count; i++) {
        if (*pos >= n) return -1;
        unsigned c = (unsigned char)s[*pos] - '0';
        if (c > 9) return -1;
        v = v * 10 + c;
        (*pos)++;
    }
    *out = v;
    return 0;
}

static int parse_epoch(const char *s, size_t n, ward_time_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && s[i] == '-') {
        neg = 1;
        i++;
    }
    size_t start = i;
    uint64_t ip = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        if (i - start >= 19) return WARD_EINVAL;
        ip = ip * 10 + (uint64_t)(s[i] - '0');
        i++;
    }
    size_t ndig = i - start;
    if (ndig == 0) return WARD_EINVAL;
    uint64_t frac_ns = 0;
    if (i < n && s[i] == '.') {
        i++;
        uint64_t scale = 100000000;
        size_t fstart = i;
        while (i < n && s[i] >= '0' && s[i] <= '9') {
            frac_ns += (uint64_t)(s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == fstart) return WARD_EINVAL;
    }
    if (i != n) return WARD_EINVAL;
    /* choose the unit by magnitude: seconds up to 11 digits, ms 12-14, us 15-17, ns more */
    __int128 ns;
    if (ndig <= 11)
        ns = (__int128)ip * 1000000000 + frac_ns;
    else if (ndig <= 14)
        ns = (__int128)ip * 1000000 + frac_ns / 1000;
    else if (ndig <= 17)
        ns = (__int128)ip * 1000 + frac_ns / 1000000;
    else
        ns = (__int128)ip;
    if (ns > INT64_MAX) return WARD_EINVAL;
    *out = neg ? -(ward_time_t)ns : (ward_time_t)ns;
    return 0;
}

int ward_time_parse(const char *s, size_t n, ward_time_t *out)
{
    while (n && (s[0] == ' ' || s[0] == '"')) s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '"')) n--;
    if (n == 0) return WARD_EINVAL;
    if (n < 10 || s[4] != '-') return parse_epoch(s, n, out);
    size_t p = 0;
    unsigned y, mo, d, h = 0, mi = 0, sec = 0;
    if (digits(s, n, &p, 4, &y) || p >= n || s[p++] != '-' || digits(s, n, &p, 2, &mo) || p >= n ||
        s[p++] != '-' || digits(s, n, &p, 2, &d))
        return WARD_EINVAL;
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return WARD_EINVAL;
    int64_t frac = 0;
    int64_t offset_s = 0;
    if (p < n && (s[p] == 'T' || s[p] == 't' || s[p] == ' ')) {
        p++;
        if (digits(s, n, &p, 2, &h) || p >= n || s[p++] != ':' || digits(s, n, &p, 2, &mi))
            return WARD_EINVAL;
        if (p < n && s[p] == ':') {
            p++;
            if (digits(s, n, &p, 2, &sec)) return WARD_EINVAL;
        }
        if (h > 23 || mi > 59 || sec > 60) return WARD_EINVAL;
        if (p < n && (s[p] == '.' || s[p] == ',')) {
            p++;
            int64_t scale = 100000000;
            size_t fs = p;
            while (p < n && s[p] >= '0' && s[p] <= '9') {
                frac += (s[p] - '0') * scale;
                scale /= 10;
                p++;
            }
            if (p == fs) return WARD_EINVAL;
        }
        while (p < n && s[p] == ' ') p++;
        if (p < n) {
            if (s[p] == 'Z' || s[p] == 'z') {
                p++;
            } else if (s[p] == '+' || s[p] == '-') {
                int sign = s[p] == '-' ? -1 : 1;
                p++;
                unsigned oh, om = 0;
                if (digits(s, n, &p, 2, &oh)) return WARD_EINVAL;
                if (p < n && s[p] == ':') p++;
                if (p < n && digits(s, n, &p, 2, &om)) return WARD_EINVAL;
                offset_s = sign * (int64_t)(oh * 3600 + om * 60);
            } else if (n - p == 3 && memcmp(s + p, "UTC", 3) == 0) {
                p += 3;
            }
        }
    }
    if (p != n) return WARD_EINVAL;
    int64_t days = ward_days_from_civil(y, mo, d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + sec - offset_s;
    *out = secs * 1000000000 + frac;
    return 0;
}

size_t ward_time_format(ward_time_t t, int ndigits, char *out, size_t outsz)
{
    int64_t secs = t / 1000000000;
    int64_t ns = t % 1000000000;
    if (ns < 0) {
        ns += 1000000000;
        secs -= 1;
    }
    int64_t days = secs / 86400;
    int64_t rem = secs % 86400;
    if (rem < 0) {
        rem += 86400;
        days -= 1;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    int n;
    unsigned hh = (unsigned)(rem / 3600), mm = (unsigned)(rem / 60 % 60), ss = (unsigned)(rem % 60);
    switch (ndigits) {
    case 3:
        n = snprintf(out, outsz, "%04lld-%02u-%02uT%02u:%02u:%02u.%03lldZ", (long long)y, m, d, hh,
                     mm, ss, (long long)(ns / 1000000));
        break;
    case 6:
        n = snprintf(out, outsz, "%04lld-%02u-%02uT%02u:%02u:%02u.%06lldZ", (long long)y, m, d, hh,
                     mm, ss, (long long)(ns / 1000));
        break;
    case 9:
        n = snprintf(out, outsz, "%04lld-%02u-%02uT%02u:%02u:%02u.%09lldZ", (long long)y, m, d, hh,
                     mm, ss, (long long)ns);
        break;
    default:
        n = snprintf(out, outsz, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d, hh, mm,
                     ss);
    }
    return n < 0 ? 0 : (size_t)n;
}

ward_time_t ward_time_from_filetime(uint64_t ft)
{
    /* 11644473600 seconds between 1601-01-01 and 1970-01-01 */
    const int64_t delta = 116444736000000000LL;
    /* ward time covers 1677..2262; FILETIME values outside it have no ward time */
    if (ft > (uint64_t)INT64_MAX) return WARD_TIME_NONE;
    int64_t ticks = (int64_t)ft - delta;
    if (ticks > INT64_MAX / 100 || ticks < INT64_MIN / 100 + 1) return WARD_TIME_NONE;
    return ticks * 100;
}

uint64_t ward_clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
