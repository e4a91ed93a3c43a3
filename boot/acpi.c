/* ACPI tables to sleep-request ports and SLP_TYP values (boot/acpi.h). */
#include "boot/acpi.h"
#include "lib/lib.h"

#define SDT_HEADER_LEN   36u   /* 5.2.6 */
#define SDT_LENGTH_OFF   4u
#define SDT_MAX_LEN      (16u << 20) /* a sanity bound, not the spec's */
#define RSDP_SIGNATURE   "RSD PTR "
#define RSDP_SIG_LEN     8u
#define RSDP_V1_LEN      20u
#define RSDP_REVISION    15u
#define RSDP_RSDT        16u
#define RSDP_LENGTH      20u
#define RSDP_XSDT        24u
#define RSDP_V2_LEN      36u
#define RSDP_MAX_LEN     4096u /* a sanity bound */

/* FADT byte offsets (Table 5.9). */
#define FADT_DSDT         40u
#define FADT_PM1A_EVT     56u
#define FADT_PM1A_CNT     64u
#define FADT_PM1B_CNT     68u
#define FADT_PM1_EVT_LEN  88u
#define FADT_FLAGS        112u
#define FADT_X_DSDT       140u
#define FADT_X_PM1A_EVT   148u
#define FADT_X_PM1A_CNT   172u
#define FADT_X_PM1B_CNT   184u
#define FADT_MIN_LEN      (FADT_PM1_EVT_LEN + 1u) /* through PM1_EVT_LEN */
#define FADT_HW_REDUCED   (1u << 20)              /* Table 5.10 */
#define GAS_LEN           12u
#define GAS_SPACE_IO      1u                      /* 5.2.3.2, Table 5.2 */
#define GAS_ADDRESS       4u
#define PORT_MAX          0xFFFFu

/* AML encodings (20.2.2-20.2.5). */
#define AML_ZERO          0x00u
#define AML_ONE           0x01u
#define AML_NAME          0x08u
#define AML_BYTE          0x0Au
#define AML_WORD          0x0Bu
#define AML_DWORD         0x0Cu
#define AML_QWORD         0x0Eu
#define AML_PACKAGE       0x12u
#define AML_METHOD        0x14u
#define AML_ROOT          0x5Cu /* '\' */
#define AML_ONES          0xFFu
#define NAMESEG_LEN       4u
#define SLP_TYP_MASK      7u    /* SLP_TYP is 3 bits (Table 4.13) */
#define SX_ONE_ELEMENT_B_SHIFT 8 /* a 1-element \_Sx: SLP_TYPb in bits 15:8 */

