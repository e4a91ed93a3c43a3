#!/usr/bin/env bash
# make qemu: Linux under Pillbox in QEMU with KVM and nested VMX, checked
# from inside as the Bochs Linux test checks it (docs/qemu.md). The USB
# image's loader starts Debian's kernel with the Linux test's initramfs
# (tests/linux/init) on 4 vCPUs, with an Intel IOMMU doing interrupt
# remapping, so that Linux runs its local APICs in x2APIC mode. First it
# checks what nested KVM must offer and says exactly what is missing.
#
#   qemu-kvm.sh [--dry-run] [--check-only] [--report SERIAL_LOG]
#     --dry-run     the checks, then print the QEMU command line
#     --check-only  only the checks
#     --report LOG  only the checks of a serial log of a run (after a run
#                   they run on build/qemu/serial.txt)
# Environment, for the tests of the checks (tests/boot/test-qemu-kvm.sh):
#   PILLBOX_CPUINFO (/proc/cpuinfo), PILLBOX_KVM_DEV (/dev/kvm),
#   PILLBOX_KVM_PARAMS (/sys/module/kvm_intel/parameters),
#   PILLBOX_KERNEL_RELEASE (uname -r), PILLBOX_FIRMWARE_DIRS (QEMU's
#   firmware descriptor folders, in override order), PILLBOX_OVMF_PATHS
#   (CODE:VARS pairs tried without a descriptor), PILLBOX_QEMU
#   (qemu-system-x86_64), PILLBOX_QEMU_ACCEL (kvm) and PILLBOX_QEMU_CPU
#   (host,+vmx): the test runs the same command line under TCG, where the
#   loader can only refuse; PILLBOX_QEMU_SERIAL (the serial chardev).
# Exit: 0 ran (all checks of the run passed) or printed, 1 a check of the
# run failed, 2 a requirement is missing, 64 bad usage.
set -u
cd "$(dirname "$0")/../.."
dry=0 check_only=0 report=""
while [ $# -gt 0 ]; do
	case "$1" in
	--dry-run) dry=1 ;;
	--check-only) check_only=1 ;;
	--report) report=${2:-}; shift ;;
	*) echo "qemu-kvm.sh: unknown argument $1" >&2; exit 64 ;;
	esac
	shift
done
cpuinfo=${PILLBOX_CPUINFO:-/proc/cpuinfo}
kvm=${PILLBOX_KVM_DEV:-/dev/kvm}
params=${PILLBOX_KVM_PARAMS:-/sys/module/kvm_intel/parameters}
release=${PILLBOX_KERNEL_RELEASE:-$(uname -r)}
fw_dirs=${PILLBOX_FIRMWARE_DIRS:-/usr/share/qemu/firmware /etc/qemu/firmware ${XDG_CONFIG_HOME:-$HOME/.config}/qemu/firmware}
qemu=${PILLBOX_QEMU:-qemu-system-x86_64}
accel=${PILLBOX_QEMU_ACCEL:-kvm}
cpu=${PILLBOX_QEMU_CPU:-host,+vmx}
cpus=4
img=build/pillbox-usb.img
work=build/qemu
# Nested KVM emulates the wait-for-SIPI activity state for its guests
# since Linux 5.11: commit bf0cd88ce363 "KVM: x86: emulate wait-for-SIPI
# and SIPI-VMExit" (posted September 2020, merged for 5.11).
wait_sipi_since=5.11

. tests/linux/info-checks.sh

missing() {
	echo "make qemu: $1" >&2
	shift
	for line in "$@"; do echo "  $line" >&2; done
	echo "  Without it, 'make run' boots the same hypervisor in Bochs, which emulates VMX." >&2
	exit 2
}

