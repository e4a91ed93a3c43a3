/* Log lines on the UEFI console, without the "[LEVEL cpuN stage]" prefix
 * (the serial log has it). OVMF mirrors its console to COM1, so the serial
 * log shows a plain copy of the loader's lines too. */
#include <efi.h>
#include <efilib.h>
#include "boot/console.h"
#include "vmm/log/log.h"

#define CONSOLE_LINE_MAX 256

static void console_sink(const char *line, size_t len)
{
	CHAR16 out[CONSOLE_LINE_MAX + 2];
	size_t i = 0, o = 0;

	/* skip the prefix "[...] " */
	if (len && line[0] == '[') {
		while (i < len && line[i] != ']')
			i++;
		i += 2;
	}
	for (; i < len && o < CONSOLE_LINE_MAX; i++) {
		if (line[i] == '\n')
			out[o++] = L'\r';
		out[o++] = (CHAR16)(unsigned char)line[i];
	}
	out[o] = 0;
	ST->ConOut->OutputString(ST->ConOut, out);
}

void console_log_sink_install(void)
{
	log_add_sink(console_sink);
}
