#!/usr/bin/env python3
"""Writes the hand-made seed inputs of tests/fuzz/corpus/exit/ in the
layout of tests/fuzz/exit_input.c (struct exit_input, a count byte, struct
step_input for each further exit, guest memory), and the config seeds of
tests/fuzz/corpus/config/ from tests/boot/*.cfg and a few hand-made files.
Run from the repository root; the output is checked in."""
import glob
import os
import shutil
import struct

FIELDS = [  # (name, struct format), in the order fuzz_exit.c reads them
    ("reason_sel", "B"), ("flags", "B"), ("flags2", "B"), ("cpus", "B"),
    ("boot_flags", "B"), ("ipi_pending", "B"), ("ipi_vector", "B"),
    ("last_sipi_vector", "B"), ("init_echoes", "B"), ("sipi_vector", "B"),
    ("raw_reason", "H"), ("qual", "Q"), ("insn_len", "B"), ("insn_info", "I"),
    ("gpa", "Q"), ("linear", "Q"), ("exit_intr_info", "I"), ("idt_vectoring", "I"),
    ("rip", "Q"), ("rsp", "Q"), ("rflags", "Q"), ("cr0", "Q"), ("cr3", "Q"),
    ("cr4", "Q"), ("efer", "Q"), ("cs_base", "Q"), ("cs_ar", "I"), ("ss_ar", "I"),
    ("interruptibility", "I"), ("activity", "I"), ("cr0_shadow", "Q"),
    ("cr4_shadow", "Q"),
] + [("pdpte%d" % i, "Q") for i in range(4)] + [("icr_high", "I")] + \
    [("gpr%d" % i, "Q") for i in range(16)]

STEP_FIELDS = [  # struct step_input
    ("reason_sel", "B"), ("flags", "B"), ("insn_len", "B"), ("gprs", "B"),
    ("rip", "H"), ("qual", "Q"), ("gpa", "Q"), ("val_a", "Q"), ("val_b", "Q"),
    ("intr_info", "I"),
]

RAX, RCX, RDX, RBX = 0, 1, 2, 3
F_GPA_APIC, F_GPA_REGION, F_X2APIC, F_BSP = 1 << 3, 1 << 4, 1 << 5, 1 << 6
F_ENTRY_FAIL = 3
F2_LAUNCHED, F2_ALL_LAUNCHED, F2_RIP_IN_MEM = 1 << 3, 1 << 4, 1 << 6
S_RIP, S_GPR_A, S_GPR_B = 1 << 2, 1 << 5, 1 << 6
INIT, SIPI, CPUID, RDMSR, WRMSR, EPT_VIOLATION = 3, 4, 10, 31, 32, 48
EPT_WRITE = 2                         # qualification: a data write
IA32_APIC_BASE = 0x1B
APIC_EN, APIC_EXTD = 1 << 11, 1 << 10
REGION = 0x40000000                   # the fake machine's VMM region
CR0_PE, CR0_PG, CR0_ET, CR0_NE = 1, 1 << 31, 1 << 4, 1 << 5
CR4_PAE, CR4_OSXSAVE = 1 << 5, 1 << 18
EFER_LME, EFER_LMA = 1 << 8, 1 << 10
AR_CODE64 = 0xA09B   # present, code, L, G
AR_CODE32 = 0xC09B   # present, code, D/B, G
AR_DATA = 0xC093

# 64-bit guest, CPL 0: the state most exits come from.
LONG_MODE = dict(cr0=CR0_PE | CR0_PG | CR0_ET | CR0_NE, cr4=CR4_PAE,
                 efer=EFER_LME | EFER_LMA, cs_ar=AR_CODE64, ss_ar=AR_DATA,
                 rip=0x100000, rflags=0x2)
# 32-bit protected mode without paging: linear = physical.
FLAT32 = dict(cr0=CR0_PE | CR0_ET | CR0_NE, cs_ar=AR_CODE32, ss_ar=AR_DATA,
              rflags=0x2)


def pack(fields, values):
    return b"".join(struct.pack("<" + fmt, values[name]) for name, fmt in fields)


