/* Bits of the control registers, EFER, XCR0 and RFLAGS (Intel SDM Vol.
 * 3A, 2.5 "Control Registers", 2.2.1 "Extended Feature Enable Register";
 * Vol. 1, 3.4.3 "EFLAGS Register", 13.3 "Enabling the XSAVE Feature Set
 * and XSAVE-Enabled Features"). Facts only. */
#ifndef PILLBOX_ARCH_REGS_H
#define PILLBOX_ARCH_REGS_H

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)

#define CR3_NO_FLUSH (1ull << 63)  /* with CR4.PCIDE: keep the PCID's translations */

#define CR4_PSE     (1ull << 4)
#define CR4_PAE     (1ull << 5)
#define CR4_PGE     (1ull << 7)
#define CR4_LA57    (1ull << 12)
#define CR4_VMXE    (1ull << 13)
#define CR4_SMXE    (1ull << 14)
#define CR4_PCIDE   (1ull << 17)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_SMEP    (1ull << 20)
#define CR4_SMAP    (1ull << 21)
#define CR4_PKE     (1ull << 22)

#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

#define XCR0_X87    (1ull << 0)
#define XCR0_SSE    (1ull << 1)
#define XCR0_AVX    (1ull << 2)
#define XCR0_BNDREG (1ull << 3)
#define XCR0_BNDCSR (1ull << 4)
#define XCR0_OPMASK (1ull << 5)
#define XCR0_ZMM_HI256 (1ull << 6)
#define XCR0_HI16_ZMM  (1ull << 7)
#define XCR0_AVX512 (XCR0_OPMASK | XCR0_ZMM_HI256 | XCR0_HI16_ZMM)
#define XCR0_TILECFG  (1ull << 17)
#define XCR0_TILEDATA (1ull << 18)

#define RFLAGS_CF (1ull << 0)
#define RFLAGS_PF (1ull << 2)
#define RFLAGS_AF (1ull << 4)
#define RFLAGS_ZF (1ull << 6)
#define RFLAGS_SF (1ull << 7)
#define RFLAGS_TF (1ull << 8)
#define RFLAGS_IF (1ull << 9)
#define RFLAGS_DF (1ull << 10)
#define RFLAGS_OF (1ull << 11)
#define RFLAGS_RF (1ull << 16)
#define RFLAGS_AC (1ull << 18)

/* Debug registers (Intel SDM Vol. 3A, 18.2 "Debug Registers"). */
#define DR6_B0         (1ull << 0)    /* breakpoint 0 condition detected */
#define DR6_INIT       0xFFFF0FF0ull  /* DR6 with no condition recorded */
#define DR7_RESERVED_1 (1ull << 10)   /* reads as 1 */
#define DR7_L0         (1ull << 0)    /* DR0 enabled, local */
#define DR7_RW0_WRITE  (1ull << 16)   /* R/W0 = 01: data writes (00: execute) */
#define DR7_LEN0_8     (2ull << 18)   /* LEN0 = 10: 8 bytes */

#endif
