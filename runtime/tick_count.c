/* GetTickCount64 (Vista) from XP's 32-bit GetTickCount.
 *
 * The 32-bit count wraps every 49.7 days. The last value seen and the number
 * of wraps are kept together in one 64-bit word updated with a compare and
 * exchange, so concurrent callers agree on the count and it never goes
 * backwards. A wrap is only noticed if the function is called at least once
 * per 49.7 days, which is the one thing the real function does not need. */
#include "downlevel_runtime.h"

static volatile ULONGLONG last_seen; /* high 32 bits: wraps, low 32: last GetTickCount */

ULONGLONG WINAPI dl_GetTickCount64(void)
{
    ULONGLONG seen, next;
    dl_count_call();
    seen = DL_LOAD(&last_seen);
    for (;;)
    {
        DWORD now = GetTickCount();
        ULONGLONG wraps = seen >> 32;
        if (now < (DWORD)seen) ++wraps;
        next = (wraps << 32) | now;
        if (next <= seen) return seen; /* another thread already stored a later count */
        if (DL_CAS(&last_seen, &seen, next)) return next;
    }
}
