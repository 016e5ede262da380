/*
 * msg_id — see msg_id.h. The same FNV-1a as gp_csv's referral ids.
 */
#include "msg_id.h"

#include <stdarg.h>
#include <stdio.h>

#define FNV_OFFSET UINT64_C(14695981039346656037)
#define FNV_PRIME UINT64_C(1099511628211)

void msg_id_init(msg_id_t *m, const char *kind)
{
    m->h = FNV_OFFSET;
    msg_id_add(m, kind);
}

void msg_id_add(msg_id_t *m, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++)
        m->h = (m->h ^ *p) * FNV_PRIME;
    m->h = (m->h ^ 0x1e) * FNV_PRIME;
}

void msg_id_addf(msg_id_t *m, const char *fmt, ...)
{
    char text[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    msg_id_add(m, text);
}

void msg_id_format(char out[MSG_ID_LEN], const char *prefix, const char *org, const msg_id_t *record,
                   const msg_id_t *content)
{
    snprintf(out, MSG_ID_LEN, "%.8s-%.10s-%016llx-%016llx", prefix, org ? org : "", (unsigned long long)record->h,
             (unsigned long long)content->h);
}
