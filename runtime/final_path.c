/* GetFinalPathNameByHandleW and A (Vista) on XP.
 *
 * The object manager knows the handle's path: NtQueryObject(ObjectNameInformation)
 * returns it in NT form, "\Device\HarddiskVolume1\dir\file" on Windows (Wine
 * answers "\??\C:\dir\file"). The volume part is matched against the drive
 * letters' targets (QueryDosDevice) to build the DOS form; the GUID form comes
 * from GetVolumeNameForVolumeMountPoint. FILE_NAME_NORMALIZED expands short
 * (8.3) names with GetLongPathName; FILE_NAME_OPENED returns the path as
 * opened.
 *
 * Return values follow the real function: the length without the NUL on
 * success, the size needed including the NUL when the buffer is too small,
 * 0 with the last error set on failure. */
#include "downlevel_runtime.h"

#ifndef FILE_NAME_OPENED
#define FILE_NAME_NORMALIZED 0x0
#define FILE_NAME_OPENED 0x8
#define VOLUME_NAME_DOS 0x0
#define VOLUME_NAME_GUID 0x1
#define VOLUME_NAME_NT 0x2
#define VOLUME_NAME_NONE 0x4
#endif

typedef struct
{
    USHORT Length;
    USHORT MaximumLength;
    WCHAR *Buffer;
} dl_unicode_string;

NTSTATUS NTAPI NtQueryObject(HANDLE, int, void *, ULONG, ULONG *);
ULONG NTAPI RtlNtStatusToDosError(NTSTATUS);
#define OBJECT_NAME_INFORMATION_CLASS 1

static WCHAR *heap_alloc_chars(SIZE_T count)
{
    return (WCHAR *)HeapAlloc(GetProcessHeap(), 0, count * sizeof(WCHAR));
}

static void heap_free(void *p)
{
    if (p) HeapFree(GetProcessHeap(), 0, p);
}

static SIZE_T length_of(const WCHAR *s)
{
    SIZE_T n = 0;
    while (s[n]) ++n;
    return n;
}

static BOOL starts_with(const WCHAR *s, SIZE_T s_length, const WCHAR *prefix, SIZE_T prefix_length)
{
    SIZE_T i;
    if (s_length < prefix_length) return FALSE;
    for (i = 0; i < prefix_length; ++i)
    {
        WCHAR a = s[i], b = prefix[i];
        if (a >= 'a' && a <= 'z') a -= 32;
        if (b >= 'a' && b <= 'z') b -= 32;
        if (a != b) return FALSE;
    }
    return TRUE;
}

/* The handle's NT path, NUL-terminated, on the process heap. */
static WCHAR *query_nt_path(HANDLE file)
{
    ULONG size = 1024, needed = 0;
    for (;;)
    {
        BYTE *buffer = (BYTE *)HeapAlloc(GetProcessHeap(), 0, size);
        NTSTATUS status;
        if (!buffer)
        {
            SetLastError(ERROR_NOT_ENOUGH_MEMORY);
            return NULL;
        }
        status = NtQueryObject(file, OBJECT_NAME_INFORMATION_CLASS, buffer, size, &needed);
        if (status >= 0)
        {
            const dl_unicode_string *name = (const dl_unicode_string *)buffer;
            const SIZE_T chars = name->Length / sizeof(WCHAR);
            WCHAR *path;
            SIZE_T i;
            if (!name->Buffer || chars == 0)
            {
                heap_free(buffer);
                SetLastError(ERROR_INVALID_HANDLE);
                return NULL;
            }
            path = heap_alloc_chars(chars + 1);
            if (path)
            {
                for (i = 0; i < chars; ++i) path[i] = name->Buffer[i];
                path[chars] = 0;
            }
            else SetLastError(ERROR_NOT_ENOUGH_MEMORY);
            heap_free(buffer);
            return path;
        }
        heap_free(buffer);
        /* STATUS_INFO_LENGTH_MISMATCH, STATUS_BUFFER_OVERFLOW, STATUS_BUFFER_TOO_SMALL */
        if ((status == (NTSTATUS)0xC0000004 || status == (NTSTATUS)0x80000005 || status == (NTSTATUS)0xC0000023) &&
            needed > size && needed < 0x100000)
        {
            size = needed;
            continue;
        }
        SetLastError(RtlNtStatusToDosError(status));
        return NULL;
    }
}

/* Splits an NT path into its drive ("C:") and the rest ("\dir\file"), and
 * gives the NT device of that drive. FALSE when no drive letter holds it. */
static BOOL split_drive(const WCHAR *nt_path, WCHAR drive[3], const WCHAR **rest, WCHAR *device, DWORD device_chars)
{
    static const WCHAR dos_prefix[] = {'\\', '?', '?', '\\'};
    const SIZE_T length = length_of(nt_path);
    WCHAR letter;
    if (length >= 6 && starts_with(nt_path, length, dos_prefix, 4) && nt_path[5] == ':')
    {
        drive[0] = nt_path[4];
        drive[1] = ':';
        drive[2] = 0;
        *rest = nt_path + 6;
        return QueryDosDeviceW(drive, device, device_chars) != 0;
    }
    for (letter = 'A'; letter <= 'Z'; ++letter)
    {
        SIZE_T device_length;
        drive[0] = letter;
        drive[1] = ':';
        drive[2] = 0;
        if (!QueryDosDeviceW(drive, device, device_chars)) continue;
        device_length = length_of(device);
        if (device_length && starts_with(nt_path, length, device, device_length) &&
            (nt_path[device_length] == '\\' || nt_path[device_length] == 0))
        {
            *rest = nt_path + device_length;
            return TRUE;
        }
    }
    return FALSE;
}

