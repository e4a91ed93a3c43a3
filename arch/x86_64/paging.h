/* The page size and the bits of x86-64 paging-structure entries (Intel
 * SDM Vol. 3A, 5.5.4 "Linear-Address Translation with 4-Level Paging and
 * 5-Level Paging", Tables 5-15 to 5-20). PAT is bit 12 in a 1 GiB or
 * 2 MiB leaf, bit 7 (PS's place) in a 4 KiB one. Facts only. */
#ifndef PILLBOX_ARCH_PAGING_H
#define PILLBOX_ARCH_PAGING_H

#define PAGE_SHIFT    12u
#define PAGE_SIZE     0x1000ull     /* 4 KiB: the one name of this size */

/* MAXPHYADDR bounds (5.1.4 "Enumeration of Paging Features by CPUID"):
 * 36 when CPUID.80000008H is not reported, at least 32, at most 52. */
#define MAXPHYADDR_DEFAULT 36u
#define MAXPHYADDR_MIN     32u
#define MAXPHYADDR_MAX     52u

#define PTE_P         (1ull << 0)
#define PTE_RW        (1ull << 1)
#define PTE_US        (1ull << 2)
#define PTE_PWT       (1ull << 3)
#define PTE_PCD       (1ull << 4)
#define PTE_A         (1ull << 5)   /* accessed */
#define PTE_D         (1ull << 6)   /* dirty: in a leaf */
#define PTE_PS        (1ull << 7)   /* PDPTE, PDE: maps a page */
#define PTE_PAT_4K    (1ull << 7)
#define PTE_PAT_LARGE (1ull << 12)
#define PTE_XD        (1ull << 63)
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000ull

#endif
