/* Unit tests for vmm/memory/guest_paging.c: every paging mode walked over page
 * tables built in a fake 16 MiB guest-physical memory (gpa = offset),
 * with the exact entry reads checked; not-present and reserved entries at
 * every level, MAXPHYADDR, canonical addresses, reads crossing pages and
 * read-function failures. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/memory/guest_paging.h"
#include "lib/lib.h"

#define MiB       0x100000ull
#define GiB       0x40000000ull
#define PAGE      0x1000ull
#define MEM_SIZE  (16 * MiB)
#define LOG_MAX   32u
#define ALLOW_MAX 16u
#define NO_GPA    0xBAD0BAD0BAD0BAD0ull

/* Entry bits, spelled out here independently of the module. */
#define P    (1ull << 0)
#define RW   (1ull << 1)
#define US   (1ull << 2)
#define PS   (1ull << 7)
#define PAT  (1ull << 12)  /* in a large-page PDE/PDPTE */
#define XD   (1ull << 63)
#define BIT(n) (1ull << (n))

#define MODE_MAXPHY 36u

struct read_rec {
	uint64_t gpa;
	unsigned len;
};

struct fake_mem {
	uint8_t *bytes;
	struct read_rec log[LOG_MAX];
	unsigned reads;       /* calls, also past LOG_MAX */
	unsigned refused;     /* calls answered false */
	unsigned fail_at;     /* refuse the fail_at-th call (from 1); 0 never */
	uint64_t allow[ALLOW_MAX]; /* if nallow: the only readable pages */
	unsigned nallow;
};

static bool page_allowed(const struct fake_mem *f, uint64_t gpa)
{
	unsigned i;

	if (!f->nallow)
		return true;
	for (i = 0; i < f->nallow; i++)
		if (f->allow[i] == (gpa & ~(PAGE - 1)))
			return true;
	return false;
}

/* The guest_phys_read_fn: refuses anything outside the fake memory or
 * the allowed pages; fails the test on a read crossing a page. */
static bool mem_read(void *ctx, uint64_t gpa, void *buf, unsigned len)
{
	struct fake_mem *f = ctx;
	unsigned n = f->reads++;

	if (n < LOG_MAX) {
		f->log[n].gpa = gpa;
		f->log[n].len = len;
	}
	if (len == 0 || len > PAGE || (gpa & (PAGE - 1)) + len > PAGE)
		fail_msg("read of %u bytes at 0x%llx crosses a page", len,
			 (unsigned long long)gpa);
	if (f->fail_at == n + 1 || gpa >= MEM_SIZE || len > MEM_SIZE - gpa ||
	    !page_allowed(f, gpa)) {
		f->refused++;
		return false;
	}
	memcpy(buf, f->bytes + gpa, len);
	return true;
}

static int setup(void **state)
{
	struct fake_mem *f = test_calloc(1, sizeof(*f));

	f->bytes = test_calloc(1, MEM_SIZE);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fake_mem *f = *state;

	test_free(f->bytes);
	test_free(f);
	return 0;
}

static void reset_log(struct fake_mem *f)
{
	f->reads = 0;
	f->refused = 0;
	memset(f->log, 0, sizeof(f->log));
}

static void put32(struct fake_mem *f, uint64_t gpa, uint32_t v)
{
	assert_true(gpa + sizeof(v) <= MEM_SIZE);
	memcpy(f->bytes + gpa, &v, sizeof(v));
}

static void put64(struct fake_mem *f, uint64_t gpa, uint64_t v)
{
	assert_true(gpa + sizeof(v) <= MEM_SIZE);
	memcpy(f->bytes + gpa, &v, sizeof(v));
}

static uint64_t get64(struct fake_mem *f, uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, f->bytes + gpa, sizeof(v));
	return v;
}

/* Sign-extends v from bit bits-1 (a canonical address). */
static uint64_t sext(uint64_t v, unsigned bits)
{
	uint64_t sign = 1ull << (bits - 1);

	v &= (sign << 1) - 1;
	return (v ^ sign) - sign;
}

static void expect_gpa(struct fake_mem *f, const struct guest_paging_mode *m,
		       uint64_t la, uint64_t want)
{
	uint64_t gpa = NO_GPA;
	int err;

	reset_log(f);
	err = guest_linear_to_phys(m, la, 0, mem_read, f, &gpa);
	if (err != GP_OK || gpa != want)
		fail_msg("la 0x%llx: err %d gpa 0x%llx, want 0x%llx",
			 (unsigned long long)la, err, (unsigned long long)gpa,
			 (unsigned long long)want);
}

static void expect_err(struct fake_mem *f, const struct guest_paging_mode *m,
		       uint64_t la, int want)
{
	uint64_t gpa = NO_GPA;
	int err;

	reset_log(f);
	err = guest_linear_to_phys(m, la, 0, mem_read, f, &gpa);
	if (err != want)
		fail_msg("la 0x%llx: err %d, want %d", (unsigned long long)la,
			 err, want);
	assert_int_equal(gpa, NO_GPA);
}

/* The walk read exactly these entries, of size esize, in order. */
static void expect_reads(const struct fake_mem *f, const uint64_t *gpas,
			 unsigned n, unsigned esize)
{
	unsigned i;

	assert_int_equal(f->reads, n);
	for (i = 0; i < n; i++) {
		assert_int_equal(f->log[i].gpa, gpas[i]);
		assert_int_equal(f->log[i].len, esize);
	}
}

static struct guest_paging_mode mode_32bit(uint64_t cr3, bool pse)
{
	struct guest_paging_mode m = {
		.cr0 = CR0_PE | CR0_PG, .cr3 = cr3,
		.cr4 = pse ? CR4_PSE : 0, .maxphyaddr = MODE_MAXPHY,
	};

	return m;
}

static struct guest_paging_mode mode_pae(uint64_t cr3)
{
	struct guest_paging_mode m = {
		.cr0 = CR0_PE | CR0_PG, .cr3 = cr3, .cr4 = CR4_PAE,
		.maxphyaddr = MODE_MAXPHY,
	};

	return m;
}

static struct guest_paging_mode mode_long(uint64_t cr3, bool la57)
{
	struct guest_paging_mode m = {
		.cr0 = CR0_PE | CR0_PG, .cr3 = cr3,
		.cr4 = CR4_PAE | (la57 ? CR4_LA57 : 0),
		.efer = EFER_LME | EFER_LMA, .maxphyaddr = MODE_MAXPHY,
	};

	return m;
}

/* ---- standard tables ---------------------------------------------------
 * Distinct, non-zero indices at every level, so a wrong shift or mask
 * lands on a zero (not-present) entry. Data pages hold a pattern. */

#define DATA_GPA   0x345000ull
#define DATA2_GPA  0x2A1000ull  /* below DATA_GPA: not contiguous */

/* 32-bit paging: PD at 0x20000, PT at 0x21000. */
#define P32_PD     0x20000ull
#define P32_PT     0x21000ull
#define P32_I2     0x2A7u
#define P32_I1     0x1C3u
#define P32_OFF    0x5EFu
#define P32_LA     (((uint64_t)P32_I2 << 22) | ((uint64_t)P32_I1 << 12) | \
		    P32_OFF)
