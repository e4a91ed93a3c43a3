#!/usr/bin/env bash
# Test of `make qemu` (tests/boot/qemu-kvm.sh) on a machine without KVM:
#   - each missing requirement gives its own message and exit 2, from
#     simulated host files (cpuinfo, /dev/kvm, kvm_intel's parameters);
#   - OVMF is found through QEMU's firmware descriptors (simulated folders:
#     the first usable one by name, a later folder's file replacing an
#     earlier one's, an empty file removing it);
#   - what nested KVM must offer is asked from QEMU with 'enforce': the
#     answer of the real QEMU under TCG (no VMX at all), and KVM's wording
#     for a host whose kernel lacks wait-for-SIPI (a stand-in QEMU);
#   - the checks pass on a simulated Intel host with nested VMX;
#   - the KVM command line: 4 vCPUs, an Intel IOMMU with interrupt
#     remapping and the split irqchip, -cpu host with VMX, OVMF from the
#     descriptor and a private copy of its variables, the stick as USB;
#   - the checks of a run's serial log (--report) on a good log and a bad
#     one;
#   - QEMU accepts that command line: run under TCG, the loader starts from
#     the stick and refuses (no VMX under TCG).
set -u
cd "$(dirname "$0")/../.."
TEST_STEM=qemu-kvm
. tests/boot/qemu-lib.sh
qemu_work pillbox-qemu-kvm
tmp=$work

intel="$tmp/cpuinfo-intel" novmx="$tmp/cpuinfo-novmx" amd="$tmp/cpuinfo-amd"
printf 'vendor_id\t: GenuineIntel\nflags\t\t: fpu vme vmx ept\n' > "$intel"
printf 'vendor_id\t: GenuineIntel\nflags\t\t: fpu vme sse2\n' > "$novmx"
printf 'vendor_id\t: AuthenticAMD\nflags\t\t: fpu vme svm\n' > "$amd"
: > "$tmp/kvm"
# kvm_intel's parameters: all on, and each of the three off in turn.
mkdir -p "$tmp/on" "$tmp/nested-off" "$tmp/ept-off" "$tmp/ug-off"
for d in on nested-off ept-off ug-off; do
	for p in nested ept unrestricted_guest; do echo Y > "$tmp/$d/$p"; done
done
echo N > "$tmp/nested-off/nested"
echo 0 > "$tmp/ept-off/ept"
echo N > "$tmp/ug-off/unrestricted_guest"

# Firmware descriptors (QEMU's docs/interop/firmware.json), over files
# that exist. 30-: needs SMM; 40-: Secure Boot keys enrolled; 50-: i440FX
# only; 60-: the one; 70-: also usable, but later by name.
fw="$tmp/fw" fw2="$tmp/fw2"
mkdir -p "$fw" "$fw2"
for f in code.fd vars.fd code2.fd vars2.fd; do : > "$tmp/$f"; done
descriptor() { # file, features (JSON list body), machines glob, code, vars
	cat > "$1" <<-JSON
	{ "description": "test", "interface-types": [ "uefi" ],
	  "mapping": { "device": "flash",
	    "executable": { "filename": "$4", "format": "raw" },
	    "nvram-template": { "filename": "$5", "format": "raw" } },
	  "targets": [ { "architecture": "x86_64", "machines": [ "$3" ] } ],
	  "features": [ $2 ] }
	JSON
}
descriptor "$fw/30-smm.json" '"acpi-s3", "requires-smm"' 'pc-q35-*' "$tmp/code2.fd" "$tmp/vars2.fd"
descriptor "$fw/40-keys.json" '"enrolled-keys", "secure-boot"' 'pc-q35-*' "$tmp/code2.fd" "$tmp/vars2.fd"
descriptor "$fw/50-pc.json" '"acpi-s3"' 'pc-i440fx-*' "$tmp/code2.fd" "$tmp/vars2.fd"
descriptor "$fw/60-plain.json" '"acpi-s3"' 'pc-q35-*' "$tmp/code.fd" "$tmp/vars.fd"
descriptor "$fw/70-other.json" '"acpi-s3"' 'pc-q35-*' "$tmp/code2.fd" "$tmp/vars2.fd"

# A stand-in QEMU for the question to KVM, answering as QEMU 7.2 does when
# KVM lacks a requested feature (target/i386/cpu.c, mark_unavailable_features).
fake_qemu="$tmp/qemu-old-kvm"
cat > "$fake_qemu" <<'SH'
#!/bin/sh
echo "qemu-system-x86_64: warning: host doesn't support requested feature: MSR(485H).vmx-activity-wait-sipi [bit 8]" >&2
echo "qemu-system-x86_64: Host doesn't support requested features" >&2
exit 1
SH
chmod +x "$fake_qemu"

