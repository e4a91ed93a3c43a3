#!/usr/bin/env bash
# Test of `make qemu` (tests/boot/qemu-kvm.sh) on a machine without KVM:
# each missing requirement gives its own message and exit 2 (simulated host
# files), the checks pass on a simulated Intel host with nested VMX, the
# KVM command line has KVM, -cpu host with VMX, 2 CPUs, OVMF code and a
# private copy of its variables and the stick as USB storage, and QEMU accepts that command
# line (run under TCG: the loader starts from the USB image and refuses).
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
echo Y > "$tmp/nested-on"
echo N > "$tmp/nested-off"

case_msg() { # name, expected message regex, then env assignments
	local name=$1 re=$2 out rc
	shift 2
	out=$(env "$@" bash tests/boot/qemu-kvm.sh --check-only 2>&1)
	rc=$?
	if [ $rc -eq 2 ] && grep -qE -- "$re" <<<"$out" && grep -q "make run" <<<"$out"; then
		pass "$name"
	else
		fail "$name" "exit $rc, output: $(head -c 300 <<<"$out")"
	fi
}
case_msg not-intel 'not an Intel CPU' PILLBOX_CPUINFO="$amd"
case_msg no-vmx-flag 'reports no VMX flag' PILLBOX_CPUINFO="$novmx"
case_msg no-kvm "$tmp/nokvm does not exist.*|modprobe kvm_intel" \
	PILLBOX_CPUINFO="$intel" PILLBOX_KVM_DEV="$tmp/nokvm"
case_msg nested-off 'nested VMX is off.*|kvm_intel nested=1' \
	PILLBOX_CPUINFO="$intel" PILLBOX_KVM_DEV="$tmp/kvm" PILLBOX_NESTED="$tmp/nested-off"

ok_env=(PILLBOX_CPUINFO="$intel" PILLBOX_KVM_DEV="$tmp/kvm" PILLBOX_NESTED="$tmp/nested-on")
if out=$(env "${ok_env[@]}" bash tests/boot/qemu-kvm.sh --check-only 2>&1) &&
	grep -q "all requirements met" <<<"$out"; then
	pass checks-met
else
	fail checks-met "$out"
fi

[ -f build/pillbox-usb.img ] || make -s usb >/dev/null 2>&1
cmd=$(env "${ok_env[@]}" bash tests/boot/qemu-kvm.sh --dry-run 2>&1)
if grep -q 'accel=kvm' <<<"$cmd" && grep -q -- '-cpu host,+vmx' <<<"$cmd" &&
	grep -q -- '-smp 2' <<<"$cmd" && grep -q 'usb-storage' <<<"$cmd" &&
	grep -q 'build/qemu/OVMF_VARS.fd' <<<"$cmd" && grep -q 'readonly=on,file=/usr/share/OVMF/OVMF_CODE.fd' <<<"$cmd"; then
	pass command-line
else
	fail command-line "$cmd"
fi

# The same command line under TCG: QEMU must accept every option and the
# loader must start from the stick (and refuse: no VMX under TCG).
serial="$tmp/serial.txt"
: > "$serial"
refused_and_moved_on() {
	grep -qa 'BdsDxe: starting Boot000[2-9]' "$serial" && grep -qa 'refused:' "$serial"
}
PILLBOX_QEMU_ACCEL=tcg PILLBOX_QEMU_CPU=qemu64 PILLBOX_QEMU_SERIAL="file:$serial" \
	bash tests/boot/qemu-kvm.sh > "$tmp/qemu.out" 2>&1 &
qemu_pid=$!
qemu_out=$tmp/qemu.out
if qemu_wait 120 refused_and_moved_on && grep -qa 'Pillbox 0.1 loader' "$serial"; then
	pass tcg-run
else
	fail tcg-run "QEMU did not boot the stick to the loader's refusal: $(tail -c 400 "$tmp/qemu.out") $(tr -d '\r' < "$serial" | tail -n 5)"
fi
exit $((fails > 0))
