/* I/O-instruction exits (vmm/exit/exit_io.c): the guest's ACPI sleep requests
 * that the VMM refuses (vmm/policy/pm1_policy.h). The exit handler,
 * handle_io_instruction(), is in vmm/exit/exit_table.h. */
#ifndef PILLBOX_VMM_EXIT_IO_H
#define PILLBOX_VMM_EXIT_IO_H

/* Called while this CPU's VMCS controls are set up (vmm/setup/vmcs_setup.c):
 * when the loader found PM1 registers to guard (boot_info), points the
 * VMCS at the I/O bitmaps and turns "use I/O bitmaps" on; else leaves the
 * controls as they are (no I/O exits). */
void io_exits_setup(void);

#endif
