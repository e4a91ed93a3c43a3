#!/usr/bin/env bash
# make qemu: boots the USB image (build/pillbox-usb.img) in QEMU with KVM and
# nested VMX: -cpu host with VMX, OVMF (code, and a private copy of the
# variables), 2 CPUs, the image as USB storage, serial on the terminal.
# First it checks what nested VMX needs and says exactly what is missing.
#
#   qemu-kvm.sh [--dry-run] [--check-only]
#     --dry-run     print the QEMU command line instead of running it
#     --check-only  only the checks
# Environment, for the tests of these checks (tests/boot/test-qemu-kvm.sh):
#   PILLBOX_KVM_DEV (/dev/kvm), PILLBOX_CPUINFO (/proc/cpuinfo),
#   PILLBOX_NESTED (/sys/module/kvm_intel/parameters/nested),
#   PILLBOX_QEMU_ACCEL (kvm) and PILLBOX_QEMU_CPU (host,+vmx): the test runs
#   the same command line under TCG to prove QEMU accepts it.
# Exit: 0 ran (or printed), 2 a requirement is missing, 64 bad usage.
set -u
cd "$(dirname "$0")/../.."
dry=0 check_only=0
for a in "$@"; do
	case "$a" in
	--dry-run) dry=1 ;;
	--check-only) check_only=1 ;;
	*) echo "qemu-kvm.sh: unknown argument $a" >&2; exit 64 ;;
	esac
done
kvm=${PILLBOX_KVM_DEV:-/dev/kvm}
cpuinfo=${PILLBOX_CPUINFO:-/proc/cpuinfo}
nested=${PILLBOX_NESTED:-/sys/module/kvm_intel/parameters/nested}
accel=${PILLBOX_QEMU_ACCEL:-kvm}
cpu=${PILLBOX_QEMU_CPU:-host,+vmx}
img=build/pillbox-usb.img
code=/usr/share/OVMF/OVMF_CODE.fd
vars=/usr/share/OVMF/OVMF_VARS.fd

missing() {
	echo "make qemu: $1" >&2
	shift
	for line in "$@"; do echo "  $line" >&2; done
	echo "  Without it, 'make run' boots the same hypervisor in Bochs, which emulates VMX." >&2
	exit 2
}

if [ "$accel" = kvm ]; then
	grep -qm1 '^vendor_id.*GenuineIntel' "$cpuinfo" 2>/dev/null ||
		missing "this host's CPU is not an Intel CPU: Pillbox needs VT-x, and nested VMX needs an Intel host." \
			"(An AMD host's KVM can nest SVM, not VMX.)"
	grep -qm1 '^flags.* vmx' "$cpuinfo" 2>/dev/null ||
		missing "the host CPU reports no VMX flag: VT-x is off in the firmware setup, or this host is itself a guest without nested VMX." \
			"Enable 'Intel Virtualization Technology' (VT-x) in the firmware setup."
	[ -e "$kvm" ] ||
		missing "$kvm does not exist: KVM is not loaded." \
			"Load it:  sudo modprobe kvm_intel"
	[ -r "$kvm" ] && [ -w "$kvm" ] ||
		missing "$kvm is not readable and writable by $(id -un)." \
			"Add yourself to the kvm group:  sudo adduser $(id -un) kvm  (then log in again)"
	case "$(cat "$nested" 2>/dev/null)" in
	Y|y|1) ;;
	*) missing "nested VMX is off in kvm_intel ($nested is '$(cat "$nested" 2>/dev/null || echo missing)')." \
		"Turn it on:  sudo modprobe -r kvm_intel && sudo modprobe kvm_intel nested=1" \
		"Keep it on:  echo 'options kvm_intel nested=1' | sudo tee /etc/modprobe.d/kvm-nested.conf" ;;
	esac
fi
[ -f "$code" ] && [ -f "$vars" ] ||
	missing "OVMF is not installed ($code)." "Install it:  sudo apt-get install ovmf"
command -v qemu-system-x86_64 >/dev/null ||
	missing "QEMU is not installed." "Install it:  sudo apt-get install qemu-system-x86"
[ "$check_only" = 1 ] && { echo "make qemu: all requirements met"; exit 0; }
[ -f "$img" ] || missing "$img is not built." "Build it:  make usb"

work=build/qemu
mkdir -p "$work"
cp "$img" "$work/stick.img"
[ -f "$work/OVMF_VARS.fd" ] || cp "$vars" "$work/OVMF_VARS.fd"
cmd=(qemu-system-x86_64 -machine q35,accel="$accel" -cpu "$cpu" -smp 2 -m 1024
	-drive if=pflash,format=raw,readonly=on,file="$code"
	-drive if=pflash,format=raw,file="$work/OVMF_VARS.fd"
	-device qemu-xhci -drive if=none,id=stick,format=raw,file="$work/stick.img"
	-device usb-storage,drive=stick,bootindex=0
	-net none -display none -serial "${PILLBOX_QEMU_SERIAL:-stdio}" -no-reboot)
if [ "$dry" = 1 ]; then
	echo "${cmd[*]}"
	exit 0
fi
echo "make qemu: QEMU with KVM and nested VMX; the serial port is this terminal (Ctrl-C quits)."
exec "${cmd[@]}"