#define P32_PDE    (P32_PD + P32_I2 * 4)
#define P32_PTE    (P32_PT + P32_I1 * 4)

static void build_32bit(struct fake_mem *f)
{
	put32(f, P32_PDE, P32_PT | P | RW);
	put32(f, P32_PDE + 4, 0xFFFFFFFFu);  /* caught if read as 8 bytes */
	put32(f, P32_PTE, DATA_GPA | P | RW);
	put32(f, P32_PTE + 4, DATA2_GPA | P | RW);  /* next page */
}

/* PAE: PDPT at 0x30020 (32-byte aligned only), PD 0x31000, PT 0x32000. */
#define PAE_PDPT   0x30020ull
#define PAE_PD     0x31000ull
#define PAE_PT     0x32000ull
#define PAE_I3     2u
#define PAE_I2     0x1B4u
#define PAE_I1     0x0E6u
#define PAE_OFF    0x321u
#define PAE_LA     (((uint64_t)PAE_I3 << 30) | ((uint64_t)PAE_I2 << 21) | \
		    ((uint64_t)PAE_I1 << 12) | PAE_OFF)
#define PAE_PDPTE  (PAE_PDPT + PAE_I3 * 8)
#define PAE_PDE    (PAE_PD + PAE_I2 * 8)
#define PAE_PTE    (PAE_PT + PAE_I1 * 8)

static void build_pae(struct fake_mem *f)
{
	put64(f, PAE_PDPTE, PAE_PD | P);
	put64(f, PAE_PDE, PAE_PT | P | RW);
	put64(f, PAE_PTE, DATA_GPA | P | RW);
}

/* 4-level: PML4 0x10000, PDPT 0x11000, PD 0x12000, PT 0x13000; 5-level
 * adds a PML5 at 0x14000 pointing at the same PML4. */
#define L_PML5     0x14000ull
#define L_PML4     0x10000ull
#define L_PDPT     0x11000ull
#define L_PD       0x12000ull
#define L_PT       0x13000ull
#define L_I5       0x1F0u   /* >= 256: the 57-bit address is negative */
#define L_I4       0x1A5u   /* >= 256: the 48-bit address is negative */
#define L_I3       0x0F3u
#define L_I2       0x12Cu
#define L_I1       0x077u
#define L_OFF      0xABCu
#define L_LOW      (((uint64_t)L_I4 << 39) | ((uint64_t)L_I3 << 30) | \
		    ((uint64_t)L_I2 << 21) | ((uint64_t)L_I1 << 12) | L_OFF)
#define L_LA4      sext(L_LOW, 48)
#define L_LA5      sext(((uint64_t)L_I5 << 48) | L_LOW, 57)
#define L_PML5E    (L_PML5 + L_I5 * 8)
#define L_PML4E    (L_PML4 + L_I4 * 8)
#define L_PDPTE    (L_PDPT + L_I3 * 8)
#define L_PDE      (L_PD + L_I2 * 8)
#define L_PTE      (L_PT + L_I1 * 8)

static void build_long(struct fake_mem *f)
{
	put64(f, L_PML5E, L_PML4 | P | RW);
	put64(f, L_PML4E, L_PDPT | P | RW);
	put64(f, L_PDPTE, L_PD | P | RW);
	put64(f, L_PDE, L_PT | P | RW);
	put64(f, L_PTE, DATA_GPA | P | RW);
	put64(f, L_PTE + 8, DATA2_GPA | P | RW);  /* next page */
}

/* ---- no paging --------------------------------------------------------- */

static void test_no_paging(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = { .maxphyaddr = MODE_MAXPHY };

	/* Real mode. */
	expect_gpa(f, &m, 0xFFFF0, 0xFFFF0);
	assert_int_equal(f->reads, 0);
	expect_gpa(f, &m, 0x100000010ull, 0x10);
	expect_gpa(f, &m, 0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFFull);
	/* Protected mode without paging; PAE, PSE and LA57 do not matter. */
	m.cr0 = CR0_PE;
	m.cr4 = CR4_PAE | CR4_PSE | CR4_LA57;
	m.efer = EFER_LME | EFER_NXE;
	m.cr3 = L_PML4;
	expect_gpa(f, &m, 0xFEE00300ull, 0xFEE00300ull);
	expect_gpa(f, &m, 0xABCD00001234ull, 0x1234);
	assert_int_equal(f->reads, 0);
}

static void test_invalid_args(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_long(L_PML4, false);
	uint64_t gpa = NO_GPA;
	uint8_t b[4] = { 1, 2, 3, 4 };

	build_long(f);
	expect_gpa(f, &m, L_LA4, DATA_GPA | L_OFF);
	assert_int_equal(guest_linear_to_phys(NULL, 0, 0, mem_read, f, &gpa),
			 GP_INVALID);
	assert_int_equal(guest_linear_to_phys(&m, 0, 0, NULL, f, &gpa),
			 GP_INVALID);
	assert_int_equal(guest_linear_to_phys(&m, 0, 0, mem_read, f, NULL),
			 GP_INVALID);
	assert_int_equal(gpa, NO_GPA);
	/* IA-32e mode needs CR0.PG and CR4.PAE; paging needs CR0.PE. */
	m.cr4 = 0;
	expect_err(f, &m, L_LA4, GP_INVALID);
	m = mode_long(L_PML4, false);
	m.cr0 = CR0_PE;
	expect_err(f, &m, L_LA4, GP_INVALID);
	m = mode_32bit(P32_PD, false);
	m.cr0 = CR0_PG;
	expect_err(f, &m, P32_LA, GP_INVALID);
	assert_int_equal(f->reads, 0);
	/* guest_read_linear: NULL m or rd zero buf; len too big leaves it. */
	m = mode_long(L_PML4, false);
	assert_int_equal(guest_read_linear(NULL, 0, b, 4, mem_read, f),
			 GP_INVALID);
	assert_memory_equal(b, "\0\0\0\0", 4);
	b[0] = 7;
	assert_int_equal(guest_read_linear(&m, 0, b, 4, NULL, f), GP_INVALID);
	assert_int_equal(b[0], 0);
	b[0] = 7;
	assert_int_equal(guest_read_linear(&m, 0, NULL, 4, mem_read, f),
			 GP_INVALID);
	assert_int_equal(guest_read_linear(&m, 0, b, GUEST_READ_MAX + 1,
					   mem_read, f), GP_INVALID);
	assert_int_equal(b[0], 7);
}

/* ---- 32-bit paging ----------------------------------------------------- */