/* The little-endian value of the n <= 8 bytes at p. */
static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static uint8_t sum(const uint8_t *p, uint32_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* A whole table at phys with signature sig (NULL: any), or NULL. */
static const uint8_t *table_at(const struct acpi_mem *m, uint64_t phys, const char *sig,
			       uint32_t *len)
{
	const uint8_t *h = phys ? m->map(m->ctx, phys, SDT_HEADER_LEN) : NULL;
	uint32_t n;

	if (!h || (sig && memcmp(h, sig, NAMESEG_LEN)))
		return NULL;
	n = (uint32_t)le(h + SDT_LENGTH_OFF, 4);
	if (n < SDT_HEADER_LEN || n > SDT_MAX_LEN)
		return NULL;
	*len = n;
	return m->map(m->ctx, phys, n);
}

/* One PM1 register block: the X_ GAS where the FADT has it and it is set
 * (then the 32-bit field is ignored, Table 5.9), else the 32-bit port.
 * Returns the I/O port, or 0 (none, beyond the I/O space, or not in it). */
static uint16_t pm1_port(const uint8_t *fadt, uint32_t len, unsigned legacy, unsigned x)
{
	uint64_t port = le(fadt + legacy, 4);

	if (x && len >= x + GAS_LEN && le(fadt + x + GAS_ADDRESS, 8)) {
		if (fadt[x] != GAS_SPACE_IO)
			return 0;
		port = le(fadt + x + GAS_ADDRESS, 8);
	}
	return port <= PORT_MAX ? (uint16_t)port : 0;
}

enum acpi_result acpi_fadt_pm1(const uint8_t *fadt, uint32_t len, struct acpi_sleep *out)
{
	if (len < FADT_MIN_LEN)
		return ACPI_ERR_FADT;
	if (len >= FADT_FLAGS + 4 && (le(fadt + FADT_FLAGS, 4) & FADT_HW_REDUCED))
		return ACPI_HW_REDUCED;
	out->pm1a_cnt = pm1_port(fadt, len, FADT_PM1A_CNT, FADT_X_PM1A_CNT);
	out->pm1b_cnt = pm1_port(fadt, len, FADT_PM1B_CNT, FADT_X_PM1B_CNT);
	/* PM1a_STS is the first half of PM1a_EVT_BLK, 16 bits at least; OSPM
	 * reads WAK_STS there (PM1b_STS is ORed in, which does not matter to
	 * vmm/policy/pm1_policy.h). */
	out->pm1a_sts = fadt[FADT_PM1_EVT_LEN] >= 4 ?
			pm1_port(fadt, len, FADT_PM1A_EVT, FADT_X_PM1A_EVT) : 0;
	if (!out->pm1a_cnt || !out->pm1a_sts)
		return ACPI_PM1_NOT_IO;
	return ACPI_FOUND;
}

static uint64_t fadt_dsdt(const uint8_t *fadt, uint32_t len)
{
	if (len >= FADT_X_DSDT + 8 && le(fadt + FADT_X_DSDT, 8))
		return le(fadt + FADT_X_DSDT, 8);
	return len >= FADT_DSDT + 4 ? le(fadt + FADT_DSDT, 4) : 0;
}

/* PkgLength (20.2.4) at p: the package's length from p on, and the bytes
 * of the encoding itself in *enc; 0 if it does not fit in n bytes. */
static uint32_t pkg_length(const uint8_t *p, uint32_t n, uint32_t *enc)
{
	uint32_t follow = p[0] >> 6, v;

	if (n < 1 + follow)
		return 0;
	if (!follow) {
		v = p[0] & 0x3Fu;
	} else {
		v = p[0] & 0x0Fu;
		for (uint32_t i = 1; i <= follow; i++)
			v |= (uint32_t)p[i] << (4 + 8 * (i - 1));
	}
	*enc = 1 + follow;
	return v;
}

/* A ComputationalData integer (20.2.3) at p within n bytes: its value and
 * length, or 0 when the element is something else. */
static uint32_t aml_integer(const uint8_t *p, uint32_t n, uint64_t *v)
{
	static const uint8_t width[] = { [AML_BYTE] = 1, [AML_WORD] = 2, [AML_DWORD] = 4,
					 [AML_QWORD] = 8 };

	if (n < 1)
		return 0;
	if (p[0] == AML_ZERO || p[0] == AML_ONE || p[0] == AML_ONES) {
		*v = p[0] == AML_ONES ? ~0ull : p[0];
		return 1;
	}
	if (p[0] >= sizeof(width) || !width[p[0]] || n < 1u + width[p[0]])
		return 0;
	*v = le(p + 1, width[p[0]]);
	return 1u + width[p[0]];
}

/* DefPackage at p (PackageOp PkgLength NumElements elements): the SLP_TYP
 * values of a \_Sx package, as OSPM takes them (7.4.2): elements 0 and 1,
 * or with one element, its bits 7:0 and 15:8. Returns 0 if it is not one. */
static int sx_package(const uint8_t *p, uint32_t n, unsigned *a, unsigned *b)
{
	uint32_t enc, len, off, k;
	uint64_t v0, v1;

	if (n < 3 || p[0] != AML_PACKAGE)
		return 0;
	len = pkg_length(p + 1, n - 1, &enc);
	if (!len || len > n - 1 || len < enc + 1)
		return 0;
	n = 1 + len; /* the package's own bytes */
	off = 1 + enc;
	if (p[off] == 0)
		return 0;
	k = aml_integer(p + off + 1, n - off - 1, &v0);
	if (!k)
		return 0;
	if (p[off] == 1)
		v1 = v0 >> SX_ONE_ELEMENT_B_SHIFT;
	else if (!aml_integer(p + off + 1 + k, n - off - 1 - k, &v1))
		return 0;
	*a = (unsigned)(v0 & 0xFFu);
	*b = (unsigned)(v1 & 0xFFu);
	return 1;
}

/* "_Sx_" at p with x a sleep state: x, else -1. */
static int sx_name(const uint8_t *p)
{
	if (p[0] != '_' || p[1] != 'S' || p[3] != '_' || p[2] < '0' ||
	    p[2] >= '0' + (int)ACPI_SLEEP_STATES)
		return -1;
	return p[2] - '0';
}

/* Every Name (\_Sx, Package ...) and Method (\_Sx) in a definition block.
 * The AML is scanned for the encodings, not interpreted: a \_Sx inside an
 * If counts as defined (an unused SLP_TYP in the set is harmless), and a
 * package whose elements are not constants is not taken. */
void acpi_aml_sleep_types(const uint8_t *t, uint32_t len, struct acpi_sleep *out)
{
	for (uint32_t i = SDT_HEADER_LEN; i + 1 + NAMESEG_LEN < len; i++) {
		uint32_t j = i + 1, enc;
		unsigned a, b;
		int x;

		if (t[i] == AML_METHOD && pkg_length(t + j, len - j, &enc)) {
			j += enc;
			if (j + NAMESEG_LEN <= len && t[j] == AML_ROOT)
				j++;
			if (j + NAMESEG_LEN <= len && (x = sx_name(t + j)) >= 0)
				out->sx_method |= (uint8_t)(1u << x);
			continue;
		}
		if (t[i] != AML_NAME)
			continue;
		if (t[j] == AML_ROOT)
			j++;
		if (j + NAMESEG_LEN >= len || (x = sx_name(t + j)) < 0)
			continue;
		j += NAMESEG_LEN;
		if (!sx_package(t + j, len - j, &a, &b))
			continue;
		out->slp_typ_a[x] |= (uint8_t)(1u << (a & SLP_TYP_MASK));
		out->slp_typ_b[x] |= (uint8_t)(1u << (b & SLP_TYP_MASK));
	}
}

static int have_sx(const struct acpi_sleep *s)
{
	for (unsigned x = 0; x < ACPI_SLEEP_STATES; x++)
		if (s->slp_typ_a[x])
			return 1;
	return 0;
}

/* The root table's address from a valid RSDP (5.2.5.3): the XSDT where
 * revision >= 2 gives one, else the RSDT; *entry is 8 or 4. */
static uint64_t root_table(const struct acpi_mem *m, uint64_t rsdp, unsigned *entry)
{
	const uint8_t *p = rsdp ? m->map(m->ctx, rsdp, RSDP_V1_LEN) : NULL, *v2;
	uint32_t len;

	if (!p || sum(p, RSDP_V1_LEN) || memcmp(p, RSDP_SIGNATURE, RSDP_SIG_LEN))
		return 0;
	if (p[RSDP_REVISION] >= 2 && (v2 = m->map(m->ctx, rsdp, RSDP_V2_LEN)) &&
	    (len = (uint32_t)le(v2 + RSDP_LENGTH, 4)) >= RSDP_V2_LEN && len <= RSDP_MAX_LEN &&
	    (v2 = m->map(m->ctx, rsdp, len)) && !sum(v2, len) && le(v2 + RSDP_XSDT, 8)) {
		*entry = 8;
		return le(v2 + RSDP_XSDT, 8);
	}
	*entry = 4;
	return le(p + RSDP_RSDT, 4);
}

enum acpi_result acpi_sleep_find(const struct acpi_mem *m, uint64_t rsdp, struct acpi_sleep *out)
{
	const uint8_t *root, *fadt = NULL, *dsdt;
	uint32_t root_len = 0, fadt_len = 0, dsdt_len = 0;
	unsigned entry = 0;
	uint64_t root_phys = root_table(m, rsdp, &entry);
	enum acpi_result r;

	*out = (struct acpi_sleep){ 0 };
	if (!root_phys)
		return ACPI_ERR_RSDP;
	root = table_at(m, root_phys, entry == 8 ? "XSDT" : "RSDT", &root_len);
	if (!root)
		return ACPI_ERR_ROOT;
	for (uint32_t i = SDT_HEADER_LEN; !fadt && i + entry <= root_len; i += entry)
		fadt = table_at(m, le(root + i, entry), "FACP", &fadt_len);
	if (!fadt)
		return ACPI_ERR_NO_FADT;
	r = acpi_fadt_pm1(fadt, fadt_len, out);
	if (r != ACPI_FOUND)
		return r;
	dsdt = table_at(m, fadt_dsdt(fadt, fadt_len), "DSDT", &dsdt_len);
	if (!dsdt)
		return ACPI_ERR_DSDT;
	acpi_aml_sleep_types(dsdt, dsdt_len, out);
	for (uint32_t i = SDT_HEADER_LEN; i + entry <= root_len; i += entry) {
		uint32_t n = 0;
		const uint8_t *t = table_at(m, le(root + i, entry), "SSDT", &n);

		if (t)
			acpi_aml_sleep_types(t, n, out);
	}
	return have_sx(out) ? ACPI_FOUND : ACPI_NO_SX;
}

const char *acpi_result_text(enum acpi_result r)
{
	switch (r) {
	case ACPI_FOUND: return "found";
	case ACPI_ERR_RSDP: return "no valid RSDP (signature or checksum)";
	case ACPI_ERR_ROOT: return "the XSDT/RSDT cannot be read";
	case ACPI_ERR_NO_FADT: return "no FADT (FACP) in the XSDT/RSDT";
	case ACPI_ERR_FADT: return "the FADT is too short for the PM1 registers";
	case ACPI_HW_REDUCED: return "hardware-reduced ACPI: no PM1 registers";
	case ACPI_PM1_NOT_IO: return "no PM1a control or status register in I/O space";
	case ACPI_ERR_DSDT: return "the DSDT cannot be read";
	case ACPI_NO_SX: return "no \\_Sx package in the DSDT or an SSDT";
	}
	return "unknown";
}
