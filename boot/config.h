/* The loader's configuration file, \EFI\BOOT\pillbox.cfg on the ESP.
 * Format (docs/config.md): one "key = value" per line, '#' starts a
 * comment, blank lines ignored, keys case-sensitive, values trimmed.
 * Pure logic: no UEFI types, so the host unit tests link it as is. */
#ifndef PILLBOX_BOOT_CONFIG_H
#define PILLBOX_BOOT_CONFIG_H

#include <stddef.h>
#include "vmm/log/log_level.h"

#define CONFIG_PATH_MAX 256
#define CONFIG_ARGS_MAX 512
#define CONFIG_LINE_MAX 1024


struct boot_config {
	/* EFI path of the next image, with backslashes, e.g.
	 * "\EFI\debian\grubx64.efi". Empty: start nothing, return to firmware. */
	char image[CONFIG_PATH_MAX];
	/* Its command line (load options), may be empty. */
	char args[CONFIG_ARGS_MAX];
	enum log_level log_level;
	/* Read-only hypercalls allowed from CPL 3 (vmm/exit/hypercall.h). */
	enum { CONFIG_USER_HC_NONE, CONFIG_USER_HC_READ } user_hypercalls;
	/* Test hook, not a setting (docs/architecture.md, "Test hooks"):
	 * fault injection for the rollback test, the VMM refuses to start on
	 * the CPU with this APIC id. CONFIG_TEST_FAIL_NONE (the default): off. */
	int test_fail_cpu;
};

#define CONFIG_TEST_FAIL_NONE (-1)
#define CONFIG_TEST_FAIL_MAX 255

/* Default when the file is missing or a line is malformed. */
#define CONFIG_DEFAULT_IMAGE "\\EFI\\BOOT\\next.efi"
#define CONFIG_DEFAULT_LOG_LEVEL LOG_INFO

/* Called once per malformed line, with its 1-based number and a message
 * such as "unknown key 'foo'" (no trailing newline). */
typedef void (*config_diag_fn)(void *ctx, unsigned line, const char *msg);

void config_defaults(struct boot_config *cfg);

/* Parses text[0..len) (need not be NUL terminated; CRLF or LF; a UTF-8 BOM
 * is skipped) over the current contents of cfg, which should hold the
 * defaults. Keys: image, args, log_level (error|warn|info|debug or 0-3),
 * user_hypercalls (none|read); the test hook test_fail_cpu (an APIC id
 * 0-255, or none).
 * A malformed line (no '=', empty or unknown key, bad value, too long,
 * a NUL byte or a control character) is reported through diag (may be NULL)
 * and leaves that setting at its previous value. A key given twice: the
 * last one wins. "image" must start with '\' and hold no '/' or control
 * characters ('/' is rejected rather than guessed at). Returns the number
 * of malformed lines.
 * Details: lines are split at LF and one CR before the LF is dropped; a
 * line may hold at most CONFIG_LINE_MAX - 1 bytes, line ending excluded;
 * NUL bytes and control characters (tab aside) make a line malformed even
 * inside a comment; '#' starts a comment anywhere, so values cannot hold
 * '#'; values are literal (no quotes or escapes); "image =" (empty) is
 * valid and means "start nothing"; log_level names are lower case. A NULL
 * cfg or text returns 0. */
unsigned config_parse(struct boot_config *cfg, const char *text, size_t len,
		      config_diag_fn diag, void *ctx);

const char *log_level_name(enum log_level level);

#endif
