/* Part of every shim: the DLL entry point and the call counter the shim
 * exports as DownlevelShimCalls. */
#include "downlevel_runtime.h"

static volatile LONG calls;

void dl_count_call(void)
{
    __atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED);
}

/* How many times the shim's own implementations have been entered. */
LONG WINAPI dl_DownlevelShimCalls(void)
{
    return __atomic_load_n(&calls, __ATOMIC_RELAXED);
}

BOOL WINAPI dl_DllEntry(HINSTANCE instance, DWORD reason, LPVOID reserved)
{
    (void)reserved;
    if (reason == DLL_PROCESS_ATTACH) DisableThreadLibraryCalls(instance);
    return TRUE;
}