static void test_32bit_4k(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_32bit(P32_PD | 0x018, false);
	const uint64_t reads[] = { P32_PDE, P32_PTE };

	build_32bit(f);
	expect_gpa(f, &m, P32_LA, DATA_GPA | P32_OFF);
	expect_reads(f, reads, 2, 4);
	/* Outside IA-32e mode la is 32 bits. */
	expect_gpa(f, &m, 0xABC00000000ull | P32_LA, DATA_GPA | P32_OFF);
	/* The next page through the next PTE. */
	expect_gpa(f, &m, P32_LA + PAGE, DATA2_GPA | P32_OFF);
	/* PS in a PDE is ignored without CR4.PSE: still a page table. */
	put32(f, P32_PDE, P32_PT | P | PS);
	expect_gpa(f, &m, P32_LA, DATA_GPA | P32_OFF);
	/* No reserved bits in 32-bit 4 KiB entries (PAT is bit 7). */
	put32(f, P32_PTE, DATA_GPA | P | PS);
	expect_gpa(f, &m, P32_LA, DATA_GPA | P32_OFF);
	/* Not present at each level, other bits ignored. */
	put32(f, P32_PDE, (P32_PT | 0xFFE) & ~P);
	expect_err(f, &m, P32_LA, GP_NOT_PRESENT);
	expect_reads(f, reads, 1, 4);
	put32(f, P32_PDE, P32_PT | P);
	put32(f, P32_PTE, 0xFFFFFFFEu);
	expect_err(f, &m, P32_LA, GP_NOT_PRESENT);
	expect_reads(f, reads, 2, 4);
	/* An unmapped index. */
	expect_err(f, &m, P32_LA - (1ull << 22), GP_NOT_PRESENT);
}

static void test_32bit_4m(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_32bit(P32_PD, true);
	const uint64_t reads[] = { P32_PDE };
	uint64_t off = P32_LA & (4 * MiB - 1);

	build_32bit(f);
	put32(f, P32_PDE, 0x00C00000u | P | PS);
	expect_gpa(f, &m, P32_LA, 0xC00000ull | off);
	expect_reads(f, reads, 1, 4);
	/* PAT (bit 12) is not an address bit. */
	put32(f, P32_PDE, 0xFFC00000u | P | PS | PAT);
	expect_gpa(f, &m, P32_LA, 0xFFC00000ull | off);
	/* PSE-36: PDE bits 16:13 are address bits 35:32 (MAXPHYADDR 36). */
	put32(f, P32_PDE, 0x00C00000u | (0x5u << 13) | P | PS);
	expect_gpa(f, &m, P32_LA, 0x500C00000ull | off);
	/* Bits 21:17 reserved with MAXPHYADDR 36. */
	put32(f, P32_PDE, 0x00C00000u | BIT(17) | P | PS);
	expect_err(f, &m, P32_LA, GP_RESERVED);
	put32(f, P32_PDE, 0x00C00000u | BIT(21) | P | PS);
	expect_err(f, &m, P32_LA, GP_RESERVED);
	/* MAXPHYADDR 40: bits 20:13 are address bits 39:32, 21 reserved. */
	m.maxphyaddr = 40;
	put32(f, P32_PDE, 0x00C00000u | (0xFFu << 13) | P | PS);
	expect_gpa(f, &m, P32_LA, 0xFF00C00000ull | off);
	put32(f, P32_PDE, 0x00C00000u | BIT(21) | P | PS);
	expect_err(f, &m, P32_LA, GP_RESERVED);
	/* MAXPHYADDR above 40: PSE-36 still stops at 40 bits. */
	m.maxphyaddr = 46;
	put32(f, P32_PDE, 0x00C00000u | (0x81u << 13) | P | PS);
	expect_gpa(f, &m, P32_LA, 0x8100C00000ull | off);
	put32(f, P32_PDE, 0x00C00000u | BIT(21) | P | PS);
	expect_err(f, &m, P32_LA, GP_RESERVED);
	/* Not present, PS and reserved bits ignored. */
	put32(f, P32_PDE, 0x00C00000u | BIT(21) | PS);
	expect_err(f, &m, P32_LA, GP_NOT_PRESENT);
}

/* ---- PAE paging -------------------------------------------------------- */

static void test_pae_4k(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_pae(PAE_PDPT | 0x18);
	const uint64_t reads[] = { PAE_PDPTE, PAE_PDE, PAE_PTE };

	build_pae(f);
	expect_gpa(f, &m, PAE_LA, DATA_GPA | PAE_OFF);
	expect_reads(f, reads, 3, 8);
	expect_gpa(f, &m, 0x7700000000ull | PAE_LA, DATA_GPA | PAE_OFF);
	/* Address bits up to MAXPHYADDR - 1 (no data read here). */
	put64(f, PAE_PTE, DATA_GPA | BIT(35) | P);
	expect_gpa(f, &m, PAE_LA, BIT(35) | DATA_GPA | PAE_OFF);
	/* Not present at each level. */
	put64(f, PAE_PTE, (DATA_GPA | BIT(40) | XD) & ~P);
	expect_err(f, &m, PAE_LA, GP_NOT_PRESENT);
	expect_reads(f, reads, 3, 8);
	put64(f, PAE_PTE, DATA_GPA | P);
	put64(f, PAE_PDE, PAE_PT);
	expect_err(f, &m, PAE_LA, GP_NOT_PRESENT);
	expect_reads(f, reads, 2, 8);
	put64(f, PAE_PDE, PAE_PT | P);
	put64(f, PAE_PDPTE, PAE_PD | RW);  /* reserved bit ignored if P = 0 */
	expect_err(f, &m, PAE_LA, GP_NOT_PRESENT);
	expect_reads(f, reads, 1, 8);
	put64(f, PAE_PDPTE, PAE_PD | P);
	/* Other PDPTEs (la bits 31:30) are not present. */
	expect_err(f, &m, PAE_LA ^ (1ull << 30), GP_NOT_PRESENT);
	expect_err(f, &m, PAE_LA ^ (1ull << 31), GP_NOT_PRESENT);
}

static void test_pae_reserved(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_pae(PAE_PDPT);
	const uint64_t pdpte_rsvd[] = { BIT(1), BIT(2), BIT(5), BIT(8),
					BIT(36), BIT(52), XD };
	unsigned i;

	build_pae(f);
	for (i = 0; i < ARRAY_SIZE(pdpte_rsvd); i++) {
		put64(f, PAE_PDPTE, PAE_PD | P | pdpte_rsvd[i]);
		expect_err(f, &m, PAE_LA, GP_RESERVED);
	}
	/* XD is reserved in a PDPTE even with NXE. */
	m.efer = EFER_NXE;
	expect_err(f, &m, PAE_LA, GP_RESERVED);
	put64(f, PAE_PDPTE, PAE_PD | P | BIT(3) | BIT(4) | BIT(9));
	expect_gpa(f, &m, PAE_LA, DATA_GPA | PAE_OFF);
	/* PDE/PTE: bits 62:M reserved (unlike 4-level, 62:52 too); XD only
	 * without NXE. */
	put64(f, PAE_PTE, DATA_GPA | P | XD);
	expect_gpa(f, &m, PAE_LA, DATA_GPA | PAE_OFF);
	put64(f, PAE_PDE, PAE_PT | P | XD);
	expect_gpa(f, &m, PAE_LA, DATA_GPA | PAE_OFF);
	m.efer = 0;
	expect_err(f, &m, PAE_LA, GP_RESERVED);
	put64(f, PAE_PDE, PAE_PT | P);
	expect_err(f, &m, PAE_LA, GP_RESERVED);
	put64(f, PAE_PTE, DATA_GPA | P | BIT(52));
	expect_err(f, &m, PAE_LA, GP_RESERVED);
	put64(f, PAE_PTE, DATA_GPA | P | BIT(62));
	expect_err(f, &m, PAE_LA, GP_RESERVED);
	put64(f, PAE_PTE, DATA_GPA | P | BIT(36));
	expect_err(f, &m, PAE_LA, GP_RESERVED);
	put64(f, PAE_PDE, PAE_PT | P | BIT(36));
	put64(f, PAE_PTE, DATA_GPA | P);
	expect_err(f, &m, PAE_LA, GP_RESERVED);
	/* With MAXPHYADDR 40, bit 36 is an address bit. */
	m.maxphyaddr = 40;
	put64(f, PAE_PDE, PAE_PT | P);
	put64(f, PAE_PTE, DATA_GPA | P | BIT(36));
	expect_gpa(f, &m, PAE_LA, BIT(36) | DATA_GPA | PAE_OFF);
}