base_env=(PILLBOX_CPUINFO="$intel" PILLBOX_KVM_DEV="$tmp/kvm" PILLBOX_KVM_PARAMS="$tmp/on"
	PILLBOX_KERNEL_RELEASE=6.1.0-57-amd64 PILLBOX_FIRMWARE_DIRS="$fw $fw2" PILLBOX_PREFLIGHT=0)

run_check() { # env assignments...; output in $out, status in $rc
	out=$(env "${base_env[@]}" "$@" bash tests/boot/qemu-kvm.sh --check-only 2>&1)
	rc=$?
}
case_msg() { # name, expected message regex, then env assignments
	local name=$1 re=$2
	shift 2
	run_check "$@"
	if [ $rc -eq 2 ] && grep -qE -- "$re" <<<"$out" && grep -q "make run" <<<"$out"; then
		pass "$name"
	else
		fail "$name" "exit $rc, output: $(head -c 400 <<<"$out")"
	fi
}
case_msg not-intel 'not an Intel CPU' PILLBOX_CPUINFO="$amd"
case_msg no-vmx-flag 'reports no VMX flag' PILLBOX_CPUINFO="$novmx"
case_msg no-kvm "$tmp/nokvm does not exist.*|modprobe kvm_intel" PILLBOX_KVM_DEV="$tmp/nokvm"
case_msg nested-off "nested VMX is off in kvm_intel \\($tmp/nested-off/nested is 'N'\\)" \
	PILLBOX_KVM_PARAMS="$tmp/nested-off"
case_msg ept-off "EPT is off in kvm_intel .*is '0'" PILLBOX_KVM_PARAMS="$tmp/ept-off"
case_msg unrestricted-guest-off 'unrestricted guest is off in kvm_intel' PILLBOX_KVM_PARAMS="$tmp/ug-off"
case_msg no-ovmf 'no OVMF .*no firmware descriptor' PILLBOX_FIRMWARE_DIRS="$tmp/none" PILLBOX_OVMF_PATHS=
# The real QEMU under TCG: no VMX at all, and each capability named.
case_msg preflight-tcg 'Missing: VMX itself .*wait-for-SIPI activity state.*EPT' \
	PILLBOX_QEMU_ACCEL=tcg PILLBOX_QEMU_CPU=max,+vmx PILLBOX_PREFLIGHT=1
# KVM's answer on a host whose kernel predates nested wait-for-SIPI.
case_msg preflight-no-wait-sipi 'Missing: wait-for-SIPI activity state \(IA32_VMX_MISC bit 8\)\. \(Nested KVM emulates wait-for-SIPI since Linux 5\.11.*runs 5\.4\.0' \
	PILLBOX_QEMU="$fake_qemu" PILLBOX_PREFLIGHT=1 PILLBOX_KERNEL_RELEASE=5.4.0-200-generic

run_check
if [ $rc -eq 0 ] && grep -q "all requirements met" <<<"$out" && grep -q "OVMF $tmp/code.fd from $fw/60-plain.json" <<<"$out"; then
	pass checks-met
else
	fail checks-met "exit $rc: $out"
fi
# A later folder's file of the same name replaces it; an empty one removes it.
descriptor "$fw2/60-plain.json" '"acpi-s3"' 'pc-q35-*' "$tmp/code2.fd" "$tmp/vars2.fd"
run_check
a=$(grep -o "OVMF [^ ]* from [^)]*" <<<"$out")
: > "$fw2/60-plain.json"
run_check
b=$(grep -o "OVMF [^ ]* from [^)]*" <<<"$out")
rm -f "$fw2/60-plain.json"
if [ "$a" = "OVMF $tmp/code2.fd from $fw2/60-plain.json" ] && [ "$b" = "OVMF $tmp/code2.fd from $fw/70-other.json" ]; then
	pass ovmf-descriptor-override
else
	fail ovmf-descriptor-override "replaced: '$a', removed: '$b'"
fi

[ -f build/pillbox-usb.img ] || make -s usb >/dev/null 2>&1
cmd=$(env "${base_env[@]}" bash tests/boot/qemu-kvm.sh --dry-run 2>&1)
want=('accel=kvm,kernel-irqchip=split' '-cpu host,+vmx' '-smp 4' '-device intel-iommu,intremap=on'
	'usb-storage' "readonly=on,file=$tmp/code.fd" 'file=build/qemu/vars.raw' 'logfile=build/qemu/serial.txt')
