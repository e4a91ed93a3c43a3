/* The header at offset 0 of core.bin, emitted by vmm/setup/core.ld. All offsets
 * are from the start of the image; the loader copies the file, zeroes
 * [file_size, mem_size), applies the R_X86_64_RELATIVE entries in
 * [rela_start, rela_end) and calls the entry points. */
#ifndef PILLBOX_VMM_CORE_IMAGE_H
#define PILLBOX_VMM_CORE_IMAGE_H

#include <stdint.h>
#include "vmm/boot_info.h"

#define CORE_IMAGE_MAGIC 0x45524f4358424c50ull /* "PLBXCORE" */

struct core_header {
	uint64_t magic;
	uint64_t init_off;     /* enum core_status core_init(struct boot_info *) */
	uint64_t launch_off;   /* enum core_status core_launch_cpu(const struct guest_entry *) */
	uint64_t rela_start;
	uint64_t rela_end;
	uint64_t file_size;
	uint64_t mem_size;
	uint64_t hashed_start; /* [hashed_start, hashed_end): code and */
	uint64_t hashed_end;   /* read-only data, for HC_INTEGRITY */
};

_Static_assert(sizeof(struct core_header) == 72, "matches vmm/setup/core.ld");

typedef int (*core_init_fn)(struct boot_info *bi);
typedef int (*core_launch_fn)(const struct guest_entry *ge);

/* ELF64 relocation entry (System V ABI, x86-64 supplement). */
struct elf64_rela {
	uint64_t r_offset;
	uint64_t r_info;
	int64_t r_addend;
};

#define R_X86_64_RELATIVE 8u
#define ELF64_R_TYPE(info) ((uint32_t)(info))

#endif
