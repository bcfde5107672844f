/* Shared by the runtime's implementations of post-XP Windows APIs.
 *
 * Everything here is compiled against the Windows XP API (_WIN32_WINNT
 * 0x0501): a call to anything newer does not compile, and `downlevel check`
 * of the built shim against an XP target proves the same from its imports.
 * The implementations carry a dl_ prefix so they never collide with a
 * header's declaration of the real function; the shim's .def exports them
 * under the real names. */
#ifndef DOWNLEVEL_RUNTIME_H
#define DOWNLEVEL_RUNTIME_H

#ifndef _WIN32_WINNT
#define _WIN32_WINNT 0x0501
#endif
#ifndef WINVER
#define WINVER 0x0501
#endif
#include <winsock2.h> /* before windows.h, which would bring the old winsock.h */
#include <windows.h>

/* Every runtime entry point counts its calls, so a test can prove that the
 * shim's own implementation ran rather than a forwarder. */
void dl_count_call(void);

/* Waiting without kernel objects (SRW locks, condition variables and
 * INIT_ONCE are pointer-sized and need no cleanup, so they cannot own an
 * event): spin briefly, then yield the processor, then sleep. */
static __inline void dl_backoff(unsigned *round)
{
    if (*round < 32)
        __builtin_ia32_pause();
    else if (*round < 96)
        SwitchToThread();
    else
        Sleep(1);
    if (*round < 0xFFFF) ++*round;
}

#define DL_LOAD(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define DL_STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define DL_CAS(p, expected, desired) \
    __atomic_compare_exchange_n((p), (expected), (desired), 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)

/* The SRW lock entry points, for the condition variables built on them. */
void WINAPI dl_AcquireSRWLockExclusive(ULONG_PTR *lock);
void WINAPI dl_ReleaseSRWLockExclusive(ULONG_PTR *lock);
void WINAPI dl_AcquireSRWLockShared(ULONG_PTR *lock);
void WINAPI dl_ReleaseSRWLockShared(ULONG_PTR *lock);

#endif
