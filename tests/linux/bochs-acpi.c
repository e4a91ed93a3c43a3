/* bochs-acpi.efi: the firmware part that OVMF lacks in Bochs, for the
 * Linux guest test.
 *
 * OVMF builds its ACPI tables from what QEMU hands it through fw_cfg;
 * Bochs has no fw_cfg, so OVMF boots Linux there with no ACPI tables and
 * no MP table, and Linux then knows only the boot CPU. This program, run
 * by the firmware before anything else (as \EFI\BOOT\BOOTX64.EFI), does
 * what the firmware of a real machine does: it installs a minimal set of
 * ACPI tables as an EFI configuration table:
 *   RSDP (2.0) -> RSDT and XSDT -> FADT -> FACS, DSDT
 *                                 MADT
 * MADT: one enabled local APIC per processor that EFI MP services reports
 * (their APIC ids), no I/O APIC, PC-AT compatible 8259s (Linux runs in
 * virtual-wire mode, every processor online). FADT: the PIIX4 power
 * management block of Bochs's i440FX (PM1 event and control, PM timer),
 * enabled here if the firmware has not; DSDT: \_S3 (suspend to RAM:
 * Bochs resets the machine, as the PIIX4's S3 does, so that the Linux test
 * sees a request that is not refused) and \_S5 (soft off, which Bochs
 * implements: "poweroff" ends the emulation). No PCI host bridge is
 * described, so Linux scans no PCI bus (nothing in the test needs one).
 * If the firmware already has ACPI tables (QEMU, real hardware), nothing is
 * installed.
 *
 * Then it starts the next image, read from \EFI\BOOT\bochs-acpi.cfg on its
 * own volume: one line "<EFI path> [command line]", for example
 *   \EFI\pillbox\pillbox.efi
 *   \vmlinuz initrd=\initrd.img console=ttyS0,115200
 * Lines starting with # are skipped. Every line it prints starts with
 * "bochs-acpi:" (console, which OVMF mirrors to COM1).
 */
#include <efi.h>
#include <efilib.h>
#include "boot/mp_services.h"

#define MAX_CPUS 64

struct __attribute__((packed)) rsdp {
	char signature[8];
	UINT8 checksum;
	char oem_id[6];
	UINT8 revision;
	UINT32 rsdt;
	UINT32 length;
	UINT64 xsdt;
	UINT8 ext_checksum;
	UINT8 reserved[3];
};

struct __attribute__((packed)) sdt_header {
	char signature[4];
	UINT32 length;
	UINT8 revision;
	UINT8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	UINT32 oem_revision;
	char creator_id[4];
	UINT32 creator_revision;
};

/* FADT revision 3 (ACPI 2.0), 244 bytes; the 64-bit X_ fields stay zero
 * and the OS uses the 32-bit ones. */
struct __attribute__((packed)) fadt {
	struct sdt_header h;
	UINT32 firmware_ctrl, dsdt;
	UINT8 reserved0, preferred_pm_profile;
	UINT16 sci_int;
	UINT32 smi_cmd;
	UINT8 acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	UINT32 pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	UINT32 pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	UINT8 pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	UINT8 gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	UINT16 p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	UINT8 duty_offset, duty_width, day_alrm, mon_alrm, century;
	UINT16 iapc_boot_arch;
	UINT8 reserved1;
	UINT32 flags;
	UINT8 reset_reg[12];
	UINT8 reset_value;
	UINT8 reserved2[3];
	UINT64 x_firmware_ctrl, x_dsdt;
	UINT8 x_blocks[8][12];
};
_Static_assert(sizeof(struct fadt) == 244, "FADT revision 3 is 244 bytes");

struct __attribute__((packed)) facs {
	char signature[4];
	UINT32 length;
	UINT32 hardware_signature;
	UINT32 waking_vector;
	UINT32 global_lock;
	UINT32 flags;
	UINT64 x_waking_vector;
	UINT8 version;
	UINT8 reserved[31];
};
_Static_assert(sizeof(struct facs) == 64, "FACS is 64 bytes");

