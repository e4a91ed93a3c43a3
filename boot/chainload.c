/* Starts the configured next image (the OS loader, or a guest test
 * program) with its command line. The path is looked up on the loader's
 * own volume first, then on every other file system the firmware sees, in
 * handle order, so that a USB stick can start the OS on the internal disk.
 * By now the loader runs as the guest, so this is the firmware's ordinary
 * LoadImage/StartImage, under the hypervisor. */
#include "boot/loader.h"

static void ascii_to_char16(CHAR16 *dst, const char *src, size_t max)
{
	size_t i = 0;

	for (; src[i] && i + 1 < max; i++)
		dst[i] = (CHAR16)(unsigned char)src[i];
	dst[i] = 0;
}

/* Does the volume on handle fs hold a file at path? */
static int volume_has(EFI_HANDLE fs, CHAR16 *path)
{
	EFI_FILE_HANDLE root = LibOpenRoot(fs), fh = NULL;
	EFI_STATUS st;

	if (!root)
		return 0;
	st = root->Open(root, &fh, path, EFI_FILE_MODE_READ, 0);
	if (!EFI_ERROR(st))
		fh->Close(fh);
	root->Close(root);
	return !EFI_ERROR(st);
}

static EFI_STATUS load_from(EFI_HANDLE image, EFI_HANDLE fs, CHAR16 *path, EFI_HANDLE *child)
{
	EFI_DEVICE_PATH *dp = FileDevicePath(fs, path);
	EFI_STATUS st;

	if (!dp)
		return EFI_OUT_OF_RESOURCES;
	st = BS->LoadImage(FALSE, image, dp, NULL, 0, child);
	FreePool(dp);
	return st;
}

/* Own volume first, then the others. Returns the loader's status of the
 * volume that holds the file, or EFI_NOT_FOUND. */
static EFI_STATUS find_and_load(EFI_HANDLE image, EFI_HANDLE own, CHAR16 *path,
				const char *name, EFI_HANDLE *child)
{
	EFI_HANDLE *handles = NULL;
	UINTN count = 0;
	EFI_STATUS st = EFI_NOT_FOUND;

	if (volume_has(own, path))
		return load_from(image, own, path, child);
	if (EFI_ERROR(LibLocateHandle(ByProtocol, &FileSystemProtocol, NULL, &count, &handles)))
		return EFI_NOT_FOUND;
	for (UINTN i = 0; i < count; i++) {
		if (handles[i] == own || !volume_has(handles[i], path))
			continue;
		log_info(LOADER_STAGE, "%s is not on the loader's volume: found on file system %lu of %lu",
			 name, (unsigned long)i + 1, (unsigned long)count);
		st = load_from(image, handles[i], path, child);
		break;
	}
	FreePool(handles);
	return st;
}

EFI_STATUS chainload(EFI_HANDLE image, const struct boot_config *cfg)
{
	static CHAR16 path[CONFIG_PATH_MAX], args[CONFIG_ARGS_MAX];
	EFI_LOADED_IMAGE *self = NULL, *child_li = NULL;
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
	st = find_and_load(image, self->DeviceHandle, path, cfg->image, &child);
	if (EFI_ERROR(st)) {
		log_err(LOADER_STAGE, "cannot load next image %s (EFI status %llx%s)", cfg->image,
			(unsigned long long)st,
			st == EFI_NOT_FOUND ? ": no file system holds it" : "");
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
