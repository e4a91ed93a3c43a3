/* EFI_MP_SERVICES_PROTOCOL (UEFI Platform Initialization Specification,
 * Vol. 2, "MP Services Protocol"), which gnu-efi does not define. Used by
 * the loader to start the VMM on every CPU and by guest programs to run
 * checks on application processors. */
#ifndef PILLBOX_BOOT_MP_SERVICES_H
#define PILLBOX_BOOT_MP_SERVICES_H

#include <efi.h>

#define EFI_MP_SERVICES_PROTOCOL_GUID \
	{ 0x3fdda605, 0xa76e, 0x4f46, { 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } }

#define PROCESSOR_AS_BSP_BIT        0x00000001u
#define PROCESSOR_ENABLED_BIT       0x00000002u

typedef struct _EFI_MP_SERVICES_PROTOCOL EFI_MP_SERVICES_PROTOCOL;
typedef VOID (EFIAPI *EFI_AP_PROCEDURE)(VOID *buffer);

typedef struct {
	UINT32 Package;
	UINT32 Core;
	UINT32 Thread;
} EFI_CPU_PHYSICAL_LOCATION;

typedef struct {
	UINT64 ProcessorId;  /* the APIC id */
	UINT32 StatusFlag;
	EFI_CPU_PHYSICAL_LOCATION Location;
	/* PI 1.7 appends extended topology, written only on request; kept as
	 * room so that firmware writing it cannot overrun the buffer. */
	UINT32 ExtendedInformation[6];
} EFI_PROCESSOR_INFORMATION;

struct _EFI_MP_SERVICES_PROTOCOL {
	EFI_STATUS (EFIAPI *GetNumberOfProcessors)(EFI_MP_SERVICES_PROTOCOL *this,
						   UINTN *number, UINTN *enabled);
	EFI_STATUS (EFIAPI *GetProcessorInfo)(EFI_MP_SERVICES_PROTOCOL *this, UINTN number,
					      EFI_PROCESSOR_INFORMATION *info);
	EFI_STATUS (EFIAPI *StartupAllAPs)(EFI_MP_SERVICES_PROTOCOL *this,
					   EFI_AP_PROCEDURE procedure, BOOLEAN single_thread,
					   EFI_EVENT wait_event, UINTN timeout_us, VOID *argument,
					   UINTN **failed_cpu_list);
	EFI_STATUS (EFIAPI *StartupThisAP)(EFI_MP_SERVICES_PROTOCOL *this,
					   EFI_AP_PROCEDURE procedure, UINTN number,
					   EFI_EVENT wait_event, UINTN timeout_us, VOID *argument,
					   BOOLEAN *finished);
	EFI_STATUS (EFIAPI *SwitchBSP)(EFI_MP_SERVICES_PROTOCOL *this, UINTN number,
				       BOOLEAN enable_old_bsp);
	EFI_STATUS (EFIAPI *EnableDisableAP)(EFI_MP_SERVICES_PROTOCOL *this, UINTN number,
					     BOOLEAN enable, UINT32 *health);
	EFI_STATUS (EFIAPI *WhoAmI)(EFI_MP_SERVICES_PROTOCOL *this, UINTN *number);
};

#endif