static void test_pae_2m(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_pae(PAE_PDPT);
	const uint64_t reads[] = { PAE_PDPTE, PAE_PDE };
	uint64_t off = PAE_LA & (2 * MiB - 1);

	build_pae(f);
	put64(f, PAE_PDE, 0xE00000ull | P | PS);
	expect_gpa(f, &m, PAE_LA, 0xE00000ull | off);
	expect_reads(f, reads, 2, 8);
	put64(f, PAE_PDE, 0xFFFE00000ull | P | PS | PAT);
	expect_gpa(f, &m, PAE_LA, 0xFFFE00000ull | off);
	put64(f, PAE_PDE, 0xE00000ull | P | PS | BIT(13));
	expect_err(f, &m, PAE_LA, GP_RESERVED);
	put64(f, PAE_PDE, 0xE00000ull | P | PS | BIT(20));
	expect_err(f, &m, PAE_LA, GP_RESERVED);
	put64(f, PAE_PDE, 0xE00000ull | P | PS | BIT(36));
	expect_err(f, &m, PAE_LA, GP_RESERVED);
	put64(f, PAE_PDE, 0xE00000ull | PS | BIT(20));
	expect_err(f, &m, PAE_LA, GP_NOT_PRESENT);
}

/* The PDPTE registers (VMCS) are used instead of memory when given. */
static void test_pae_pdpte_registers(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_pae(PAE_PDPT);
	uint64_t regs[4] = { 0, 0, PAE_PD | P, 0 };
	const uint64_t reads[] = { PAE_PDE, PAE_PTE };

	build_pae(f);
	put64(f, PAE_PDPTE, 0);
	m.pdpte = regs;
	f->allow[0] = PAE_PD;
	f->allow[1] = PAE_PT;
	f->nallow = 2;
	expect_gpa(f, &m, PAE_LA, DATA_GPA | PAE_OFF);
	expect_reads(f, reads, 2, 8);
	regs[2] = PAE_PD;
	put64(f, PAE_PDPTE, PAE_PD | P);
	expect_err(f, &m, PAE_LA, GP_NOT_PRESENT);
	assert_int_equal(f->reads, 0);
	regs[2] = PAE_PD | P | BIT(5);
	expect_err(f, &m, PAE_LA, GP_RESERVED);
	/* Without them the PDPT page is read, and here refused. */
	m.pdpte = NULL;
	expect_err(f, &m, PAE_LA, GP_READ_FAILED);
	assert_int_equal(f->refused, 1);
}

/* ---- 4-level and 5-level paging ---------------------------------------- */

static void test_4level_4k(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_long(L_PML4 | 0xFFF, false);
	const uint64_t reads[] = { L_PML4E, L_PDPTE, L_PDE, L_PTE };
	unsigned i;

	build_long(f);
	assert_true(L_LA4 >> 48 == 0xFFFF);
	expect_gpa(f, &m, L_LA4, DATA_GPA | L_OFF);
	expect_reads(f, reads, 4, 8);
	expect_gpa(f, &m, L_LA4 + PAGE, DATA2_GPA | L_OFF);
	/* Bits 62:52 are ignored in 4-level entries; PAT (bit 7) in a PTE. */
	put64(f, L_PTE, DATA_GPA | P | BIT(52) | BIT(58) | BIT(62) | PS);
	expect_gpa(f, &m, L_LA4, DATA_GPA | L_OFF);
	/* Not present at each level (reserved bits then ignored). */
	for (i = 0; i < 4; i++) {
		uint64_t e = get64(f, reads[i]);

		put64(f, reads[i], (e & ~P) | PS | BIT(45) | XD);
		expect_err(f, &m, L_LA4, GP_NOT_PRESENT);
		expect_reads(f, reads, i + 1, 8);
		put64(f, reads[i], e);
	}
	expect_gpa(f, &m, L_LA4, DATA_GPA | L_OFF);
	/* Index bits are really used: a neighbour at each level is empty. */
	expect_err(f, &m, L_LA4 ^ (1ull << 39), GP_NOT_PRESENT);
	expect_err(f, &m, L_LA4 ^ (1ull << 30), GP_NOT_PRESENT);
	expect_err(f, &m, L_LA4 ^ (1ull << 21), GP_NOT_PRESENT);
	expect_err(f, &m, L_LA4 ^ (1ull << 13), GP_NOT_PRESENT);
}

static void test_4level_reserved(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_long(L_PML4, false);
	const uint64_t entries[] = { L_PML4E, L_PDPTE, L_PDE, L_PTE };
	unsigned i;

	build_long(f);
	for (i = 0; i < 4; i++) {
		uint64_t e = get64(f, entries[i]);

		/* At or above MAXPHYADDR (36), bits 51:M. */
		put64(f, entries[i], e | BIT(MODE_MAXPHY));
		expect_err(f, &m, L_LA4, GP_RESERVED);
		put64(f, entries[i], e | BIT(51));
		expect_err(f, &m, L_LA4, GP_RESERVED);
		/* XD without EFER.NXE. */
		put64(f, entries[i], e | XD);
		expect_err(f, &m, L_LA4, GP_RESERVED);
		m.efer |= EFER_NXE;
		expect_gpa(f, &m, L_LA4, DATA_GPA | L_OFF);
		m.efer &= ~EFER_NXE;
		put64(f, entries[i], e);
	}
	/* PS in a PML4E is reserved (address 0: no other reserved bit). */
	put64(f, L_PML4E, P | PS);
	expect_err(f, &m, L_LA4, GP_RESERVED);
	assert_int_equal(f->reads, 1);
	put64(f, L_PML4E, L_PDPT | P);
	/* CR3 bits above MAXPHYADDR - 1 (LAM bits 62:61 among them) are not
	 * part of the PML4 address. */
	m.cr3 = L_PML4 | BIT(MODE_MAXPHY) | BIT(61) | BIT(62);
	expect_gpa(f, &m, L_LA4, DATA_GPA | L_OFF);
	assert_int_equal(f->log[0].gpa, L_PML4E);
	m.cr3 = L_PML4;
	/* MAXPHYADDR below 32 is taken as 32. */
	m.maxphyaddr = 20;
	expect_gpa(f, &m, L_LA4, DATA_GPA | L_OFF);
	put64(f, L_PTE, BIT(32) | DATA_GPA | P);
	expect_err(f, &m, L_LA4, GP_RESERVED);
	put64(f, L_PTE, BIT(31) | DATA_GPA | P);
	expect_gpa(f, &m, L_LA4, BIT(31) | DATA_GPA | L_OFF);
	/* MAXPHYADDR 52: bit 51 is an address bit (leaf: no data read). */
	m.maxphyaddr = 52;
	put64(f, L_PTE, BIT(51) | DATA_GPA | P);
	expect_gpa(f, &m, L_LA4, BIT(51) | DATA_GPA | L_OFF);
	/* 0 means 36. */
	m.maxphyaddr = 0;
	expect_err(f, &m, L_LA4, GP_RESERVED);
	put64(f, L_PTE, BIT(35) | DATA_GPA | P);
	expect_gpa(f, &m, L_LA4, BIT(35) | DATA_GPA | L_OFF);
}

