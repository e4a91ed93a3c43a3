/* The load options a guest test program was started with (pillbox.cfg's
 * "args" line, passed on by the loader as a UCS-2 string). */
#ifndef PILLBOX_GUEST_LOAD_OPTIONS_H
#define PILLBOX_GUEST_LOAD_OPTIONS_H

#include <stdbool.h>
#include <efi.h>

/* True when `option` occurs anywhere in the program's load options. */
bool load_option_given(EFI_HANDLE image, const CHAR16 *option);

#endif