struct __attribute__((packed)) madt_lapic {
	UINT8 type, length, processor_id, apic_id;
	UINT32 flags;
};

struct __attribute__((packed)) madt {
	struct sdt_header h;
	UINT32 lapic_address;
	UINT32 flags;
	struct madt_lapic lapic[MAX_CPUS];
};

/* DefinitionBlock body: Name (_S3, Package () { 1, 1, 0, 0 }) and
 * Name (_S5, Package () { 0, 0, 0, 0 }): SLP_TYP 1 and 0, which the PIIX4
 * (and Bochs) take as suspend to RAM and soft off (AML: ACPI 6.4, 20.2). */
static const UINT8 dsdt_aml[] = {
	0x08, '_', 'S', '3', '_', 0x12, 0x06, 0x04, 0x01, 0x01, 0x00, 0x00,
	0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
};

/* Everything in one page below 4 GiB (the RSDT holds 32-bit addresses). */
struct tables {
	struct facs facs;               /* 64-byte aligned: at the page start */
	struct rsdp rsdp;
	struct fadt fadt;
	struct madt madt;
	struct {
		struct sdt_header h;
		UINT32 entry[2];
	} __attribute__((packed)) rsdt;
	struct {
		struct sdt_header h;
		UINT64 entry[2];
	} __attribute__((packed)) xsdt;
	struct {
		struct sdt_header h;
		UINT8 aml[sizeof(dsdt_aml)];
	} __attribute__((packed)) dsdt;
};
_Static_assert(sizeof(struct tables) <= 4096, "the ACPI tables fit in one page");

static EFI_GUID acpi20_guid = ACPI_20_TABLE_GUID;
static EFI_GUID acpi10_guid = ACPI_TABLE_GUID;
static EFI_GUID mp_guid = EFI_MP_SERVICES_PROTOCOL_GUID;

static UINT8 sum(const void *p, UINTN n)
{
	const UINT8 *b = p;
	UINT8 s = 0;

	while (n--)
		s += *b++;
	return s;
}

static void copy(void *dst, const void *src, UINTN n)
{
	UINT8 *d = dst;
	const UINT8 *s = src;

	while (n--)
		*d++ = *s++;
}

static void header(struct sdt_header *h, const char *sig, UINT32 length, UINT8 revision)
{
	copy(h->signature, sig, 4);
	h->length = length;
	h->revision = revision;
	copy(h->oem_id, "PILLBX", 6);
	copy(h->oem_table_id, "BOCHSACP", 8);
	h->oem_revision = 1;
	copy(h->creator_id, "PLBX", 4);
	h->creator_revision = 1;
}

static void finish(struct sdt_header *h)
{
	h->checksum = 0;
	h->checksum = (UINT8)-sum(h, h->length);
}

/* ---- PCI configuration space (mechanism #1) ---------------------------- */
static UINT32 pci_addr(UINT32 dev, UINT32 fn, UINT32 reg)
{
	return 0x80000000u | dev << 11 | fn << 8 | (reg & 0xfc);
}

static UINT32 pci_read32(UINT32 dev, UINT32 fn, UINT32 reg)
{
	UINT32 v;

	__asm__ volatile("outl %0, %1" : : "a"(pci_addr(dev, fn, reg)), "Nd"((UINT16)0xcf8));
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"((UINT16)0xcfc));
	return v;
}

static void pci_write32(UINT32 dev, UINT32 fn, UINT32 reg, UINT32 v)
{
	__asm__ volatile("outl %0, %1" : : "a"(pci_addr(dev, fn, reg)), "Nd"((UINT16)0xcf8));
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"((UINT16)0xcfc));
}

/* The PIIX4 power management function (8086:7113, 00:01.3 on i440FX):
 * returns its I/O base (PMBA), enabling it at 0xb000 like Bochs's own BIOS
 * if the firmware left it off; 0 if there is none. */