static void test_4level_2m(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_long(L_PML4, false);
	const uint64_t reads[] = { L_PML4E, L_PDPTE, L_PDE };
	uint64_t off = L_LA4 & (2 * MiB - 1);

	build_long(f);
	put64(f, L_PDE, 0x600000ull | P | PS);
	expect_gpa(f, &m, L_LA4, 0x600000ull | off);
	expect_reads(f, reads, 3, 8);
	put64(f, L_PDE, 0xFFFE00000ull | P | PS | PAT | BIT(55));
	expect_gpa(f, &m, L_LA4, 0xFFFE00000ull | off);
	put64(f, L_PDE, 0x600000ull | P | PS | BIT(13));
	expect_err(f, &m, L_LA4, GP_RESERVED);
	put64(f, L_PDE, 0x600000ull | P | PS | BIT(20));
	expect_err(f, &m, L_LA4, GP_RESERVED);
	put64(f, L_PDE, 0x600000ull | P | PS | BIT(36));
	expect_err(f, &m, L_LA4, GP_RESERVED);
	put64(f, L_PDE, 0x600000ull | PS | BIT(20));
	expect_err(f, &m, L_LA4, GP_NOT_PRESENT);
}

static void test_4level_1g(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_long(L_PML4, false);
	const uint64_t reads[] = { L_PML4E, L_PDPTE };
	uint64_t off = L_LA4 & (GiB - 1);

	build_long(f);
	put64(f, L_PDPTE, GiB | P | PS);
	expect_gpa(f, &m, L_LA4, GiB | off);
	expect_reads(f, reads, 2, 8);
	put64(f, L_PDPTE, 0xFC0000000ull | P | PS | PAT);
	expect_gpa(f, &m, L_LA4, 0xFC0000000ull | off);
	put64(f, L_PDPTE, GiB | P | PS | BIT(13));
	expect_err(f, &m, L_LA4, GP_RESERVED);
	put64(f, L_PDPTE, GiB | P | PS | BIT(21));
	expect_err(f, &m, L_LA4, GP_RESERVED);
	put64(f, L_PDPTE, GiB | P | PS | BIT(29));
	expect_err(f, &m, L_LA4, GP_RESERVED);
	put64(f, L_PDPTE, GiB | P | PS | BIT(36));
	expect_err(f, &m, L_LA4, GP_RESERVED);
	put64(f, L_PDPTE, GiB | PS | BIT(29));
	expect_err(f, &m, L_LA4, GP_NOT_PRESENT);
}

static void test_5level(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_long(L_PML5, true);
	const uint64_t reads[] = { L_PML5E, L_PML4E, L_PDPTE, L_PDE, L_PTE };
	unsigned i;

	build_long(f);
	assert_true(L_LA5 >> 57 == 0x7F);
	expect_gpa(f, &m, L_LA5, DATA_GPA | L_OFF);
	expect_reads(f, reads, 5, 8);
	for (i = 0; i < 5; i++) {
		uint64_t e = get64(f, reads[i]);

		put64(f, reads[i], (e & ~P) | PS);
		expect_err(f, &m, L_LA5, GP_NOT_PRESENT);
		expect_reads(f, reads, i + 1, 8);
		put64(f, reads[i], e | BIT(40));
		expect_err(f, &m, L_LA5, GP_RESERVED);
		expect_reads(f, reads, i + 1, 8);
		put64(f, reads[i], e);
	}
	/* PS in a PML5E is reserved. */
	put64(f, L_PML5E, P | PS);
	expect_err(f, &m, L_LA5, GP_RESERVED);
	put64(f, L_PML5E, L_PML4 | P);
	/* Large pages below. */
	put64(f, L_PDE, 0x600000ull | P | PS);
	expect_gpa(f, &m, L_LA5, 0x600000ull | (L_LOW & (2 * MiB - 1)));
	put64(f, L_PDPTE, 2 * GiB | P | PS);
	expect_gpa(f, &m, L_LA5, 2 * GiB | (L_LOW & (GiB - 1)));
	/* The same tables as 4-level: CR3 at the PML4. */
	m.cr4 &= ~CR4_LA57;
	m.cr3 = L_PML4;
	expect_gpa(f, &m, L_LA4, 2 * GiB | (L_LOW & (GiB - 1)));
}

static void test_noncanonical(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_long(L_PML4, false);
	const uint64_t bad4[] = {
		0x0000800000000000ull, 0xFFFF7FFFFFFFF000ull,
		0x8000000000000000ull, 0x7FFFFFFFFFFFFFFFull,
		L_LA4 & ~(1ull << 63), L_LOW,
	};
	const uint64_t bad5[] = {
		0x0100000000000000ull, 0xFEFFFFFFFFFFF000ull,
		0x8000000000000000ull, L_LA5 & ~(1ull << 60),
	};
	unsigned i;

	build_long(f);
	for (i = 0; i < ARRAY_SIZE(bad4); i++) {
		expect_err(f, &m, bad4[i], GP_INVALID);
		assert_int_equal(f->reads, 0);
	}
	/* Canonical edges are walked (and not mapped here). */
	expect_err(f, &m, 0xFFFF800000000000ull, GP_NOT_PRESENT);
	expect_err(f, &m, 0x00007FFFFFFFF000ull, GP_NOT_PRESENT);
	/* 5-level: 57-bit canonical; 48-bit non-canonical is fine. */
	m = mode_long(L_PML5, true);
	for (i = 0; i < ARRAY_SIZE(bad5); i++) {
		expect_err(f, &m, bad5[i], GP_INVALID);
		assert_int_equal(f->reads, 0);
	}
	expect_err(f, &m, 0x0000800000000000ull, GP_NOT_PRESENT);
	assert_int_equal(f->reads, 1);
	expect_err(f, &m, 0xFF00000000000000ull, GP_NOT_PRESENT);
	expect_err(f, &m, 0x00FFFFFFFFFFF000ull, GP_NOT_PRESENT);
	/* Not a 64-bit check outside IA-32e mode: truncated instead. */
	m = mode_pae(PAE_PDPT);
	build_pae(f);
	expect_gpa(f, &m, 0x8000000000000000ull | PAE_LA,
		   DATA_GPA | PAE_OFF);
}

