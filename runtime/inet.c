/* inet_pton and inet_ntop (ws2_32, Vista) on XP.
 *
 * inet_pton accepts only the strict forms: four dotted decimal parts for
 * IPv4; for IPv6 eight hex groups, one "::" standing for one or more zero
 * groups, and an optional dotted IPv4 tail. inet_ntop writes what Windows
 * writes: the longest run of two or more zero groups (the first, on a tie)
 * as "::", lower-case hex, and the IPv4 tail for mapped (::ffff:a.b.c.d),
 * translated (::ffff:0:a.b.c.d), compatible (::a.b.c.d) and ISATAP
 * (...:5efe:a.b.c.d) addresses. Errors go through WSASetLastError. */
#include "downlevel_runtime.h"

#ifndef AF_INET6
#define AF_INET6 23
#endif

/* "a.b.c.d" at s, up to `end`; FALSE unless exactly that. */
static BOOL parse_ipv4(const char *s, const char *end, unsigned char out[4])
{
    int part;
    for (part = 0; part < 4; ++part)
    {
        unsigned value = 0, digits = 0;
        while (s < end && *s >= '0' && *s <= '9' && digits < 4)
        {
            value = value * 10 + (unsigned)(*s - '0');
            ++s;
            ++digits;
        }
        if (digits == 0 || digits > 3 || value > 255) return FALSE;
        out[part] = (unsigned char)value;
        if (part < 3)
        {
            if (s >= end || *s != '.') return FALSE;
            ++s;
        }
    }
    return s == end;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static const char *end_of(const char *s)
{
    while (*s) ++s;
    return s;
}

static BOOL parse_ipv6(const char *s, unsigned char out[16])
{
    const char *end = end_of(s);
    unsigned short groups[8];
    int count = 0, gap = -1, i;
    if (s[0] == ':')
    {
        if (s[1] != ':') return FALSE;
        gap = 0;
        s += 2;
        if (s == end) goto assemble;
    }
    for (;;)
    {
        const char *start = s;
        unsigned value = 0;
        int digits = 0, h;
        while ((h = hex_value(*s)) >= 0 && digits < 5)
        {
            value = (value << 4) | (unsigned)h;
            ++s;
            ++digits;
        }
        if (*s == '.')
        {
            /* The IPv4 tail: the last two groups. */
            unsigned char v4[4];
            if (count > 6 || !parse_ipv4(start, end, v4)) return FALSE;
            groups[count++] = (unsigned short)(v4[0] << 8 | v4[1]);
            groups[count++] = (unsigned short)(v4[2] << 8 | v4[3]);
            break;
        }
        if (digits == 0 || digits > 4 || count == 8) return FALSE;
        groups[count++] = (unsigned short)value;
        if (s == end) break;
        if (*s != ':') return FALSE;
        ++s;
        if (*s == ':')
        {
            if (gap >= 0) return FALSE;
            gap = count;
            ++s;
            if (s == end) break;
        }
        else if (s == end)
            return FALSE; /* a trailing single ':' */
    }
assemble:
    if (gap < 0 ? count != 8 : count > 7) return FALSE;
    {
        unsigned short full[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        const int tail = gap < 0 ? 0 : count - gap;
        for (i = 0; i < (gap < 0 ? count : gap); ++i) full[i] = groups[i];
        for (i = 0; i < tail; ++i) full[8 - tail + i] = groups[gap + i];
        for (i = 0; i < 8; ++i)
        {
            out[2 * i] = (unsigned char)(full[i] >> 8);
            out[2 * i + 1] = (unsigned char)full[i];
        }
    }
    return TRUE;
}

int WINAPI dl_inet_pton(int family, const char *text, void *address)
{
    unsigned char bytes[16];
    int i, size;
    dl_count_call();
    if (!text || !address)
    {
        WSASetLastError(WSAEFAULT);
        return -1;
    }
    if (family == AF_INET)
    {
        if (!parse_ipv4(text, end_of(text), bytes)) goto invalid;
        size = 4;
    }
    else if (family == AF_INET6)
    {
        if (!parse_ipv6(text, bytes)) goto invalid;
        size = 16;
    }
    else
    {
        WSASetLastError(WSAEAFNOSUPPORT);
        return -1;
    }
    for (i = 0; i < size; ++i) ((unsigned char *)address)[i] = bytes[i];
    return 1;
invalid:
    return 0; /* not an address: documented without an error code, so none is set */
}

static char *put_decimal(char *p, unsigned value)
{
    char digits[10];
    int n = 0;
    do
    {
        digits[n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value);
    while (n) *p++ = digits[--n];
    return p;
}

static char *put_hex(char *p, unsigned value)
{
    static const char hex[] = "0123456789abcdef";
    char digits[4];
    int n = 0;
    do
    {
        digits[n++] = hex[value & 15];
        value >>= 4;
    } while (value);
    while (n) *p++ = digits[--n];
    return p;
}

static char *put_ipv4(char *p, const unsigned char *a)
{
    int i;
    for (i = 0; i < 4; ++i)
    {
        if (i) *p++ = '.';
        p = put_decimal(p, a[i]);
    }
    return p;
}

/* Whether the last 32 bits are written as dotted IPv4. */
static BOOL has_ipv4_tail(const unsigned short w[8])
{
    int i;
    if (w[5] == 0x5efe && (w[4] & ~0x0200) == 0) return TRUE; /* ISATAP */
    for (i = 0; i < 4; ++i)
        if (w[i]) return FALSE;
    if (w[6] == 0) return FALSE;
    if (w[4] == 0) return w[5] == 0 || w[5] == 0xffff; /* compatible, mapped */
    return w[4] == 0xffff && w[5] == 0;                /* translated */
}

static char *put_ipv6(char *p, const unsigned char *a)
{
    unsigned short w[8];
    int i, groups, gap = -1, gap_length = 1;
    for (i = 0; i < 8; ++i) w[i] = (unsigned short)(a[2 * i] << 8 | a[2 * i + 1]);
    groups = has_ipv4_tail(w) ? 6 : 8;
    for (i = 0; i < groups;)
    {
        int run = 0;
        while (i + run < groups && w[i + run] == 0) ++run;
        if (run > gap_length)
        {
            gap = i;
            gap_length = run;
        }
        i += run ? run : 1;
    }
    for (i = 0; i < groups;)
    {
        if (i == gap)
        {
            *p++ = ':';
            i += gap_length;
            if (i == groups) *p++ = ':';
            continue;
        }
        if (i) *p++ = ':';
        p = put_hex(p, w[i]);
        ++i;
    }
    if (groups == 6)
    {
        if (p[-1] != ':') *p++ = ':';
        p = put_ipv4(p, a + 12);
    }
    return p;
}

const char *WINAPI dl_inet_ntop(int family, const void *address, char *buffer, size_t buffer_size)
{
    char text[64], *end;
    size_t length, i;
    dl_count_call();
    if (family != AF_INET && family != AF_INET6)
    {
        WSASetLastError(WSAEAFNOSUPPORT);
        return NULL;
    }
    if (!address || !buffer)
    {
        WSASetLastError(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    end = family == AF_INET ? put_ipv4(text, (const unsigned char *)address)
                            : put_ipv6(text, (const unsigned char *)address);
    *end = 0;
    length = (size_t)(end - text);
    if (length + 1 > buffer_size)
    {
        WSASetLastError(ERROR_INVALID_PARAMETER);
        return NULL;
    }
    for (i = 0; i <= length; ++i) buffer[i] = text[i];
    return buffer;
}
