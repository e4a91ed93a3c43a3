/* Exception vectors (Intel SDM Vol. 3A, 7.3, Table 7-1 "Protected-Mode
 * Exceptions and Interrupts"). */
#ifndef PILLBOX_ARCH_VECTORS_H
#define PILLBOX_ARCH_VECTORS_H

#define VEC_DE  0u   /* divide error */
#define VEC_DB  1u   /* debug */
#define VEC_NMI 2u
#define VEC_BP  3u   /* breakpoint */
#define VEC_OF  4u   /* overflow */
#define VEC_UD  6u   /* invalid opcode */
#define VEC_DF  8u   /* double fault */
#define VEC_TS  10u  /* invalid TSS */
#define VEC_NP  11u  /* segment not present */
#define VEC_SS  12u  /* stack fault */
#define VEC_GP  13u  /* general protection */
#define VEC_PF  14u  /* page fault */
#define VEC_AC  17u  /* alignment check */
#define VEC_MC  18u  /* machine check */
#define VEC_VE  20u  /* virtualization exception */
#define VEC_CP  21u  /* control protection */
#define VEC_LAST_EXCEPTION 31u

#endif
