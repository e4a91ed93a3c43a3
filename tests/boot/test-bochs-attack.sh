#!/usr/bin/env bash
# Boot test of the hostile-guest attack suite (guest/attack.c,
# docs/security.md) in Bochs, 2 CPUs, log_level = debug
# (tests/boot/attack.cfg). One PASS/FAIL line per assertion:
#  - every check of the suite's own plan (its "plan:" lines) passed, a
#    check that did not run fails, and the summary says fail=0;
#  - the VMM's integrity hash was the same before and after;
#  - the VMM logged that it handled the actions (#UD for each exiting VMX
#    instruction at CPL 0 and 3, #GP for MSRs, XSETBV, CR writes, INVD as
#    WBINVD, the fetch from its region, the refused hypercalls, the ignored
#    INIT to self);
#  - nothing stopped the VMM before the triple fault (no "VMM halted", no
#    exception in the VMM, no fatal exit);
#  - the final triple fault gave the VMCS dump and the platform reset; the
#    run ends at the reset line.
# A second boot (args "init-own-id") sends INIT to the CPU's own APIC id:
# an INIT to the bootstrap processor is a platform reset under Pillbox
# (the firmware cannot start again under the running VMM), logged; the run
# ends at the reset line, and the firmware never starts again under the
# VMM (the loader would refuse: "Pillbox is already running").
# Both boots run on two Bochs models (ATTACK_MODELS): corei7_skylake_x, with
# 1 GiB EPT pages and AVX-512, and corei7_ivy_bridge_3770k, with neither;
# the second model's case names start with its name. A check the guest
# reports as "SKIP <check>: why" passes (as <check>-skip-justified) only
# where skip_ok finds the CPU's lack in the guest's own reading of CPUID.
set -u
cd "$(dirname "$0")/../.."
TEST_STEM=bochs-attack
. tests/boot/lib.sh
. tests/boot/checks.sh
[ -f build/esp/EFI/pillbox/attack.efi ] || { fail build "build/esp is not built (make all)"; exit 1; }

A='^\[INFO cpu0 attack\]'

