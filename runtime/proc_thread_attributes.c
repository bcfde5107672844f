/* The process/thread attribute list (Vista): InitializeProcThreadAttributeList,
 * UpdateProcThreadAttribute, DeleteProcThreadAttributeList.
 *
 * The list is opaque to callers, who size it by asking Initialize first. The
 * layout is the one Windows and Wine use (a 48-byte list for one attribute on
 * x64), so code that hard-codes a size keeps working. XP's CreateProcess does
 * not read the list; it can still be built, filled and checked. */
#include "downlevel_runtime.h"

struct attribute
{
    DWORD_PTR id;
    SIZE_T size;
    void *value;
};

struct attribute_list
{
    DWORD present;   /* bit n: attribute number n has been set */
    DWORD capacity;
    DWORD count;
    DWORD reserved;
    DWORD_PTR unused;
    struct attribute attributes[1];
};

#define ATTRIBUTE_NUMBER 0x0000FFFF
#define PARENT_PROCESS 0x00020000
#define HANDLE_LIST 0x00020002
#define GROUP_AFFINITY_ATTRIBUTE 0x00030003
#define PREFERRED_NODE 0x00020004
#define IDEAL_PROCESSOR 0x00030005
#define MITIGATION_POLICY 0x00020007
#define JOB_LIST 0x0002000D
#define CHILD_PROCESS_POLICY 0x0002000E
#define PSEUDOCONSOLE 0x00020016
#define MACHINE_TYPE 0x00020019
#define EXTENDED_FLAGS 0x00060001

#ifndef ERROR_OBJECT_NAME_EXISTS
#define ERROR_OBJECT_NAME_EXISTS 698L
#endif

BOOL WINAPI dl_InitializeProcThreadAttributeList(struct attribute_list *list, DWORD count, DWORD flags, SIZE_T *size)
{
    const SIZE_T needed = FIELD_OFFSET(struct attribute_list, attributes) + (SIZE_T)count * sizeof(struct attribute);
    dl_count_call();
    if (flags != 0 || !size)
    {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    if (!list || *size < needed)
    {
        *size = needed;
        SetLastError(ERROR_INSUFFICIENT_BUFFER);
        return FALSE;
    }
    list->present = 0;
    list->capacity = count;
    list->count = 0;
    list->reserved = 0;
    list->unused = 0;
    *size = needed;
    return TRUE;
}

/* 0, or the error for an attribute this size cannot be. */
static DWORD check_attribute(DWORD_PTR id, SIZE_T size)
{
    switch (id)
    {
    case PARENT_PROCESS:
    case PSEUDOCONSOLE:
        return size == sizeof(HANDLE) ? 0 : ERROR_BAD_LENGTH;
    case HANDLE_LIST:
    case JOB_LIST:
        return size % sizeof(HANDLE) == 0 ? 0 : ERROR_BAD_LENGTH;
    case EXTENDED_FLAGS:
        return size == sizeof(ULONG) ? 0 : ERROR_BAD_LENGTH;
    case GROUP_AFFINITY_ATTRIBUTE: /* GROUP_AFFINITY: a KAFFINITY and four WORDs */
        return size == sizeof(KAFFINITY) + 4 * sizeof(WORD) ? 0 : ERROR_BAD_LENGTH;
    case IDEAL_PROCESSOR: /* PROCESSOR_NUMBER: WORD, BYTE, BYTE */
        return size == 4 ? 0 : ERROR_BAD_LENGTH;
    case PREFERRED_NODE:
    case MACHINE_TYPE:
        return size == sizeof(USHORT) ? 0 : ERROR_BAD_LENGTH;
    case CHILD_PROCESS_POLICY:
        return size == sizeof(DWORD) || size == sizeof(DWORD64) ? 0 : ERROR_BAD_LENGTH;
    case MITIGATION_POLICY:
        return size == sizeof(DWORD) || size == sizeof(DWORD64) || size == 2 * sizeof(DWORD64) ? 0 : ERROR_BAD_LENGTH;
    default:
        return ERROR_NOT_SUPPORTED;
    }
}

BOOL WINAPI dl_UpdateProcThreadAttribute(struct attribute_list *list, DWORD flags, DWORD_PTR id, void *value,
                                         SIZE_T size, void *previous_value, SIZE_T *return_size)
{
    DWORD error, bit;
    (void)previous_value;
    (void)return_size;
    dl_count_call();
    if (!list || flags != 0)
    {
        SetLastError(ERROR_INVALID_PARAMETER);
        return FALSE;
    }
    if (list->count >= list->capacity)
    {
        SetLastError(ERROR_GEN_FAILURE);
        return FALSE;
    }
    if ((error = check_attribute(id, size)) != 0)
    {
        SetLastError(error);
        return FALSE;
    }
    bit = 1u << (id & ATTRIBUTE_NUMBER & 31);
    if (list->present & bit)
    {
        SetLastError(ERROR_OBJECT_NAME_EXISTS);
        return FALSE;
    }
    list->present |= bit;
    list->attributes[list->count].id = id;
    list->attributes[list->count].size = size;
    list->attributes[list->count].value = value;
    list->count++;
    return TRUE;
}

void WINAPI dl_DeleteProcThreadAttributeList(struct attribute_list *list)
{
    /* The caller owns the memory; nothing was acquired. */
    (void)list;
    dl_count_call();
}
