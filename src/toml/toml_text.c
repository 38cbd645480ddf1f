/* Lexical pieces shared by the parser, the writer and the building API:
 * UTF-8 validation, TOML date/time syntax with calendar checks, and float
 * text that reads back to the same double. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "toml/toml_internal.h"

size_t toml_utf8_valid_prefix(const char *text, size_t len)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 4;
            cp = c & 0x07;
        } else {
            return i;
        }
        if (len - i < n)
            return i;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        /* Overlong forms, UTF-16 surrogates and values past U+10FFFF. */
        if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += n;
    }
    return len;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Reads exactly n digits at s into *out. */
static int read_digits(const char *s, size_t len, size_t n, int *out)
{
    if (len < n)
        return -1;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

static int days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
        return 29;
    return days[month - 1];
}

/* HH:MM:SS[.fraction]; seconds are mandatory in TOML 1.0, 60 is a leap second. */
static size_t scan_time(const char *s, size_t len, const char **why)
{
    int hour, minute, second;
    if (read_digits(s, len, 2, &hour) != 0 || len < 3 || s[2] != ':' ||
        read_digits(s + 3, len - 3, 2, &minute) != 0) {
        *why = "malformed time (want HH:MM:SS)";
        return 0;
    }
    if (len < 6 || s[5] != ':' || read_digits(s + 6, len - 6, 2, &second) != 0) {
        *why = "time without seconds (TOML 1.0 requires HH:MM:SS)";
        return 0;
    }
    if (hour > 23 || minute > 59 || second > 60) {
        *why = "time out of range";
        return 0;
    }
    size_t i = 8;
    if (i < len && s[i] == '.') {
        i++;
        size_t digits = 0;
        while (i < len && is_digit(s[i])) {
            i++;
            digits++;
        }
        if (digits == 0) {
            *why = "fractional seconds without digits";
            return 0;
        }
    }
    return i;
}

static size_t scan_offset(const char *s, size_t len, const char **why)
{
    if (len > 0 && (s[0] == 'Z' || s[0] == 'z'))
        return 1;
    if (len == 0 || (s[0] != '+' && s[0] != '-'))
        return 0;
    int hour, minute;
    if (read_digits(s + 1, len - 1, 2, &hour) != 0 || len < 4 || s[3] != ':' ||
        read_digits(s + 4, len - 4, 2, &minute) != 0) {
        *why = "malformed time offset (want +HH:MM)";
        return (size_t)-1;
    }
    if (hour > 23 || minute > 59) {
        *why = "time offset out of range";
        return (size_t)-1;
    }
    return 6;
}

size_t toml_datetime_scan(const char *s, size_t len, enum toml_type *kind, const char **why)
{
    *why = "malformed date/time";
    if (len >= 3 && is_digit(s[0]) && is_digit(s[1]) && s[2] == ':') {
        *kind = TOML_TIME_LOCAL;
        return scan_time(s, len, why);
    }
    int year, month, day;
    if (read_digits(s, len, 4, &year) != 0 || len < 5 || s[4] != '-' ||
        read_digits(s + 5, len - 5, 2, &month) != 0 || len < 8 || s[7] != '-' ||
        read_digits(s + 8, len - 8, 2, &day) != 0) {
        *why = "malformed date (want YYYY-MM-DD)";
        return 0;
    }
    if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) {
        *why = "date out of range";
        return 0;
    }
    size_t i = 10;
    /* A space separates date and time only when a time follows; otherwise it
     * is whitespace after a local date. */
    int has_time = i < len && (s[i] == 'T' || s[i] == 't' ||
                               (s[i] == ' ' && i + 1 < len && is_digit(s[i + 1])));
    if (!has_time) {
        *kind = TOML_DATE_LOCAL;
        return i;
    }
    i++;
    size_t n = scan_time(s + i, len - i, why);
    if (n == 0)
        return 0;
    i += n;
    size_t off = scan_offset(s + i, len - i, why);
    if (off == (size_t)-1)
        return 0;
    *kind = off == 0 ? TOML_DATETIME_LOCAL : TOML_DATETIME;
    return i + off;
}

void toml_datetime_normalize(char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == 't' || s[i] == ' ')
            s[i] = 'T';
        else if (s[i] == 'z')
            s[i] = 'Z';
    }
}

void toml_format_float(double d, char *buf, size_t size)
{
    if (isnan(d)) {
        snprintf(buf, size, "nan");
        return;
    }
    if (isinf(d)) {
        snprintf(buf, size, d < 0 ? "-inf" : "inf");
        return;
    }
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(buf, size, "%.*g", precision, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    if (strpbrk(buf, ".e") == NULL) {
        size_t n = strlen(buf);
        snprintf(buf + n, size - n, ".0");
    }
}