#define PIIX4_PM_DEV 1
#define PIIX4_PM_FN 3
#define PIIX4_PMBA 0x40
#define PIIX4_PMREGMISC 0x80
static UINT16 piix4_pm_base(void)
{
	UINT32 id = pci_read32(PIIX4_PM_DEV, PIIX4_PM_FN, 0);
	UINT32 base, misc;

	if (id != 0x71138086u)
		return 0;
	base = pci_read32(PIIX4_PM_DEV, PIIX4_PM_FN, PIIX4_PMBA) & 0xffc0u;
	misc = pci_read32(PIIX4_PM_DEV, PIIX4_PM_FN, PIIX4_PMREGMISC);
	if (base == 0) {
		base = 0xb000;
		pci_write32(PIIX4_PM_DEV, PIIX4_PM_FN, PIIX4_PMBA, base | 1);
	}
	if (!(misc & 1))
		pci_write32(PIIX4_PM_DEV, PIIX4_PM_FN, PIIX4_PMREGMISC, misc | 1);
	return (UINT16)base;
}

/* ---- tables ------------------------------------------------------------- */
static UINTN cpu_apic_ids(UINT8 *ids)
{
	EFI_MP_SERVICES_PROTOCOL *mp = NULL;
	UINTN total = 0, enabled = 0, n = 0;
	UINT32 eax, ebx, ecx, edx;

	if (!EFI_ERROR(LibLocateProtocol(&mp_guid, (void **)&mp)) &&
	    !EFI_ERROR(mp->GetNumberOfProcessors(mp, &total, &enabled))) {
		for (UINTN i = 0; i < total && n < MAX_CPUS; i++) {
			EFI_PROCESSOR_INFORMATION info;

			if (EFI_ERROR(mp->GetProcessorInfo(mp, i, &info)) ||
			    !(info.StatusFlag & PROCESSOR_ENABLED_BIT) || info.ProcessorId > 254)
				continue;
			ids[n++] = (UINT8)info.ProcessorId;
		}
	}
	if (n == 0) {
		/* No MP services: the boot CPU only, its initial APIC id. */
		__asm__ volatile("cpuid" : "=a"(eax), "=b"(ebx), "=c"(ecx), "=d"(edx) : "a"(1), "c"(0));
		ids[n++] = (UINT8)(ebx >> 24);
	}
	return n;
}

