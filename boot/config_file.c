/* Reads the configuration file from the volume the loader was started
 * from; the format and its parser are in boot/config.c. */
#include "boot/loader.h"

#define CONFIG_FILE_PATH L"\\EFI\\BOOT\\pillbox.cfg"
#define CONFIG_FILE_NAME "\\EFI\\BOOT\\pillbox.cfg"
#define CONFIG_FILE_MAX (64u * 1024u)

static void config_diag(void *ctx, unsigned line, const char *msg)
{
	(void)ctx;
	log_warn(LOADER_STAGE, "%s line %u: %s (ignored, default kept)", CONFIG_FILE_NAME, line, msg);
}

static EFI_FILE_HANDLE open_config(EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *li = NULL;
	EFI_FILE_HANDLE root, fh = NULL;
	EFI_STATUS st;

	st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&li);
	if (EFI_ERROR(st) || !li)
		return NULL;
	root = LibOpenRoot(li->DeviceHandle);
	if (!root)
		return NULL;
	st = root->Open(root, &fh, CONFIG_FILE_PATH, EFI_FILE_MODE_READ, 0);
	root->Close(root);
	return EFI_ERROR(st) ? NULL : fh;
}

void config_load(EFI_HANDLE image, struct boot_config *cfg)
{
	EFI_FILE_HANDLE fh;
	EFI_FILE_INFO *info;
	UINTN size;
	char *buf;
	unsigned bad;

	config_defaults(cfg);
	fh = open_config(image);
	if (!fh) {
		log_info(LOADER_STAGE, "no %s: using defaults (image %s)", CONFIG_FILE_NAME, cfg->image);
		return;
	}
	info = LibFileInfo(fh);
	size = info ? info->FileSize : 0;
	if (info)
		FreePool(info);
	if (size > CONFIG_FILE_MAX) {
		log_warn(LOADER_STAGE, "%s is %lu bytes (over %u): ignored, using defaults",
			 CONFIG_FILE_NAME, (unsigned long)size, CONFIG_FILE_MAX);
		fh->Close(fh);
		return;
	}
	buf = AllocatePool(size + 1);
	if (!buf || EFI_ERROR(fh->Read(fh, &size, buf))) {
		log_warn(LOADER_STAGE, "%s could not be read: using defaults", CONFIG_FILE_NAME);
		if (buf)
			FreePool(buf);
		fh->Close(fh);
		return;
	}
	fh->Close(fh);
	bad = config_parse(cfg, buf, size, config_diag, NULL);
	FreePool(buf);
	log_info(LOADER_STAGE, "config %s: image '%s', args '%s', log level %s%s", CONFIG_FILE_NAME,
		 cfg->image, cfg->args, log_level_name(cfg->log_level),
		 bad ? " (some lines ignored, see above)" : "");
}