# attack_on MODEL: both boots on that Bochs model; case names start with
# $P (empty for the first model, "MODEL-" for the others).
attack_on() {
	model=$1
	boot "${P}suite" "$(esp_with_cfg tests/boot/attack.cfg)" \
		'fatal\] resetting the platform|VMM halted|FAIL cage-unexpected-exception' --cpus 2
	# Every check of the suite's plan (guest/attack.c) passed, or was
	# skipped for want of a CPU feature (tests/boot/checks.sh).
	expect_plan "$log" "${P}guest-" attack
	refuse "$log" "${P}no-guest-failure" '^\[ERROR cpu0 attack\] FAIL '
	expect "$log" "${P}summary" "$A summary: pass=[0-9]+ fail=0( skip=[0-9]+)?\$"
	expect "$log" "${P}done" "$A attack done\$"

	# The VMM's side of each class of action (debug level).
	D='^\[DEBUG cpu0'
	for i in VMXON VMXOFF VMCLEAR VMPTRLD VMPTRST VMREAD VMWRITE VMLAUNCH VMRESUME INVEPT INVVPID; do
		for cpl in 0 3; do
			expect "$log" "${P}vmm-$i-cpl$cpl-ud" "$D exit\] $i at [0-9a-f]+ \(CPL $cpl\): #UD\$"
		done
	done
	# The EPT type the VMM gave the page a variable MTRR made WC; a reserved
	# MTRR bit and PAT type refused; the first read above the map limit mapped.
	page=$(sed -n 's/^\[INFO cpu0 attack\] memtype: variable MTRR [0-9]* over page \([0-9a-f]*\), WC$/\1/p' "$log" | head -n 1)
	expect "$log" "${P}vmm-mtrr-ept-type" "$D mtrr\] WRMSR 2[0-3][13579bdf] = [0-9a-f]+: EPT retyped \([0-9]+ leaves, [0-9]+ split, 0 UC for want of a table\); GPA ${page:-unknown} is now WC in a 4 KiB leaf\$"
	expect "$log" "${P}vmm-mtrr-reserved-gp" "$D mtrr\] WRMSR 2ff = [0-9a-f]+: reserved bit set; #GP\$"
	expect "$log" "${P}vmm-pat-reserved-gp" "$D msr\] WRMSR IA32_PAT = [0-9a-f]+: reserved memory type \(SDM Vol. 3A, 12.12.2\); #GP\$"
	# One leaf of the largest size the CPU's EPT has (the loader's "1 GiB
	# EPT pages yes|no"): 1 GiB, or 2 MiB.
	end=8000200000
	grep -qa '^\[INFO cpu0 boot\] CPU checks passed: .*1 GiB EPT pages yes$' "$log" && end=8040000000
	expect "$log" "${P}vmm-mmio-above-limit-mapped" "^\[INFO cpu0 ept\] guest read of GPA 8000000000 above the map limit: mapped identity \[8000000000, $end\) (UC|WC|WT|WP|WB)\$"
	expect "$log" "${P}vmm-rdmsr-vmx-gp" "$D msr\] RDMSR 480: #GP\$"
	expect "$log" "${P}vmm-wrmsr-vmx-gp" "$D msr\] WRMSR 493 = 0: #GP\$"
	expect "$log" "${P}vmm-wrmsr-feature-control-gp" "$D msr\] WRMSR 3a = [0-9a-f]+: #GP\$"
	expect "$log" "${P}vmm-microcode-dropped" '^\[INFO cpu0 msr\] WRMSR 79 = [0-9a-f]+ dropped \(IA32_BIOS_UPDT_TRIG: no microcode update in VMX non-root operation\)$'
	expect "$log" "${P}vmm-apic-base-move-refused" '^\[WARN cpu0 msr\] WRMSR IA32_APIC_BASE = [0-9a-f]+ \(was fee00[0-9a-f]{3}\) at RIP [0-9a-f]+: moving the APIC base is not supported under Pillbox; #GP$'
	expect "$log" "${P}vmm-rdmsr-nonexistent-gp" "$D msr\] RDMSR ffffffff: #GP\$"
	expect "$log" "${P}vmm-xsetbv-index-gp" "$D exit\] XSETBV XCR1 = 1 refused: #GP\$"
	expect "$log" "${P}vmm-xsetbv-no-x87-gp" "$D exit\] XSETBV XCR0 = 0 refused: #GP\$"
	expect "$log" "${P}vmm-cr4-gp" "$D cr\] MOV CR4 = [0-9a-f]+: #GP\$"
	expect "$log" "${P}vmm-cr0-gp" "$D cr\] MOV CR0 = [0-9a-f]+: #GP\$"
	expect "$log" "${P}vmm-invd-wbinvd" "$D exit\] INVD at [0-9a-f]+: executed as WBINVD\$"
	expect "$log" "${P}vmm-region-read-sink" '^\[WARN cpu0 ept\] guest read of VMM page [0-9a-f]+ .*: mapped to the sink page$'
	expect "$log" "${P}vmm-region-fetch-ud" "$D ept\] guest fetch from VMM page [0-9a-f]+: #UD\$"
	expect "$log" "${P}vmm-hypercall-unknown" "$D hcall\] hypercall ffffffffffffffff from CPL 0: status -1 \(unknown call\)\$"
	expect "$log" "${P}vmm-hypercall-cpl3-refused" "$D hcall\] hypercall 2 from CPL 3 refused\$"
	expect "$log" "${P}vmm-exit-stats-efault" "$D hcall\] hypercall 5 from CPL 0: status -4\$"
	expect "$log" "${P}vmm-log-read-efault" "$D hcall\] hypercall 6 from CPL 0: status -4\$"
	expect "$log" "${P}vmm-log-read-einval" "$D hcall\] hypercall 6 from CPL 0: status -3\$"
	expect "$log" "${P}vmm-init-self-ignored" "$D ipi\] INIT/SIPI with the self shorthand: invalid, ignored\$"

	# Nothing took the VMM down before the triple fault.
	before=build/test-logs/$TEST_STEM-${P}suite.before-triple-fault.txt
	sed -n '/guest triple fault/q;p' "$log" > "$before"
	refuse "$before" "${P}vmm-not-halted" 'VMM halted|exception [0-9]+ in the VMM|^\[ERROR cpu[0-9]+ (vmx|exit|fatal|dump|ept|core|host|apic)\]'

	# The last attack: a triple fault, dumped, then the platform reset.
	expect "$log" "${P}triple-fault" "^\[ERROR cpu0 exit\] guest triple fault: dumping state, then platform reset\$"
	expect "$log" "${P}triple-fault-dump" '^\[ERROR cpu0 dump\] === VMCS dump, CPU index 0 \(APIC id 0\)'
	expect "$log" "${P}triple-fault-empty-idt" '^\[ERROR cpu0 dump\]   GDTR [0-9a-f]+/[0-9]+ IDTR 0+/0$'
	expect "$log" "${P}triple-fault-reason" '^\[ERROR cpu0 dump\]   reason 00000002 '
	expect "$log" "${P}platform-reset" '^\[ERROR cpu0 fatal\] resetting the platform$'
	suite_log=$log

	cfg=$(mktemp /tmp/pillbox-attack-cfg.XXXXXX)
	{ cat tests/boot/attack.cfg; echo "args = init-own-id"; } > "$cfg"
	boot "${P}init-own-id" "$(esp_with_cfg "$cfg")" \
		'fatal\] resetting the platform|refused: Pillbox is already running|VMM halted|exception [0-9]+ in the VMM'
	rm -f "$cfg"
	expect "$log" "${P}init-own-id-sent" "$A sending INIT to my own APIC id 0"
	expect "$log" "${P}init-own-id-reset-logged" '^\[WARN cpu0 init\] INIT to the bootstrap processor \(APIC id 0, emulated INIT\): resetting the platform; the firmware cannot start again under the running VMM$'
	expect "$log" "${P}init-own-id-platform-reset" '^\[ERROR cpu0 fatal\] resetting the platform$'
	refuse "$log" "${P}init-own-id-no-firmware-restart" 'refused: Pillbox is already running'
	refuse "$log" "${P}init-own-id-vmm-not-halted" 'VMM halted|exception [0-9]+ in the VMM|^\[ERROR cpu[0-9]+ (vmx|exit|dump|core|host)\]'
	refuse "$log" "${P}init-own-id-no-return" "$A FAIL init-own-apic-id"
}

# The default model has 1 GiB EPT pages and AVX-512; Ivy Bridge has
# neither (its EPT map is made of 2 MiB leaves, and the AVX-512 XSETBV
# check has nothing to try: skip_ok).
models=${ATTACK_MODELS:-corei7_skylake_x corei7_ivy_bridge_3770k}
first=1
for m in $models; do
	if [ $first = 1 ]; then P=""; else P="$m-"; fi
	first=0
	before_fails=$fails
	attack_on "$m"
	if [ $fails -gt $before_fails ]; then
		echo "--- the guest's failures and the last 20 lines of $suite_log"
		grep -a '^\[ERROR cpu0 attack\] FAIL ' "$suite_log" | head -20 | sed 's/^/    /'
		tail -n 20 "$suite_log" | sed 's/^/    /'
	fi
done
exit $((fails > 0))
