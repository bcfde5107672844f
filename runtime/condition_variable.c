/* Condition variables (Vista) on XP.
 *
 * A CONDITION_VARIABLE is one zero-initialised pointer-sized word; here it
 * counts wake-ups. A sleeper notes the count while it still holds the lock,
 * releases the lock, and waits for the count to change, so a wake issued
 * after it released the lock is never lost. Wake and WakeAll both advance the
 * count and so may wake every sleeper: the documented contract allows such
 * spurious wake-ups, and callers re-check their predicate in a loop. */
#include "downlevel_runtime.h"

#ifndef CONDITION_VARIABLE_LOCKMODE_SHARED
#define CONDITION_VARIABLE_LOCKMODE_SHARED 0x1
#endif

void WINAPI dl_InitializeConditionVariable(ULONG_PTR *condition)
{
    dl_count_call();
    DL_STORE(condition, 0);
}

void WINAPI dl_WakeConditionVariable(ULONG_PTR *condition)
{
    dl_count_call();
    __atomic_fetch_add(condition, 1, __ATOMIC_RELEASE);
}

void WINAPI dl_WakeAllConditionVariable(ULONG_PTR *condition)
{
    dl_count_call();
    __atomic_fetch_add(condition, 1, __ATOMIC_RELEASE);
}

/* Waits, with the lock released, until the count moves on from `seen` or
 * `milliseconds` pass. TRUE when woken. */
static BOOL wait_for_wake(ULONG_PTR *condition, ULONG_PTR seen, DWORD milliseconds)
{
    const DWORD start = GetTickCount();
    unsigned round = 0;
    while (DL_LOAD(condition) == seen)
    {
        if (milliseconds != INFINITE && GetTickCount() - start >= milliseconds) return FALSE;
        dl_backoff(&round);
    }
    return TRUE;
}

BOOL WINAPI dl_SleepConditionVariableCS(ULONG_PTR *condition, CRITICAL_SECTION *section, DWORD milliseconds)
{
    ULONG_PTR seen;
    BOOL woken;
    dl_count_call();
    seen = DL_LOAD(condition);
    LeaveCriticalSection(section);
    woken = wait_for_wake(condition, seen, milliseconds);
    EnterCriticalSection(section);
    if (!woken) SetLastError(ERROR_TIMEOUT);
    return woken;
}

BOOL WINAPI dl_SleepConditionVariableSRW(ULONG_PTR *condition, ULONG_PTR *lock, DWORD milliseconds, ULONG flags)
{
    const BOOL shared = (flags & CONDITION_VARIABLE_LOCKMODE_SHARED) != 0;
    ULONG_PTR seen;
    BOOL woken;
    dl_count_call();
    if (flags & ~(ULONG)CONDITION_VARIABLE_LOCKMODE_SHARED)
    {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    seen = DL_LOAD(condition);
    if (shared) dl_ReleaseSRWLockShared(lock); else dl_ReleaseSRWLockExclusive(lock);
    woken = wait_for_wake(condition, seen, milliseconds);
    if (shared) dl_AcquireSRWLockShared(lock); else dl_AcquireSRWLockExclusive(lock);
    if (!woken) SetLastError(ERROR_TIMEOUT);
    return woken;
}