def step(reason, insn_len=0, flags=0, gprs=None, rip=None, **kw):
    """A further exit; gprs: up to two {register: value} the guest set
    before it, rip: its new low 16 bits."""
    v = {name: 0 for name, _ in STEP_FIELDS}
    v.update(reason_sel=reason, insn_len=insn_len - 1 if insn_len else 0, flags=flags)
    for i, (reg, val) in enumerate(sorted((gprs or {}).items())):
        v["gprs"] |= reg << (4 * i)
        v["val_a" if i == 0 else "val_b"] = val
        v["flags"] |= S_GPR_A if i == 0 else S_GPR_B
    if rip is not None:
        v.update(rip=rip)
        v["flags"] |= S_RIP
    v.update(kw)
    return pack(STEP_FIELDS, v)


def exit_input(reason, insn_len=0, gprs=None, mem=(), steps=(), **kw):
    v = {name: 0 for name, _ in FIELDS}
    v["reason_sel"] = reason
    v["insn_len"] = insn_len - 1 if insn_len else 0   # fuzz_exit: 1 + byte % 15
    v.update(kw)
    for reg, val in (gprs or {}).items():
        v["gpr%d" % reg] = val
    out = pack(FIELDS, v) + bytes([len(steps)]) + b"".join(steps)
    for off, data in mem:
        out += struct.pack("<HB", off, len(data)) + data
    return out


# A 32-bit guest at 1000H: WRMSR IA32_APIC_BASE (EDX:EAX = base_msr), then
# at 1002H the store `store` to the APIC page at FEE00080H (EAX = address,
# EBX = value). Without interception the WRMSR runs in the guest and
# does not exit; with it, it is the first exit. The store's exit sets RIP
# to it either way (after a #GP the guest's handler may go on there).
def apic_base_then_store(base_msr, store, offset=0x80):
    return exit_input(WRMSR, 2, {RCX: IA32_APIC_BASE, RAX: base_msr & 0xFFFFFFFF,
                                 RDX: base_msr >> 32, RBX: 0x41414141},
                      mem=[(0x1000, b"\x0f\x30" + store)], flags=F_BSP, cpus=1,
                      flags2=F2_LAUNCHED | F2_ALL_LAUNCHED | F2_RIP_IN_MEM,
                      steps=[step(EPT_VIOLATION, len(store), flags=F_GPA_APIC, gpa=offset,
                                  qual=EPT_WRITE, gprs={RAX: 0xFEE00000 + offset},
                                  rip=0x1002)],
                      **dict(FLAT32, rip=0x1000))