# A kvm_intel parameter that must be on (Y or 1).
param_on() { # name, what it gives Pillbox
	local v
	v=$(cat "$params/$1" 2>/dev/null) || v=missing
	case "$v" in
	Y|y|1) ;;
	*) missing "$2 is off in kvm_intel ($params/$1 is '$v')." \
		"Turn it on:  sudo modprobe -r kvm_intel && sudo modprobe kvm_intel nested=1 ept=1 unrestricted_guest=1" \
		"Keep it on:  echo 'options kvm_intel nested=1 ept=1 unrestricted_guest=1' | sudo tee /etc/modprobe.d/kvm-nested.conf" ;;
	esac
}

# MAJOR.MINOR of a kernel release is at least the other.
version_at_least() { # release, minimum
	local a b
	a=$(sed -E 's/^([0-9]+)\.([0-9]+).*/\1 \2/' <<<"$1")
	b=$(sed -E 's/^([0-9]+)\.([0-9]+).*/\1 \2/' <<<"$2")
	set -- $a $b
	[ $# -eq 4 ] && { [ "$1" -gt "$3" ] || { [ "$1" -eq "$3" ] && [ "$2" -ge "$4" ]; }; }
}

host_checks() {
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
	param_on nested "nested VMX"
	param_on ept "EPT"
	param_on unrestricted_guest "unrestricted guest"
}

# Where QEMU cannot be asked (below), the kernel version stands in for
# wait-for-SIPI; a distribution kernel may have the commit backported.
kernel_check() {
	version_at_least "$release" "$wait_sipi_since" ||
		missing "the host kernel is Linux $release: its KVM may give nested guests no wait-for-SIPI activity state (IA32_VMX_MISC bit 8), which Pillbox requires." \
			"Nested KVM has it since Linux $wait_sipi_since (commit bf0cd88ce363, 'KVM: x86: emulate wait-for-SIPI and SIPI-VMExit')." \
			"Boot a newer host kernel (Debian 12's 6.1 has it), or a QEMU of 5.0 or later, which can tell."
}

# ---- OVMF through QEMU's firmware descriptors ----------------------------
# docs/interop/firmware.json of QEMU: JSON files in these folders, a file
# of a later folder replacing one of the same name in an earlier one, an
# empty file removing it, taken in the order of their names. The first
# UEFI flash image for x86_64 q35 in split mode (code and a variables
# template) that needs no SMM and has no Secure Boot keys enrolled (which
# would refuse the unsigned loader) wins. Prints "FORMAT CODE VARS FILE".
ovmf_from_descriptors() {
	command -v python3 >/dev/null 2>&1 || return 1
	python3 - $fw_dirs <<'PY'
import fnmatch, json, os, sys
files = {}
for d in sys.argv[1:]:
    if os.path.isdir(d):
        for n in os.listdir(d):
            if n.endswith(".json"):
                files[n] = os.path.join(d, n)
for n in sorted(files):
    p = files[n]
    try:
        if os.path.getsize(p) == 0:
            continue
        with open(p) as f:
            desc = json.load(f)
    except (OSError, ValueError):
        continue
    m = desc.get("mapping", {})
    feat = desc.get("features", [])
    code = m.get("executable", {})
    vars_ = m.get("nvram-template", {})
    if ("uefi" not in desc.get("interface-types", []) or m.get("device") != "flash"
            or m.get("mode", "split") != "split"
            or "requires-smm" in feat or "enrolled-keys" in feat):
        continue
    if not any(t.get("architecture") == "x86_64" and
               any(fnmatch.fnmatch("pc-q35-99.0", g) for g in t.get("machines", []))
               for t in desc.get("targets", [])):
        continue
    fmt = code.get("format", "raw")
    if (vars_.get("format", "raw") != fmt or not os.path.isfile(code.get("filename", ""))
            or not os.path.isfile(vars_.get("filename", ""))):
        continue
    print(fmt, code["filename"], vars_["filename"], p)
    break
PY
}

# Without python3 or a descriptor: the places distributions put OVMF
# (Debian and Ubuntu, Fedora, Arch), as CODE:VARS pairs.
ovmf_paths=${PILLBOX_OVMF_PATHS-/usr/share/OVMF/OVMF_CODE_4M.fd:/usr/share/OVMF/OVMF_VARS_4M.fd
	/usr/share/OVMF/OVMF_CODE.fd:/usr/share/OVMF/OVMF_VARS.fd
	/usr/share/edk2/ovmf/OVMF_CODE.fd:/usr/share/edk2/ovmf/OVMF_VARS.fd
	/usr/share/edk2/x64/OVMF_CODE.4m.fd:/usr/share/edk2/x64/OVMF_VARS.4m.fd}
ovmf_known_paths() {
	local pair
	for pair in $ovmf_paths; do
		[ -f "${pair%%:*}" ] && [ -f "${pair#*:}" ] && { echo "raw ${pair%%:*} ${pair#*:} (known path)"; return 0; }
	done
	return 1
}

find_ovmf() {
	local found
	found=$(ovmf_from_descriptors) && [ -n "$found" ] || found=$(ovmf_known_paths) ||
		missing "no OVMF (UEFI for QEMU) found: no firmware descriptor in $fw_dirs describes an x86_64 q35 UEFI flash image without SMM and enrolled Secure Boot keys, and none is at a known path." \
			"Install it:  sudo apt-get install ovmf  (Fedora: sudo dnf install edk2-ovmf)"
	read -r fw_format fw_code fw_vars fw_from <<<"$found"
}

# ---- what nested KVM offers: QEMU asked with 'enforce' ---------------------
# Every VMX capability the loader refuses without (vmm/setup/vmx_caps.c), by
# QEMU's name, and Pillbox's. QEMU names the bit of "save debug controls"
# (exit) and "load debug controls" (entry) nosave/noload.
vmx_features="
vmx-activity-wait-sipi:wait-for-SIPI activity state (IA32_VMX_MISC bit 8)
vmx-activity-hlt:HLT activity state (IA32_VMX_MISC bit 6)
vmx-nmi-exit:NMI exiting
vmx-vnmi:virtual NMIs
vmx-vnmi-pending:NMI-window exiting
vmx-msr-bitmap:MSR bitmaps
vmx-secondary-ctls:secondary processor-based controls
vmx-ept:EPT
vmx-unrestricted-guest:unrestricted guest
vmx-page-walk-4:EPT 4-level page walk
vmx-ept-2mb:EPT 2 MiB pages
vmx-invept:INVEPT
vmx-invept-all-context:INVEPT (all contexts)
vmx-exit-save-efer:save IA32_EFER on VM exit
vmx-exit-load-efer:load IA32_EFER on VM exit
vmx-entry-load-efer:load IA32_EFER on VM entry
vmx-exit-nosave-debugctl:save debug controls on VM exit
vmx-entry-noload-debugctl:load debug controls on VM entry
vmx-entry-ia32e-mode:IA-32e mode guest"

# The -cpu option that asks for all of them.
preflight_cpu() {
	local f list="$cpu"
	for f in $(sed -n 's/:.*//p' <<<"$vmx_features"); do list="$list,$f=on"; done
	echo "$list,enforce"
}

# Starts QEMU paused without firmware and quits it at once through QMP:
# with 'enforce' it refuses to start and names each feature KVM lacks.
preflight() {
	local out name why lacking="" f
	out=$(printf '{"execute":"qmp_capabilities"}\n{"execute":"quit"}\n' |
		timeout 60 "$qemu" -machine "q35,accel=$accel" -cpu "$(preflight_cpu)" -nodefaults \
			-no-user-config -display none -S -qmp stdio 2>&1) && return 0
	if grep -q "Property .*vmx-.* not found\|can't apply global" <<<"$out"; then
		echo "make qemu: note: this QEMU does not know the VMX feature names (QEMU 5.0 and later do): only the kernel version is checked" >&2
		kernel_check
		return 0
	fi
	for f in $(grep -oE 'requested( feature)?: [^ ]+' <<<"$out" | sed -E 's/.*\.//' | awk '!seen[$0]++'); do
		name=$(sed -n "s/^$f://p" <<<"$vmx_features")
		[ "$f" = vmx ] && name="VMX itself (CPUID.1:ECX.VMX): nested VMX is not offered"
		lacking="$lacking${lacking:+; }${name:-$f}"
	done
	[ -n "$lacking" ] || lacking="QEMU refused to start: $(grep -v '^{' <<<"$out" | head -n 3 | tr '\n' ' ')"
	why="KVM on this host does not give its guests every VMX capability Pillbox requires. Missing: $lacking."
	grep -q "vmx-activity-wait-sipi" <<<"$out" && ! version_at_least "$release" "$wait_sipi_since" &&
		why="$why (Nested KVM emulates wait-for-SIPI since Linux $wait_sipi_since, commit bf0cd88ce363; this host runs $release.)"
	missing "$why" "Check by hand:  $qemu -machine q35,accel=$accel -cpu $(preflight_cpu) -nodefaults -display none -S -qmp stdio"
}

# ---- the run's checks ------------------------------------------------------
# check NAME WHY: one line; a FAILED one counts.
report_fails=0
check() {
	if [ -z "$2" ]; then
		echo "check $1: ok"
	else
		echo "check $1: FAILED: $2"
		report_fails=$((report_fails + 1))
	fi
}
has() { grep -qaE -- "$2" "$1" || echo "no line matching /$2/"; }
hasnt() { ! grep -qaE -- "$2" "$1" || echo "$(grep -aE -- "$2" "$1" | head -n 1)"; }
info_of() { sed -n "s/^pillbox-info $2: //p" "$1"; }

report_checks() { # serial log, CPU count
	local log=$1 n=$2 c launched s
	launched=$(grep -aoE '^\[INFO cpu[0-9]+ vmx\] VMLAUNCH: guest continues at' "$log" | sort -u | wc -l)
	check vmm-launched "$([ "$launched" -eq "$n" ] || echo "$launched of $n CPUs entered the guest")"
	check vmm-sealed "$(has "$log" '^\[INFO cpu0 hcall\] launch sealed')"
	check kernel-started "$(has "$log" '^\[INFO cpu0 boot\] starting next image \\vmlinuz')"
	check kernel-booted "$(has "$log" 'Linux version [0-9]')"
	check cpus-online "$(has "$log" "^pillbox-linux: cpus: online 0-$((n - 1)), $n processors in /proc/cpuinfo: ok\$")"
	check hypervisor-flag "$(has "$log" "^pillbox-linux: hypervisor flag: present on $n of $n CPUs\$")"
	for ((c = 0; c < n; c++)); do
		check cpuid-stress-cpu$c "$(has "$log" "^pillbox-linux: CPUID stress cpu$c: [0-9]+ ok, signature PillboxVMM ")"
	done
	check x2apic "$(has "$log" '^pillbox-linux: apic: x2apic ')"
	check s3-refused "$(s3_why "$log")"
	s=$(info_of "$log" boot)
	check info-stats "$(grep -qx "stats cpus=$n" <<<"$s" || echo "no 'stats cpus=$n' line")"
	check info-log "$(info_ring_why "$(info_of "$log" log)" "$log" "pillbox-info log: ")"
	check no-vmm-error "$(hasnt "$log" '^\[ERROR cpu[0-9]+ ')"
	check no-vmm-halted "$(hasnt "$log" 'VMM halted')"
	check no-kernel-panic "$(hasnt "$log" 'Kernel panic')"
	check init-done "$(has "$log" '^LINUX-TEST-DONE$')"
	echo "make qemu: $report_fails check(s) failed"
	[ $report_fails -eq 0 ]
}

if [ -n "$report" ]; then
	[ -f "$report" ] || { echo "qemu-kvm.sh: no serial log $report" >&2; exit 64; }
	report_checks "$report" $cpus
	exit $?
fi

# ---- checks, then the run ------------------------------------------------
[ "$accel" = kvm ] && host_checks
command -v "$qemu" >/dev/null ||
	missing "QEMU is not installed." "Install it:  sudo apt-get install qemu-system-x86"
find_ovmf
# PILLBOX_PREFLIGHT: 1 asks QEMU whatever the accelerator, 0 never (the
# tests of the other checks, on a host without KVM).
case "${PILLBOX_PREFLIGHT:-auto}" in
1) preflight ;;
auto) [ "$accel" = kvm ] && preflight ;;
esac
if [ "$check_only" = 1 ]; then
	echo "make qemu: all requirements met (host kernel $release, OVMF $fw_code from $fw_from)"
	exit 0