static EFI_STATUS install_tables(void)
{
	EFI_PHYSICAL_ADDRESS page = 0xffffffffu;
	struct tables *t;
	UINT8 ids[MAX_CPUS];
	UINTN ncpu = cpu_apic_ids(ids);
	UINT16 pm = piix4_pm_base();
	EFI_STATUS st;

	st = BS->AllocatePages(AllocateMaxAddress, EfiACPIReclaimMemory, 1, &page);
	if (EFI_ERROR(st))
		return st;
	t = (struct tables *)(UINTN)page;
	ZeroMem(t, 4096);

	copy(t->facs.signature, "FACS", 4);
	t->facs.length = sizeof(t->facs);
	t->facs.version = 1;

	header(&t->dsdt.h, "DSDT", sizeof(t->dsdt), 2);
	copy(t->dsdt.aml, dsdt_aml, sizeof(dsdt_aml));
	finish(&t->dsdt.h);

	header(&t->fadt.h, "FACP", sizeof(t->fadt), 3);
	t->fadt.firmware_ctrl = (UINT32)(UINTN)&t->facs;
	t->fadt.dsdt = (UINT32)(UINTN)&t->dsdt;
	t->fadt.sci_int = 9;
	/* smi_cmd 0: the hardware is in ACPI mode already, nothing to switch. */
	if (pm) {
		t->fadt.pm1a_evt_blk = pm;
		t->fadt.pm1a_cnt_blk = pm + 4u;
		t->fadt.pm_tmr_blk = pm + 8u;
		t->fadt.pm1_evt_len = 4;
		t->fadt.pm1_cnt_len = 2;
		t->fadt.pm_tmr_len = 4;
	}
	t->fadt.p_lvl2_lat = 101;   /* > 100: no C2 */
	t->fadt.p_lvl3_lat = 1001;  /* > 1000: no C3 */
	t->fadt.iapc_boot_arch = 3; /* legacy devices, 8042 */
	/* WBINVD, C1 on all CPUs, power and sleep buttons not fixed features */
	t->fadt.flags = 1u << 0 | 1u << 2 | 1u << 4 | 1u << 5;
	finish(&t->fadt.h);

	header(&t->madt.h, "APIC", sizeof(t->madt.h) + 8 + ncpu * sizeof(struct madt_lapic), 1);
	t->madt.lapic_address = 0xfee00000u;
	t->madt.flags = 1; /* PCAT_COMPAT: 8259s present */
	for (UINTN i = 0; i < ncpu; i++) {
		t->madt.lapic[i].type = 0;
		t->madt.lapic[i].length = sizeof(struct madt_lapic);
		t->madt.lapic[i].processor_id = (UINT8)i;
		t->madt.lapic[i].apic_id = ids[i];
		t->madt.lapic[i].flags = 1; /* enabled */
	}
	finish(&t->madt.h);

	header(&t->rsdt.h, "RSDT", sizeof(t->rsdt), 1);
	t->rsdt.entry[0] = (UINT32)(UINTN)&t->fadt;
	t->rsdt.entry[1] = (UINT32)(UINTN)&t->madt;
	finish(&t->rsdt.h);
	header(&t->xsdt.h, "XSDT", sizeof(t->xsdt), 1);
	t->xsdt.entry[0] = (UINTN)&t->fadt;
	t->xsdt.entry[1] = (UINTN)&t->madt;
	finish(&t->xsdt.h);

	copy(t->rsdp.signature, "RSD PTR ", 8);
	copy(t->rsdp.oem_id, "PILLBX", 6);
	t->rsdp.revision = 2;
	t->rsdp.rsdt = (UINT32)(UINTN)&t->rsdt;
	t->rsdp.length = sizeof(t->rsdp);
	t->rsdp.xsdt = (UINTN)&t->xsdt;
	t->rsdp.checksum = (UINT8)-sum(&t->rsdp, 20);
	t->rsdp.ext_checksum = (UINT8)-sum(&t->rsdp, sizeof(t->rsdp));

	st = BS->InstallConfigurationTable(&acpi20_guid, &t->rsdp);
	if (EFI_ERROR(st)) {
		BS->FreePages(page, 1);
		return st;
	}
	Print(L"bochs-acpi: ACPI tables at 0x%lx: MADT with %lu local APIC(s) (ids", page,
	      (UINT64)ncpu);
	for (UINTN i = 0; i < ncpu; i++)
		Print(L" %d", ids[i]);
	if (pm)
		Print(L"), PIIX4 PM block at 0x%x\n", pm);
	else
		Print(L"), no PIIX4 PM block\n");
	return EFI_SUCCESS;
}

static int have_acpi(void)
{
	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_GUID *g = &ST->ConfigurationTable[i].VendorGuid;

		if (!CompareGuid(g, &acpi20_guid) || !CompareGuid(g, &acpi10_guid))
			return 1;
	}
	return 0;
}

/* ---- the next image ------------------------------------------------------ */
#define LINE_MAX 1024
static CHAR16 cmdline[LINE_MAX];

/* The first line of the config file that is neither empty nor a comment. */
static EFI_STATUS read_config(EFI_HANDLE volume)
{
	static char buf[4096];
	EFI_FILE_HANDLE root = LibOpenRoot(volume), fh = NULL;
	UINTN size = sizeof(buf) - 1, i = 0, n = 0;
	EFI_STATUS st;

	if (!root)
		return EFI_NOT_FOUND;
	st = root->Open(root, &fh, L"\\EFI\\BOOT\\bochs-acpi.cfg", EFI_FILE_MODE_READ, 0);
	if (EFI_ERROR(st)) {
		root->Close(root);
		return st;
	}
	st = fh->Read(fh, &size, buf);
	fh->Close(fh);
	root->Close(root);
	if (EFI_ERROR(st))
		return st;
	buf[size] = 0;
	while (i < size) {
		UINTN start = i;

		while (i < size && buf[i] != '\n')
			i++;
		UINTN end = i++;
		while (end > start && (buf[end - 1] == '\r' || buf[end - 1] == ' '))
			end--;
		while (start < end && buf[start] == ' ')
			start++;
		if (start == end || buf[start] == '#')
			continue;
		for (UINTN k = start; k < end && n + 1 < LINE_MAX; k++)
			cmdline[n++] = (CHAR16)(UINT8)buf[k];
		cmdline[n] = 0;
		return EFI_SUCCESS;
	}
	return EFI_NOT_FOUND;
}

