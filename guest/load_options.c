#include <efi.h>
#include <efilib.h>
#include "guest/load_options.h"

bool load_option_given(EFI_HANDLE image, const CHAR16 *option)
{
	EFI_LOADED_IMAGE *li = NULL;
	const CHAR16 *opts;
	UINTN len = StrLen(option);

	if (EFI_ERROR(uefi_call_wrapper(BS->HandleProtocol, 3, image, &LoadedImageProtocol,
					(void **)&li)) ||
	    !li || !li->LoadOptions)
		return false;
	opts = li->LoadOptions;
	for (UINTN i = 0; i + len <= li->LoadOptionsSize / sizeof(CHAR16) && opts[i]; i++)
		if (!StrnCmp(opts + i, option, len))
			return true;
	return false;
}