fi
[ -f "$img" ] || missing "$img is not built." "Build it:  make usb"

mkdir -p "$work"
cmd=("$qemu" -machine "q35,accel=$accel,kernel-irqchip=split" -cpu "$cpu" -smp $cpus -m 2048
	-device intel-iommu,intremap=on
	-drive "if=pflash,format=$fw_format,readonly=on,file=$fw_code"
	-drive "if=pflash,format=$fw_format,file=$work/vars.$fw_format"
	-device qemu-xhci -drive "if=none,id=stick,format=raw,file=$work/stick.img"
	-device usb-storage,drive=stick,bootindex=0
	-net none -display none -no-reboot
	-chardev "${PILLBOX_QEMU_SERIAL:-stdio,id=com1,signal=on,logfile=$work/serial.txt}"
	-serial chardev:com1)
if [ "$dry" = 1 ]; then
	echo "${cmd[*]}"
	exit 0
fi

# The stick with the Linux test's kernel and initramfs, and a pillbox.cfg
# that starts the kernel (the same arguments as the Bochs Linux test).
fetched=$(tests/linux/fetch-kernel.sh) ||
	missing "cannot fetch Debian's kernel and busybox (tests/linux/fetch-kernel.sh, above)." \
		"It needs apt access to a Debian archive once; the packages are then cached in build/cache."
