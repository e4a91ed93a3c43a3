/* The UEFI console as a second log sink, for the loader and the guest
 * programs: lines without the "[LEVEL cpuN stage]" prefix, which the
 * serial copy carries. Firmware that mirrors its console to COM1 (OVMF
 * does) shows these plain copies in the serial log too. */
#ifndef PILLBOX_BOOT_CONSOLE_H
#define PILLBOX_BOOT_CONSOLE_H

void console_log_sink_install(void);

#endif