/* The time-stamp counter, printed at start and before loading the next
 * image: in
 * Bochs it counts emulated ticks from power-on, so tests/bench/bench.sh
 * can tell the firmware's share of a boot from the rest. */
static UINT64 tsc_now(void)
{
	UINT32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((UINT64)hi << 32) | lo;
}

/* The next image from this program's own load options, "\path args", when
 * it has them: make bench (tests/bench/bench.sh) has the Pillbox loader
 * start this program again with the kernel's path and command line as its
 * "args", so that the TSC is printed just before the kernel is loaded
 * under Pillbox as it is without (tests/boot/test-bochs-linux.sh,
 * LINUX_VIA_ACPI). */
static BOOLEAN next_from_options(const EFI_LOADED_IMAGE *self)
{
	const CHAR16 *o = self->LoadOptions;
	UINTN n = self->LoadOptionsSize / sizeof(CHAR16), k = 0;

	if (!o || !n || o[0] != L'\\')
		return FALSE;
	for (; k < n && o[k] && k + 1 < LINE_MAX; k++)
		cmdline[k] = o[k];
	cmdline[k] = 0;
	return TRUE;
}

static EFI_STATUS start_next(EFI_HANDLE image)
{
	EFI_LOADED_IMAGE *self = NULL, *child_li = NULL;
	EFI_DEVICE_PATH *dp;
	EFI_HANDLE child = NULL;
	CHAR16 *args = NULL;
	EFI_STATUS st;

	st = BS->HandleProtocol(image, &LoadedImageProtocol, (void **)&self);
	if (EFI_ERROR(st))
		return st;
	st = next_from_options(self) ? EFI_SUCCESS : read_config(self->DeviceHandle);
	if (EFI_ERROR(st)) {
		Print(L"bochs-acpi: no next image: cannot read \\EFI\\BOOT\\bochs-acpi.cfg (%r)\n", st);
		return st;
	}
	for (CHAR16 *p = cmdline; *p; p++) {
		if (*p == ' ') {
			*p = 0;
			args = p + 1;
			break;
		}
	}
	Print(L"bochs-acpi: tsc=%lu loading %s\n", tsc_now(), cmdline);
	dp = FileDevicePath(self->DeviceHandle, cmdline);
	if (!dp)
		return EFI_OUT_OF_RESOURCES;
	st = BS->LoadImage(FALSE, image, dp, NULL, 0, &child);
	FreePool(dp);
	if (EFI_ERROR(st)) {
		Print(L"bochs-acpi: cannot load %s (%r)\n", cmdline, st);
		return st;
	}
	if (args && !EFI_ERROR(BS->HandleProtocol(child, &LoadedImageProtocol, (void **)&child_li))) {
		child_li->LoadOptions = args;
		child_li->LoadOptionsSize = (UINT32)((StrLen(args) + 1) * sizeof(CHAR16));
	}
	Print(L"bochs-acpi: starting %s%s%s\n", cmdline, args ? L" " : L"", args ? args : L"");
	st = BS->StartImage(child, NULL, NULL);
	Print(L"bochs-acpi: %s returned (%r)\n", cmdline, st);
	return st;
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	EFI_STATUS st;

	InitializeLib(image, systab);
	Print(L"bochs-acpi: tsc=%lu at start\n", tsc_now());
	if (have_acpi()) {
		Print(L"bochs-acpi: the firmware has ACPI tables: none installed\n");
	} else {
		st = install_tables();
		if (EFI_ERROR(st))
			Print(L"bochs-acpi: cannot install ACPI tables (%r)\n", st);
	}
	return start_next(image);
}