/* ---- read-function failures -------------------------------------------- */

/* Refusing any one of the reads a walk makes fails the walk with
 * GP_READ_FAILED, and nothing is read after the refusal. */
static void check_each_read_fails(struct fake_mem *f,
				  const struct guest_paging_mode *m,
				  uint64_t la, unsigned nreads)
{
	unsigned k;

	for (k = 1; k <= nreads; k++) {
		f->fail_at = k;
		expect_err(f, m, la, GP_READ_FAILED);
		assert_int_equal(f->reads, k);
		assert_int_equal(f->refused, 1);
	}
	f->fail_at = 0;
}

static void test_read_fn_failure(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m;

	build_32bit(f);
	build_pae(f);
	build_long(f);
	m = mode_32bit(P32_PD, false);
	check_each_read_fails(f, &m, P32_LA, 2);
	m = mode_pae(PAE_PDPT);
	check_each_read_fails(f, &m, PAE_LA, 3);
	m = mode_long(L_PML4, false);
	check_each_read_fails(f, &m, L_LA4, 4);
	m = mode_long(L_PML5, true);
	check_each_read_fails(f, &m, L_LA5, 5);
	/* A table outside readable memory. */
	m = mode_long(L_PML4, false);
	put64(f, L_PDE, 0x2000000ull | P);
	expect_err(f, &m, L_LA4, GP_READ_FAILED);
	assert_int_equal(f->refused, 1);
	assert_int_equal(f->log[3].gpa, 0x2000000ull + L_I1 * 8);
	m.cr3 = 0xFFFFFF000ull;
	expect_err(f, &m, L_LA4, GP_READ_FAILED);
	assert_int_equal(f->reads, 1);
}

/* The walker reads nothing but the entries on the path: with only those
 * pages (and the data page) readable, everything works. */
static void test_reads_confined(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_long(L_PML5, true);
	const uint64_t pages[] = { L_PML5, L_PML4, L_PDPT, L_PD, L_PT,
				   DATA_GPA };
	uint8_t buf[8];
	unsigned i;

	build_long(f);
	for (i = 0; i < ARRAY_SIZE(pages); i++)
		f->allow[i] = pages[i];
	f->nallow = ARRAY_SIZE(pages);
	reset_log(f);
	assert_int_equal(guest_read_linear(&m, L_LA5, buf, sizeof(buf),
					   mem_read, f), GP_OK);
	assert_int_equal(f->refused, 0);
	assert_int_equal(f->reads, 6);
	/* Take any one page away: the read now fails. */
	for (i = 0; i < ARRAY_SIZE(pages); i++) {
		f->allow[i] = 0xFFFFFFFFF000ull;
		reset_log(f);
		assert_int_equal(guest_read_linear(&m, L_LA5, buf, sizeof(buf),
						   mem_read, f),
				 GP_READ_FAILED);
		assert_int_equal(f->refused, 1);
		assert_int_equal(f->reads, i + 1);
		f->allow[i] = pages[i];
	}
}

/* ---- guest_read_linear ------------------------------------------------- */

static void fill(struct fake_mem *f, uint64_t gpa, unsigned len, uint8_t v)
{
	unsigned i;

	for (i = 0; i < len; i++)
		f->bytes[gpa + i] = (uint8_t)(v + i);
}

/* 15 bytes from la + 0xFF8: 8 from DATA_GPA's page end, 7 from DATA2_GPA
 * (the physically next page holds something else). */
static void check_cross(struct fake_mem *f, const struct guest_paging_mode *m,
			uint64_t la_page, unsigned walk_reads)
{
	uint8_t *buf = test_malloc(15);
	uint8_t want[15];
	unsigned i;

	fill(f, DATA_GPA + 0xFF8, 8, 0x10);
	fill(f, DATA_GPA + PAGE, 16, 0xE0);
	fill(f, DATA2_GPA, 16, 0x40);
	for (i = 0; i < 15; i++)
		want[i] = i < 8 ? 0x10 + i : 0x40 + (i - 8);
	reset_log(f);
	assert_int_equal(guest_read_linear(m, la_page + 0xFF8, buf, 15,
					   mem_read, f), GP_OK);
	assert_memory_equal(buf, want, 15);
	/* Both pages translated first, then two reads within pages. */
	assert_int_equal(f->reads, 2 * walk_reads + 2);
	assert_int_equal(f->log[2 * walk_reads].gpa, DATA_GPA + 0xFF8);
	assert_int_equal(f->log[2 * walk_reads].len, 8);
	assert_int_equal(f->log[2 * walk_reads + 1].gpa, DATA2_GPA);
	assert_int_equal(f->log[2 * walk_reads + 1].len, 7);
	test_free(buf);
}

static void test_read_cross_page(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m;

	build_32bit(f);
	build_pae(f);
	put64(f, PAE_PTE + 8, DATA2_GPA | P);
	build_long(f);
	m = mode_long(L_PML4, false);
	check_cross(f, &m, L_LA4 & ~(PAGE - 1), 4);
	m = mode_long(L_PML5, true);
	check_cross(f, &m, L_LA5 & ~(PAGE - 1), 5);
	m = mode_32bit(P32_PD, false);
	check_cross(f, &m, P32_LA & ~(PAGE - 1), 2);
	m = mode_pae(PAE_PDPT);
	check_cross(f, &m, PAE_LA & ~(PAGE - 1), 3);
}