tests/linux/build-initramfs.sh "$(sed -n 's/^busybox=//p' <<<"$fetched")" "$work/initrd.img" ||
	missing "cannot build the initramfs (tests/linux/build-initramfs.sh, above)." "make deps installs what it needs."
cp "$img" "$work/stick.img"
cp "$fw_vars" "$work/vars.$fw_format"
printf '%s\r\n' "# make qemu (tests/boot/qemu-kvm.sh): Linux under Pillbox" 'image = \vmlinuz' \
	"args = initrd=\\initrd.img console=ttyS0,115200 loglevel=7 nokaslr mitigations=off pillbox_cpus=$cpus pillbox_expect=PillboxVMM" \
	'log_level = info' 'user_hypercalls = read' >"$work/pillbox.cfg"
for f in "$(sed -n 's/^vmlinuz=//p' <<<"$fetched"):vmlinuz" "$work/initrd.img:initrd.img" \
	"$work/pillbox.cfg:EFI/BOOT/pillbox.cfg"; do
	MTOOLS_SKIP_CHECK=1 mcopy -o -i "$work/stick.img@@1M" "${f%:*}" "::/${f##*:}" ||
		missing "cannot copy ${f%:*} onto the stick image (mtools)." "make deps installs mtools."
done
: >"$work/serial.txt"
echo "make qemu: Linux under Pillbox in QEMU with KVM, $cpus vCPUs, x2APIC; the serial port is this terminal (Ctrl-C quits)."
# QEMU as a child that a TERM to this script ends too; its input stays
# the terminal's.
"${cmd[@]}" <&0 &
qpid=$!
trap 'kill $qpid 2>/dev/null' TERM INT HUP
wait $qpid
rc=$?
trap - TERM INT HUP
echo "make qemu: QEMU ended (status $rc); the checks of the run, from $work/serial.txt:"
report_checks "$work/serial.txt" $cpus