SEEDS = {
    "cpuid-leaf1": exit_input(10, 2, {RAX: 1}, **LONG_MODE),
    "cpuid-hypervisor": exit_input(10, 2, {RAX: 0x40000000}, **LONG_MODE),
    "rdmsr-vmx-basic": exit_input(31, 2, {RCX: 0x480}, **LONG_MODE),
    "rdmsr-feature-control": exit_input(31, 2, {RCX: 0x3A}, **LONG_MODE),
    "wrmsr-x2apic-init": exit_input(32, 2, {RCX: 0x830, RAX: 0x4500, RDX: 1},
                                    flags=F_X2APIC | F_BSP, cpus=1,
                                    flags2=F2_LAUNCHED | F2_ALL_LAUNCHED, **LONG_MODE),
    # mov [eax], ebx at 0x1000 writing INIT to the ICR for APIC id 1.
    "ept-apic-mov-icr": exit_input(48, 2, {RAX: 0xFEE00300, RBX: 0x4500},
                                   mem=[(0x1000, b"\x89\x18")], flags=F_GPA_APIC | F_BSP,
                                   gpa=0x300, qual=2, cpus=1, icr_high=1 << 24,
                                   flags2=F2_LAUNCHED | F2_ALL_LAUNCHED | F2_RIP_IN_MEM,
                                   **dict(FLAT32, rip=0x1000)),
    "ept-region-read": exit_input(48, 0, flags=F_GPA_REGION, gpa=0x2345, qual=1,
                                  **LONG_MODE),
    "vmcall-ping": exit_input(18, 3, {RAX: 0}, **LONG_MODE),
    "vmcall-region": exit_input(18, 3, {RAX: 1}, **LONG_MODE),
    "vmcall-integrity": exit_input(18, 3, {RAX: 2}, **LONG_MODE),
    "vmcall-exit-stats": exit_input(18, 3, {RAX: 5, RBX: 3, RCX: 0x2000, RDX: 0x1000}, cpus=3,
                                    **dict(FLAT32, rip=0x1000)),
    "vmcall-log-read": exit_input(18, 3, {RAX: 6, RBX: 0x3000, RCX: 0x100, RDX: 0},
                                  **dict(FLAT32, rip=0x1000)),
    "vmcall-footprint": exit_input(18, 3, {RAX: 7}, **LONG_MODE),
    "vmcall-unknown": exit_input(18, 3, {RAX: 0x99}, **LONG_MODE),
    "xsetbv": exit_input(55, 3, {RAX: 7, RCX: 0},
                         **dict(LONG_MODE, cr4=CR4_PAE | CR4_OSXSAVE)),
    "cr4-mov": exit_input(28, 3, {RAX: CR4_PAE | CR4_OSXSAVE}, qual=4, **LONG_MODE),
    "cr0-mov-real-mode": exit_input(28, 3, {RAX: CR0_PE | CR0_ET}, qual=0, cr0=CR0_ET,
                                    rflags=2),
    "init-signal": exit_input(3, **LONG_MODE),
    "sipi": exit_input(4, qual=0x10, activity=3, **LONG_MODE),
    "triple-fault": exit_input(2, **LONG_MODE),
    "nmi": exit_input(0, exit_intr_info=0x80000202, **LONG_MODE),
    "vmx-insn-vmread": exit_input(23, 3, **LONG_MODE),
    "entry-failure-guest-state": exit_input(33, flags=F_ENTRY_FAIL, **LONG_MODE),
    "unexpected-hlt": exit_input(12, 1, **LONG_MODE),
    # Security review C1: the base moved onto the VMM region (x2APIC on,
    # or xAPIC there), then MOV or XCHG at the APIC page the VMM protects.
    "apic-base-region-x2apic-mov": apic_base_then_store(REGION | APIC_EN | APIC_EXTD,
                                                        b"\x89\x18"),
    "apic-base-region-xapic-xchg": apic_base_then_store(REGION + 0x1000 | APIC_EN,
                                                        b"\x87\x18"),
    # x2APIC on, the base where it was: the page is no APIC any more.
    "x2apic-then-apic-page-mov": apic_base_then_store(0xFEE00000 | APIC_EN | APIC_EXTD,
                                                      b"\x89\x18"),
    # The APIC globally disabled, then a memset of its page (REP STOSD).
    "apic-disabled-rep-stos": apic_base_then_store(0xFEE00000, b"\xf3\xab", offset=0),
    # Two CPUIDs: the second exit starts from the first one's state.
    "cpuid-twice": exit_input(CPUID, 2, {RAX: 1}, steps=[step(CPUID, 2, gprs={RAX: 0})],
                              **LONG_MODE),
    # An AP (CPU index 1 of 2) started by SIPI 10H, then INIT four times
    # before its first instruction, as a guest sending INITs in a loop can
    # make it happen: vmm/exit/exit_init_sipi.c takes them for Bochs 2.7's echo.
    "sipi-then-four-inits": exit_input(SIPI, qual=0x10, activity=3, cpus=1 | 1 << 2,
                                       flags2=F2_LAUNCHED | F2_ALL_LAUNCHED,
                                       steps=[step(INIT) for _ in range(4)], **LONG_MODE),
}

CONFIGS = {
    "crlf-bom": b"\xef\xbb\xbfimage = \\EFI\\x.efi\r\nlog_level = 3\r\n",
    "malformed": b"image = /bad\nfoo = 1\n= x\nnoequals\nlog_level = loud\n"
                 b"test_fail_cpu = 256\nargs = a\x01b\n",
    "empty-image": b"image =\nargs = console=ttyS0 # comment\ntest_fail_cpu = none\n",
}


def main():
    exit_dir, cfg_dir = "tests/fuzz/corpus/exit", "tests/fuzz/corpus/config"
    os.makedirs(exit_dir, exist_ok=True)
    os.makedirs(cfg_dir, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(exit_dir, name), "wb") as f:
            f.write(data)
    for path in sorted(glob.glob("tests/boot/*.cfg")) + ["boot/pillbox.cfg.example"]:
        shutil.copy(path, os.path.join(cfg_dir, os.path.basename(path)))
    for name, data in CONFIGS.items():
        with open(os.path.join(cfg_dir, name + ".cfg"), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