static void test_read_second_page_bad(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_long(L_PML4, false);
	uint64_t la = (L_LA4 & ~(PAGE - 1)) + 0xFFA;
	uint8_t *buf = test_malloc(12);
	unsigned i;

	build_long(f);
	fill(f, DATA_GPA + 0xFFA, 6, 0x10);
	fill(f, DATA_GPA + PAGE, 6, 0x20);
	/* Second page not present: an error, buf zeroed, no data read. */
	put64(f, L_PTE + 8, DATA2_GPA);
	memset(buf, 0xAA, 12);
	reset_log(f);
	assert_int_equal(guest_read_linear(&m, la, buf, 12, mem_read, f),
			 GP_NOT_PRESENT);
	assert_memory_equal(buf, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	assert_int_equal(f->reads, 8);
	for (i = 0; i < 8; i++)
		assert_int_equal(f->log[i].len, 8);
	/* Second page mapped outside readable memory: the data read fails
	 * after the first page was copied; buf is zeroed all the same. */
	put64(f, L_PTE + 8, 0xFFF000000ull | P);
	memset(buf, 0xAA, 12);
	reset_log(f);
	assert_int_equal(guest_read_linear(&m, la, buf, 12, mem_read, f),
			 GP_READ_FAILED);
	assert_memory_equal(buf, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	assert_int_equal(f->reads, 10);
	assert_int_equal(f->refused, 1);
	/* Second page's PTE reserved. */
	put64(f, L_PTE + 8, DATA2_GPA | P | BIT(40));
	memset(buf, 0xAA, 12);
	assert_int_equal(guest_read_linear(&m, la, buf, 12, mem_read, f),
			 GP_RESERVED);
	assert_memory_equal(buf, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	/* From the last canonical low page into the non-canonical hole. */
	put64(f, L_PML4 + 255 * 8, 0x15000 | P);
	put64(f, 0x15000 + 511 * 8, 0x16000 | P);
	put64(f, 0x16000 + 511 * 8, 0x17000 | P);
	put64(f, 0x17000 + 511 * 8, DATA_GPA | P);
	expect_gpa(f, &m, 0x00007FFFFFFFFFFAull, DATA_GPA + 0xFFA);
	memset(buf, 0xAA, 12);
	assert_int_equal(guest_read_linear(&m, 0x00007FFFFFFFFFFAull, buf, 12,
					   mem_read, f), GP_INVALID);
	assert_memory_equal(buf, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	test_free(buf);
}

static void test_read_lengths(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_long(L_PML4, false);
	uint64_t la = L_LA4 & ~(PAGE - 1);
	uint8_t *buf = test_malloc(GUEST_READ_MAX);
	uint8_t b1;

	build_long(f);
	fill(f, DATA_GPA, 4096, 0);
	fill(f, DATA2_GPA, 4096, 0x80);
	/* len 0: nothing read. */
	reset_log(f);
	assert_int_equal(guest_read_linear(&m, la, buf, 0, mem_read, f), GP_OK);
	assert_int_equal(f->reads, 0);
	/* One byte at the last byte of a page: one page. */
	reset_log(f);
	assert_int_equal(guest_read_linear(&m, la + 0xFFF, &b1, 1, mem_read, f),
			 GP_OK);
	assert_int_equal(b1, 0xFF);
	assert_int_equal(f->reads, 5);
	/* A whole aligned page: one walk, one read. */
	reset_log(f);
	assert_int_equal(guest_read_linear(&m, la, buf, GUEST_READ_MAX,
					   mem_read, f), GP_OK);
	assert_int_equal(f->reads, 5);
	assert_int_equal(f->log[4].len, 4096);
	assert_int_equal(buf[4095], 0xFF);
	/* 4096 bytes from mid-page: two pages, 0x800 bytes each. */
	reset_log(f);
	assert_int_equal(guest_read_linear(&m, la + 0x800, buf, GUEST_READ_MAX,
					   mem_read, f), GP_OK);
	assert_int_equal(f->reads, 10);
	assert_int_equal(f->log[8].len, 0x800);
	assert_int_equal(f->log[9].len, 0x800);
	assert_int_equal(buf[0], 0x00);
	assert_int_equal(buf[0x7FF], 0xFF);
	assert_int_equal(buf[0x800], 0x80);
	assert_int_equal(buf[0xFFF], (uint8_t)(0x80 + 0x7FF));
	test_free(buf);
}

/* Outside IA-32e mode a read at the top of the 4 GiB wraps to 0. */
static void test_read_wrap_32bit(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_32bit(P32_PD, false);
	uint8_t buf[16], want[16];
	unsigned i;

	put32(f, P32_PD + 0x3FF * 4, 0x22000 | P);
	put32(f, 0x22000 + 0x3FF * 4, DATA_GPA | P);
	put32(f, P32_PD, 0x23000 | P);
	put32(f, 0x23000, DATA2_GPA | P);
	fill(f, DATA_GPA + 0xFF8, 8, 0x10);
	fill(f, DATA2_GPA, 8, 0x40);
	for (i = 0; i < 16; i++)
		want[i] = i < 8 ? 0x10 + i : 0x40 + (i - 8);
	assert_int_equal(guest_read_linear(&m, 0xFFFFFFF8ull, buf, 16,
					   mem_read, f), GP_OK);
	assert_memory_equal(buf, want, 16);
	/* Without paging: identity (physically contiguous), la truncated. */
	m.cr0 = 0;
	fill(f, DATA_GPA + PAGE, 4, 0x60);
	assert_int_equal(guest_read_linear(&m, 0x1000000000ull | DATA_GPA |
					   0xFFC, buf, 8, mem_read, f), GP_OK);
	assert_memory_equal(buf, "\x14\x15\x16\x17\x60\x61\x62\x63", 8);
}

/* ---- access rights (SDM 5.6) ------------------------------------------- */

#define WR GP_ACCESS_WRITE
#define USR GP_ACCESS_USER

static int access_err(struct fake_mem *f, const struct guest_paging_mode *m,
		      uint64_t la, unsigned access)
{
	uint64_t gpa = NO_GPA;
	int err;

	reset_log(f);
	err = guest_linear_to_phys(m, la, access, mem_read, f, &gpa);
	if (err == GP_OK)
		assert_int_not_equal(gpa, NO_GPA);
	else
		assert_int_equal(gpa, NO_GPA); /* written only on success */
	return err;
}

/* Sets (or clears) bit in every entry of the walk listed in entries. */
static void set_bits(struct fake_mem *f, const uint64_t *entries, unsigned n,
		     uint64_t bit, bool on)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t e = get64(f, entries[i]);

		put64(f, entries[i], on ? e | bit : e & ~bit);
	}
}

static void test_access_4level(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_long(L_PML4, false);
	const uint64_t walk[] = { L_PML4E, L_PDPTE, L_PDE, L_PTE };
	unsigned i;

	build_long(f);  /* P | RW everywhere, no US */
	assert_int_equal(access_err(f, &m, L_LA4, 0), GP_OK);
	assert_int_equal(access_err(f, &m, L_LA4, WR), GP_OK);
	assert_int_equal(access_err(f, &m, L_LA4, USR), GP_PROTECTION);
	assert_int_equal(access_err(f, &m, L_LA4, USR | WR), GP_PROTECTION);
	set_bits(f, walk, 4, US, true);
	assert_int_equal(access_err(f, &m, L_LA4, USR), GP_OK);
	assert_int_equal(access_err(f, &m, L_LA4, USR | WR), GP_OK);
	/* U/S or R/W clear at any one level is enough to forbid. */
	for (i = 0; i < 4; i++) {
		set_bits(f, &walk[i], 1, US, false);
		assert_int_equal(access_err(f, &m, L_LA4, USR), GP_PROTECTION);
		assert_int_equal(access_err(f, &m, L_LA4, WR), GP_OK);
		set_bits(f, &walk[i], 1, US, true);
		set_bits(f, &walk[i], 1, RW, false);
		assert_int_equal(access_err(f, &m, L_LA4, USR), GP_OK);
		assert_int_equal(access_err(f, &m, L_LA4, USR | WR), GP_PROTECTION);
		/* A supervisor write to a read-only page: allowed with
		 * CR0.WP = 0, refused with CR0.WP = 1. */
		assert_int_equal(access_err(f, &m, L_LA4, WR), GP_OK);
		m.cr0 |= CR0_WP;
		assert_int_equal(access_err(f, &m, L_LA4, WR), GP_PROTECTION);
		assert_int_equal(access_err(f, &m, L_LA4, 0), GP_OK);
		m.cr0 &= ~CR0_WP;
		set_bits(f, &walk[i], 1, RW, true);
	}
	/* A 2 MiB leaf: rights of the PDE itself count. */
	put64(f, L_PDE, 0x200000ull | P | PS | US);
	assert_int_equal(access_err(f, &m, L_LA4, USR), GP_OK);
	assert_int_equal(access_err(f, &m, L_LA4, USR | WR), GP_PROTECTION);
	/* Translation errors come before rights. */
	put64(f, L_PDE, 0);
	assert_int_equal(access_err(f, &m, L_LA4, USR), GP_NOT_PRESENT);
	/* Unknown access bits. */
	assert_int_equal(access_err(f, &m, L_LA4, 4u), GP_INVALID);
	assert_int_equal(f->reads, 0);
}

static void test_access_32bit_pae_none(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m32 = mode_32bit(P32_PD, false);
	struct guest_paging_mode pae = mode_pae(PAE_PDPT);
	struct guest_paging_mode none = { .maxphyaddr = MODE_MAXPHY };

	build_32bit(f);
	assert_int_equal(access_err(f, &m32, P32_LA, USR), GP_PROTECTION);
	put32(f, P32_PDE, P32_PT | P | RW | US);
	put32(f, P32_PTE, DATA_GPA | P | US);
	assert_int_equal(access_err(f, &m32, P32_LA, USR), GP_OK);
	assert_int_equal(access_err(f, &m32, P32_LA, USR | WR), GP_PROTECTION);

	/* PAE: the PDPTE has no U/S or R/W bit and restricts nothing. */
	build_pae(f);
	put64(f, PAE_PDE, PAE_PT | P | RW | US);
	put64(f, PAE_PTE, DATA_GPA | P | RW | US);
	assert_int_equal(access_err(f, &pae, PAE_LA, USR | WR), GP_OK);
	put64(f, PAE_PDE, PAE_PT | P | RW);
	assert_int_equal(access_err(f, &pae, PAE_LA, USR), GP_PROTECTION);

	/* Without paging every access is allowed. */
	assert_int_equal(access_err(f, &none, 0x1234, USR | WR), GP_OK);
}

/* SMAP (SDM Vol. 3A, 5.6.1): with CR4.SMAP = 1 a supervisor access to a
 * user page (U/S = 1 at every level) is refused unless RFLAGS.AC = 1;
 * one supervisor level makes it a supervisor page. */
static void test_access_smap_sdm_5_6_1(void **state)
{
	struct fake_mem *f = *state;
	struct guest_paging_mode m = mode_long(L_PML4, false);
	const uint64_t walk[] = { L_PML4E, L_PDPTE, L_PDE, L_PTE };

	build_long(f);
	set_bits(f, walk, 4, US, true);
	assert_int_equal(access_err(f, &m, L_LA4, WR), GP_OK);
	m.cr4 |= CR4_SMAP;
	assert_int_equal(access_err(f, &m, L_LA4, WR), GP_PROTECTION);
	assert_int_equal(access_err(f, &m, L_LA4, 0), GP_PROTECTION);
	assert_int_equal(access_err(f, &m, L_LA4, USR | WR), GP_OK);
	m.rflags |= 1ull << 18;   /* AC */
	assert_int_equal(access_err(f, &m, L_LA4, WR), GP_OK);
	m.rflags = 0;
	set_bits(f, &walk[3], 1, US, false);
	assert_int_equal(access_err(f, &m, L_LA4, WR), GP_OK);
}

/* MOV to CR0/CR3/CR4 into PAE paging loads the four PDPTEs from CR3 bits
 * 31:5; a present one with a reserved bit (2:1, 8:5, 63:MAXPHYADDR) is
 * #GP (SDM Vol. 3A, 5.4.1 "PDPTE Registers"). */
static void test_pae_pdptes_sdm_5_4_1(void **state)
{
	struct fake_mem *f = *state;
	uint64_t out[4] = { 0 }, *pdpt = (uint64_t *)(f->bytes + 0x3020);

	pdpt[0] = 0x5001;                    /* present */
	pdpt[1] = 0;                         /* not present: bits ignored */
	pdpt[2] = 0x6001;
	pdpt[3] = 0xFFFFFFFFFFFFFFFEull;     /* not present, all else set */
	/* CR3 bits 4:0 and 63:32 are not part of the address. */
	assert_int_equal(guest_pae_pdptes(0x3020 | 0x18, MODE_MAXPHY, mem_read, f, out), GP_OK);
	assert_int_equal(out[0], 0x5001);
	assert_int_equal(out[2], 0x6001);
	assert_int_equal(out[3], 0xFFFFFFFFFFFFFFFEull);
	assert_int_equal(f->log[0].gpa, 0x3020);
	assert_int_equal(f->log[0].len, 32);
	for (unsigned b = 1; b <= 8; b++) {
		if (b == 3 || b == 4)   /* PWT, PCD */
			continue;
		pdpt[1] = 0x7001 | BIT(b);
		memset(out, 0, sizeof(out));
		assert_int_equal(guest_pae_pdptes(0x3020, MODE_MAXPHY, mem_read, f, out),
				 GP_RESERVED);
		assert_int_equal(out[0], 0);   /* nothing loaded on #GP */
	}
	pdpt[1] = 0x7001 | BIT(3) | BIT(4);
	assert_int_equal(guest_pae_pdptes(0x3020, MODE_MAXPHY, mem_read, f, out), GP_OK);
	pdpt[1] = 0x7001 | BIT(MODE_MAXPHY);
	assert_int_equal(guest_pae_pdptes(0x3020, MODE_MAXPHY, mem_read, f, out), GP_RESERVED);
	pdpt[1] = 0x7001 | XD;               /* bit 63 is reserved in a PDPTE */
	assert_int_equal(guest_pae_pdptes(0x3020, MODE_MAXPHY, mem_read, f, out), GP_RESERVED);
	f->fail_at = f->reads + 1;
	assert_int_equal(guest_pae_pdptes(0x3020, MODE_MAXPHY, mem_read, f, out), GP_READ_FAILED);
}

/* Every test gets a fresh, zeroed fake memory. */
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_no_paging),
		T(test_invalid_args),
		T(test_32bit_4k),
		T(test_32bit_4m),
		T(test_pae_4k),
		T(test_pae_reserved),
		T(test_pae_2m),
		T(test_pae_pdpte_registers),
		T(test_pae_pdptes_sdm_5_4_1),
		T(test_4level_4k),
		T(test_4level_reserved),
		T(test_4level_2m),
		T(test_4level_1g),
		T(test_5level),
		T(test_noncanonical),
		T(test_read_fn_failure),
		T(test_reads_confined),
		T(test_read_cross_page),
		T(test_read_second_page_bad),
		T(test_read_lengths),
		T(test_read_wrap_32bit),
		T(test_access_4level),
		T(test_access_smap_sdm_5_6_1),
		T(test_access_32bit_pae_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
