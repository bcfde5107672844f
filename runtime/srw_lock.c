/* The slim reader/writer lock family (Vista) on XP.
 *
 * An SRWLOCK is one zero-initialised pointer-sized word with no cleanup, so
 * it cannot own a kernel object; the state lives in the word itself:
 *   bit 0   held exclusively
 *   bit 1   a writer is waiting: new shared acquisitions hold back, so a
 *           stream of readers cannot starve writers
 *   bits 2+ the number of shared holders
 * Waiters back off (spin, yield, sleep) instead of blocking on an event.
 * As with the real lock, acquiring it recursively is not supported. */
#include "downlevel_runtime.h"

#define EXCLUSIVE ((ULONG_PTR)1)
#define WRITER_WAITING ((ULONG_PTR)2)
#define ONE_SHARED ((ULONG_PTR)4)

void WINAPI dl_InitializeSRWLock(ULONG_PTR *lock)
{
    dl_count_call();
    DL_STORE(lock, 0);
}

static BOOLEAN try_exclusive(ULONG_PTR *lock, ULONG_PTR *state)
{
    /* Free, possibly with a waiting writer: take it and clear the flag;
     * other waiting writers set it again on their next round. */
    while ((*state & ~WRITER_WAITING) == 0)
        if (DL_CAS(lock, state, EXCLUSIVE)) return TRUE;
    return FALSE;
}

void WINAPI dl_AcquireSRWLockExclusive(ULONG_PTR *lock)
{
    unsigned round = 0;
    ULONG_PTR state = DL_LOAD(lock);
    dl_count_call();
    while (!try_exclusive(lock, &state))
    {
        if (!(state & WRITER_WAITING)) DL_CAS(lock, &state, state | WRITER_WAITING);
        dl_backoff(&round);
        state = DL_LOAD(lock);
    }
}

BOOLEAN WINAPI dl_TryAcquireSRWLockExclusive(ULONG_PTR *lock)
{
    ULONG_PTR state = DL_LOAD(lock);
    dl_count_call();
    return try_exclusive(lock, &state);
}

void WINAPI dl_ReleaseSRWLockExclusive(ULONG_PTR *lock)
{
    dl_count_call();
    __atomic_fetch_and(lock, ~EXCLUSIVE, __ATOMIC_RELEASE);
}

static BOOLEAN try_shared(ULONG_PTR *lock, ULONG_PTR *state)
{
    while ((*state & (EXCLUSIVE | WRITER_WAITING)) == 0)
        if (DL_CAS(lock, state, *state + ONE_SHARED)) return TRUE;
    return FALSE;
}

void WINAPI dl_AcquireSRWLockShared(ULONG_PTR *lock)
{
    unsigned round = 0;
    ULONG_PTR state = DL_LOAD(lock);
    dl_count_call();
    while (!try_shared(lock, &state))
    {
        dl_backoff(&round);
        state = DL_LOAD(lock);
    }
}

BOOLEAN WINAPI dl_TryAcquireSRWLockShared(ULONG_PTR *lock)
{
    ULONG_PTR state = DL_LOAD(lock);
    dl_count_call();
    return try_shared(lock, &state);
}

void WINAPI dl_ReleaseSRWLockShared(ULONG_PTR *lock)
{
    dl_count_call();
    __atomic_fetch_sub(lock, ONE_SHARED, __ATOMIC_RELEASE);
}
