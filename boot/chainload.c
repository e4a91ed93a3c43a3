/* Starts the configured next image (the OS loader, or a guest test
 * program) from the loader's own volume, with its command line. By now the
 * loader runs as the guest, so this is the firmware's ordinary LoadImage/
 * StartImage, under the hypervisor. */
#include "boot/loader.h"

static void ascii_to_char16(CHAR16 *dst, const char *src, size_t max)
{
	size_t i = 0;

	for (; src[i] && i + 1 < max; i++)
		dst[i] = (CHAR16)(unsigned char)src[i];
	dst[i] = 0;
}

EFI_STATUS chainload(EFI_HANDLE image, const struct boot_config *cfg)
{
	static CHAR16 path[CONFIG_PATH_MAX], args[CONFIG_ARGS_MAX];
	EFI_LOADED_IMAGE *self = NULL, *child_li = NULL;
	EFI_DEVICE_PATH *dp;
	EFI_HANDLE child = NULL;
	EFI_STATUS st;

	if (!cfg->image[0]) {
		log_info(LOADER_STAGE, "no next image configured: returning to the firmware");
		return EFI_SUCCESS;
	}
	ascii_to_char16(path, cfg->image, CONFIG_PATH_MAX);
	ascii_to_char16(args, cfg->args, CONFIG_ARGS_MAX);
	st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&self);
	if (EFI_ERROR(st))
		return st;
	dp = FileDevicePath(self->DeviceHandle, path);
	if (!dp)
		return EFI_OUT_OF_RESOURCES;
	st = BS->LoadImage(FALSE, image, dp, NULL, 0, &child);
	FreePool(dp);
	if (EFI_ERROR(st)) {
		log_err(LOADER_STAGE, "cannot load next image %s (EFI status %llx)", cfg->image,
			(unsigned long long)st);
		return st;
	}
	if (cfg->args[0] &&
	    !EFI_ERROR(BS->HandleProtocol(child, &LoadedImageProtocol, (void **)&child_li))) {
		child_li->LoadOptions = args;
		child_li->LoadOptionsSize = (UINT32)((StrLen(args) + 1) * sizeof(CHAR16));
	}
	log_info(LOADER_STAGE, "starting next image %s (args '%s')", cfg->image, cfg->args);
	st = BS->StartImage(child, NULL, NULL);
	log_info(LOADER_STAGE, "next image %s returned (EFI status %llx)", cfg->image,
		 (unsigned long long)st);
	return st;
}