/* Copies `result` out with the real function's size rules. */
static DWORD hand_out(const WCHAR *result, WCHAR *buffer, DWORD buffer_chars)
{
    const SIZE_T length = length_of(result);
    SIZE_T i;
    if (length + 1 > buffer_chars || !buffer) return (DWORD)(length + 1);
    for (i = 0; i <= length; ++i) buffer[i] = result[i];
    return (DWORD)length;
}

/* Joins two strings on the heap. */
static WCHAR *concat(const WCHAR *a, const WCHAR *b)
{
    const SIZE_T la = length_of(a), lb = length_of(b);
    WCHAR *out = heap_alloc_chars(la + lb + 1);
    SIZE_T i;
    if (!out)
    {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return NULL;
    }
    for (i = 0; i < la; ++i) out[i] = a[i];
    for (i = 0; i <= lb; ++i) out[la + i] = b[i];
    return out;
}

DWORD WINAPI dl_GetFinalPathNameByHandleW(HANDLE file, WCHAR *buffer, DWORD buffer_chars, DWORD flags)
{
    static const WCHAR long_prefix[] = {'\\', '\\', '?', '\\', 0};
    const DWORD volume = flags & ~FILE_NAME_OPENED;
    WCHAR *nt_path, *dos_path = NULL, *result = NULL;
    WCHAR drive[3], device[MAX_PATH];
    const WCHAR *rest = NULL;
    DWORD answer = 0;
    dl_count_call();

    if (flags & ~(FILE_NAME_OPENED | VOLUME_NAME_GUID | VOLUME_NAME_NT | VOLUME_NAME_NONE) ||
        (volume != VOLUME_NAME_DOS && volume != VOLUME_NAME_GUID && volume != VOLUME_NAME_NT &&
         volume != VOLUME_NAME_NONE))
    {
        SetLastError(ERROR_INVALID_PARAMETER);
        return 0;
    }
    if (!(nt_path = query_nt_path(file))) return 0;
    if (!split_drive(nt_path, drive, &rest, device, MAX_PATH))
    {
        heap_free(nt_path);
        SetLastError(ERROR_PATH_NOT_FOUND);
        return 0;
    }

    /* "C:\dir\file", with long names unless the caller wants the opened name. */
    dos_path = concat(drive, rest);
    if (dos_path && !(flags & FILE_NAME_OPENED))
    {
        DWORD needed = GetLongPathNameW(dos_path, NULL, 0);
        WCHAR *long_path = needed ? heap_alloc_chars(needed) : NULL;
        if (long_path && GetLongPathNameW(dos_path, long_path, needed) < needed)
        {
            heap_free(dos_path);
            dos_path = long_path;
        }
        else heap_free(long_path);
    }
    if (!dos_path) goto done;

    switch (volume)
    {
    case VOLUME_NAME_DOS:
        result = concat(long_prefix, dos_path);
        break;
    case VOLUME_NAME_NONE:
        result = concat(dos_path + 2, L"");
        break;
    case VOLUME_NAME_NT:
        result = concat(device, dos_path + 2);
        break;
    case VOLUME_NAME_GUID:
    {
        WCHAR root[4] = {drive[0], ':', '\\', 0}, guid[64];
        if (!GetVolumeNameForVolumeMountPointW(root, guid, 64)) goto done;
        /* "\\?\Volume{...}\" already ends with the separator. */
        result = concat(guid, dos_path + 3);
        break;
    }
    }
    if (result) answer = hand_out(result, buffer, buffer_chars);

done:
    heap_free(result);
    heap_free(dos_path);
    heap_free(nt_path);
    return answer;
}

DWORD WINAPI dl_GetFinalPathNameByHandleA(HANDLE file, char *buffer, DWORD buffer_chars, DWORD flags)
{
    WCHAR *wide;
    DWORD wide_length, answer = 0;
    int narrow_size;
    dl_count_call();
    wide_length = dl_GetFinalPathNameByHandleW(file, NULL, 0, flags);
    if (!wide_length) return 0;
    if (!(wide = heap_alloc_chars(wide_length)))
    {
        SetLastError(ERROR_NOT_ENOUGH_MEMORY);
        return 0;
    }
    if (dl_GetFinalPathNameByHandleW(file, wide, wide_length, flags) == wide_length - 1)
    {
        const UINT code_page = AreFileApisANSI() ? CP_ACP : CP_OEMCP;
        narrow_size = WideCharToMultiByte(code_page, 0, wide, -1, NULL, 0, NULL, NULL);
        if (narrow_size <= 0) answer = 0;
        else if ((DWORD)narrow_size > buffer_chars || !buffer) answer = (DWORD)narrow_size;
        else answer = (DWORD)WideCharToMultiByte(code_page, 0, wide, -1, buffer, (int)buffer_chars, NULL, NULL) - 1;
    }
    heap_free(wide);
    return answer;
}
