/* The few C library functions the freestanding code uses. The VMM and the
 * loader link lib/lib.c; the host unit tests link the C library, whose
 * prototypes these match. */
#ifndef PILLBOX_LIB_LIB_H
#define PILLBOX_LIB_LIB_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