miss=""
for w in "${want[@]}"; do grep -qF -- "$w" <<<"$cmd" || miss="$miss '$w'"; done
if [ -z "$miss" ]; then pass command-line; else fail command-line "lacks$miss: $cmd"; fi

# The checks of a run, on a serial log as a good run writes it (4 CPUs,
# x2APIC, the S3 refusal) and on one from a run that went wrong.
good="$tmp/good.txt" bad="$tmp/bad.txt"
{
	for c in 0 1 2 3; do echo "[INFO cpu$c vmx] VMLAUNCH: guest continues at 7e1a785a"; done
	echo '[INFO cpu0 hcall] launch sealed: CPUs can no longer leave the VMM'
	echo '[INFO cpu0 boot] starting next image \vmlinuz (args ...)'
	echo '[    0.000000] Linux version 6.1.0-57-amd64'
	echo 'pillbox-linux: cpus: online 0-3, 4 processors in /proc/cpuinfo: ok'
	echo 'pillbox-linux: hypervisor flag: present on 4 of 4 CPUs'
	echo 'pillbox-linux: apic: x2apic (Switched APIC routing to cluster x2apic.)'
	for c in 0 1 2 3; do echo "pillbox-linux: CPUID stress cpu$c: 200000 ok, signature PillboxVMM on apic $c"; done
	echo '[WARN cpu0 acpi] guest request for ACPI S3 refused (OUT 2401 to port 604, APIC id 0): the VMM would not survive it; the guest sees an immediate wake-up'
	echo "pillbox-linux: S3: after the request, CPUs online 0-3, CPUID 'PillboxVMM' on every CPU: ok"
	echo 'pillbox-info boot: stats cpus=4'
	echo 'pillbox-info log: log [INFO cpu0 hcall] launch sealed: CPUs can no longer leave the VMM'
	echo 'pillbox-info log: log end bytes=62 cursor=62'
	echo 'LINUX-TEST-DONE'
} > "$good"
grep -v -e 'apic: x2apic' -e 'acpi\] guest request' "$good" | sed 's/online 0-3/online 0-1/' > "$bad"
good_out=$(bash tests/boot/qemu-kvm.sh --report "$good" 2>&1)
good_rc=$?
bad_out=$(bash tests/boot/qemu-kvm.sh --report "$bad" 2>&1)
bad_rc=$?
if [ $good_rc -eq 0 ] && ! grep -q FAILED <<<"$good_out" && grep -q 'check x2apic: ok' <<<"$good_out" &&
	grep -q 'check s3-refused: ok' <<<"$good_out"; then
	pass report-good-run
else
	fail report-good-run "exit $good_rc: $(grep FAILED <<<"$good_out" | head -n 3 | paste -sd ';' -)"
fi
if [ $bad_rc -eq 1 ] && grep -q 'check x2apic: FAILED' <<<"$bad_out" && grep -q 'check s3-refused: FAILED' <<<"$bad_out" &&
	grep -q 'check cpus-online: FAILED' <<<"$bad_out"; then
	pass report-bad-run
else
	fail report-bad-run "exit $bad_rc: $bad_out"
fi

# The same command line under TCG: QEMU must accept every option and the
# loader must start from the stick (and refuse: no VMX under TCG).
serial="$tmp/serial.txt"
: > "$serial"
refused_and_moved_on() {
	grep -qa 'BdsDxe: starting Boot000[2-9]' "$serial" && grep -qa 'refused:' "$serial"
}
env PILLBOX_FIRMWARE_DIRS="$fw2 /usr/share/qemu/firmware" PILLBOX_QEMU_ACCEL=tcg PILLBOX_QEMU_CPU=qemu64 \
	PILLBOX_QEMU_SERIAL="file,id=com1,path=$serial" bash tests/boot/qemu-kvm.sh > "$tmp/qemu.out" 2>&1 &
qemu_pid=$!
qemu_out=$tmp/qemu.out
if qemu_wait 300 refused_and_moved_on && grep -qa 'Pillbox 0.1 loader' "$serial"; then
	pass tcg-run
else
	fail tcg-run "QEMU did not boot the stick to the loader's refusal: $qemu_note $(tail -c 400 "$tmp/qemu.out") $(tr -d '\r' < "$serial" | tail -n 5)"
fi
exit $((fails > 0))
