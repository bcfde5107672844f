/* InitOnceExecuteOnce (Vista) on XP.
 *
 * An INIT_ONCE is one zero-initialised pointer-sized word:
 *   0                     not run yet (or the last attempt failed)
 *   1                     a thread is running the callback
 *   context | 2           done; the low two bits of a context are reserved
 *                         (INIT_ONCE_CTX_RESERVED_BITS) for this state
 * A failed callback puts the word back to 0, so a later call tries again, as
 * the real function does. */
#include "downlevel_runtime.h"

#define RUNNING ((ULONG_PTR)1)
#define DONE ((ULONG_PTR)2)
#define RESERVED_BITS ((ULONG_PTR)3)

typedef BOOL(WINAPI *dl_init_once_fn)(ULONG_PTR *once, void *parameter, void **context);

BOOL WINAPI dl_InitOnceExecuteOnce(ULONG_PTR *once, dl_init_once_fn callback, void *parameter, void **context)
{
    unsigned round = 0;
    dl_count_call();
    for (;;)
    {
        ULONG_PTR state = DL_LOAD(once);
        if ((state & RESERVED_BITS) == DONE)
        {
            if (context) *context = (void *)(state & ~RESERVED_BITS);
            return TRUE;
        }
        if (state == 0 && DL_CAS(once, &state, RUNNING))
        {
            void *result = NULL;
            if (!callback(once, parameter, &result))
            {
                DL_STORE(once, 0);
                return FALSE;
            }
            if ((ULONG_PTR)result & RESERVED_BITS)
            {
                DL_STORE(once, 0);
                SetLastError(ERROR_INVALID_PARAMETER);
                return FALSE;
            }
            DL_STORE(once, (ULONG_PTR)result | DONE);
            if (context) *context = result;
            return TRUE;
        }
        dl_backoff(&round);
    }
}
