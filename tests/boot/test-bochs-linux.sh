#!/usr/bin/env bash
# Boot test: an unmodified OS as the guest. Debian's stock kernel (the
# linux-image-amd64 package's EFI stub kernel) and an initramfs made of
# Debian's busybox-static boot in Bochs with 2 CPUs, chainloaded by the
# Pillbox loader; the initramfs's /init (tests/linux/init) checks from
# inside Linux that it runs under the hypervisor on every CPU. Then the same
# kernel and initramfs boot without the hypervisor (the baseline), in the
# same harness. One "PASS bochs-linux-<case>" / "FAIL bochs-linux-<case>:
# why" line per assertion (the stem tests/run-all.sh counts).
#
# Under Pillbox the loader's configuration has "user_hypercalls = read",
# and /init runs tests/linux/pillbox-info (stats at the userspace marker,
# footprint and the VMM's log at the end): the harness checks that the
# figures are sane. A third boot ("refused") is the same without
# user_hypercalls, on a second model with 3 CPUs: pillbox-info must be
# refused with a message naming the setting. The baseline's pillbox-info must say there is no Pillbox.
#
# Boot chain (docs/linux-guest.md):
#   OVMF -> \EFI\BOOT\BOOTX64.EFI = bochs-acpi.efi (installs the ACPI tables
#   that OVMF has no source for in Bochs, so Linux sees every CPU)
#     -> \EFI\pillbox\pillbox.efi (the Pillbox loader; pillbox.cfg:
#        image = \vmlinuz, args = initrd=\initrd.img console=ttyS0,115200 ...)
#        -> Linux under the VMM                                (this test)
#     -> \vmlinuz initrd=\initrd.img ...  directly              (baseline)
#
# Needs apt access to Debian's mirrors on the first run (the packages are
# cached in build/cache/, or $PILLBOX_CACHE). Each boot takes minutes:
# LINUX_TIMEOUT (s, default 1500) is the backstop per boot, LINUX_MEMORY
# (MB, default 512) the guest memory, LINUX_RUNS picks the runs, LINUX_ITERS the CPUID stress iterations per CPU,
# LINUX_EXTRA_ARGS is appended to the kernel command line, LINUX_CHECK_ONLY=1 only
# checks the serial logs of the last run again (no boot), LINUX_SHOW=1
# copies the serial log to the terminal as it comes (make run),
# LINUX_IDLE=S adds an idle phase of S guest seconds to the end of the
# Pillbox run, counted by pillbox-info idle, and LINUX_VIA_ACPI=1 has the
# loader start bochs-acpi.efi again, which prints the TSC and starts the
# kernel, as it does in the baseline (make bench, tests/bench/bench.sh).
# Runs: pillbox, baseline, refused (LINUX_RUNS="pillbox baseline refused").
set -u
cd "$(dirname "$0")/../.."
model_main=${BOCHS_MODEL:-corei7_skylake_x}
timeout=${LINUX_TIMEOUT:-1500}
memory=${LINUX_MEMORY:-512}
runs=${LINUX_RUNS:-pillbox baseline refused}
idle=${LINUX_IDLE:-0}
# What the loader starts: the kernel, or (LINUX_VIA_ACPI=1) bochs-acpi.efi
# with the kernel's path first in its arguments.
next_image='\vmlinuz' next_args=""
[ -z "${LINUX_VIA_ACPI:-}" ] || next_image='\EFI\BOOT\BOOTX64.EFI' next_args='\vmlinuz '

iters=${LINUX_ITERS:-200000}
# The pillbox and baseline runs: the same model and CPU count, side by side.
# The refused run is Linux under Pillbox on a second model,
# corei7_haswell_4770, with 3 CPUs (LINUX_REFUSED_MODEL, LINUX_REFUSED_CPUS,
# LINUX_REFUSED_ARGS: extra kernel arguments). With 4 it passes too, but
# takes 281 s instead of 165, more than make test's 12 minutes leave
# (docs/performance.md); tigerlake and sapphire_rapids do not boot this
# kernel in Bochs even bare (docs/linux-guest.md).
cpus_main=${LINUX_CPUS:-2}
model_refused=${LINUX_REFUSED_MODEL:-corei7_haswell_4770}
cpus_refused=${LINUX_REFUSED_CPUS:-3}
args_refused=${LINUX_REFUSED_ARGS-}
cpus=$cpus_main model=$model_main
out=build/linux
mkdir -p "$out"
TEST_STEM=bochs-linux
. tests/boot/lib.sh
. tests/linux/info-checks.sh

# ---- the kernel, busybox, the initramfs, the ACPI helper ----------------
check_only=${LINUX_CHECK_ONLY:-}
[ -n "$check_only" ] || [ -f build/esp/EFI/BOOT/BOOTX64.EFI ] ||
	{ fail build "build/esp is not built (make all)"; exit 1; }
if [ -n "$check_only" ]; then
	echo "LINUX_CHECK_ONLY: checking the serial logs of the last run again, no boot"
elif ! fetched=$(tests/linux/fetch-kernel.sh 2>"$out/fetch.err"); then
	fail fetch "cannot fetch the kernel: $(tail -n 1 "$out/fetch.err")"
	exit 1
else
	vmlinuz=$(sed -n 's/^vmlinuz=//p' <<<"$fetched")
	busybox=$(sed -n 's/^busybox=//p' <<<"$fetched")
	echo "kernel: $(sed -n 's/^kernel_package=//p' <<<"$fetched")"
	if ! tests/linux/build-initramfs.sh "$busybox" "$out/initrd.img" >"$out/build.err" 2>&1 ||
		! tests/linux/build-bochs-acpi.sh "$out/bochs-acpi.efi" >>"$out/build.err" 2>&1; then
		fail build "$(tail -n 3 "$out/build.err" | paste -sd ' ' -)"
		exit 1
	fi
fi

# Kernel arguments, the same for both runs (docs/linux-guest.md says why):
# the console on COM1, where the loader and the VMM log too; the full kernel
# log (loglevel=7: a few seconds of emulated 115200 baud, and what explains
# a failure); nokaslr for addresses that repeat between runs; mitigations=off
# for no page-table isolation (a CR3 switch on every system call) and no
# speculation barriers, which only slow an emulator down.
# (pillbox_cpus follows the run's CPU count: set when its ESP is built.)
kargs="initrd=\\initrd.img console=ttyS0,115200 loglevel=7 nokaslr mitigations=off pillbox_iters=$iters${LINUX_EXTRA_ARGS:+ $LINUX_EXTRA_ARGS}"

# Bochs's time-stamp counter counts at its instruction rate (bochs-run.sh's
# --ips), but the newer models' CPUID leaves 0x15 and 0x16 give the
# frequency of the CPU they model (corei7_skylake_x: 3.5 GHz), which Linux
# takes without calibrating: every timed wait (a sleep, the tick) then ran
# 17.5 times as many instructions, and the pillbox run took 185 s instead
# of 56. tsc_early_khz gives Linux the rate the counter truly has. The
# refused run's model (corei7_haswell_4770) has no leaf 0x15: its kernel
# calibrates against the PIT itself, under Pillbox, as on a PC without it.
ips=${BOCHS_IPS:-200000000}
tsc_arg=" tsc_early_khz=$((ips / 1000))"

# One Bochs at a time on this machine: bochs-run.sh waits for its lock
# (its timeout starts once it has it). Wall times count from the
# firmware's first serial byte, so the wait is not in them.

# Milestones of a boot, as "<wall seconds since bochs-run.sh started>
# <name>", polled five times a second while Bochs runs: "serial" is the
# firmware's first byte on COM1 (Bochs has started and holds the lock),
# "acpi" the first EFI program (tests/linux/bochs-acpi.c), "kernel" the
# kernel's first line, "userspace" the first line of /init. Information,
# and the wall-time figures of make bench.
milestones=(".:serial" "bochs-acpi: tsc=:acpi" "Linux version [0-9]:kernel" "userspace marker: tsc=:userspace"
	"Run /init as init:init" "iomem: end:stress-start" "CPUID stress cpu0:cpu0-done"
	"CPUID stress cpu1:cpu1-done" "LINUX-TEST-DONE:done")
now() { date +%s.%N; }
mark_milestones() { # log, output, start (now): records the new ones
	local m
	for m in "${milestones[@]}"; do
		grep -q " ${m##*:}\$" "$2" && continue
		grep -qa -- "${m%:*}" "$1" 2>/dev/null &&
			awk -v a="$3" -v b="$(now)" -v n="${m##*:}" 'BEGIN { printf "%.1f %s\n", b - a, n }' >>"$2"
	done
}
watch_log() { # log, output, start
	while :; do
		mark_milestones "$@"
		sleep 0.2
	done
}

# boot NAME ESP: runs Bochs, leaves build/test-logs/bochs-linux-NAME.serial.txt
# (without CR) and sets rc and wall; prints the milestones.
boot() {
	local name=$1 esp=$2 times t_start t_end
	log=build/test-logs/bochs-linux-$name.serial.txt
	times=$out/$name.times
	if [ -n "$check_only" ]; then
		rc=0 wall=0
		[ -f "$log" ] || { rc=2; echo "no $log"; }
		return
	fi
	t_start=$(now)
	: >"$log"
	: >"$times"
	watch_log "$log" "$times" "$t_start" &
	watcher=$!
	tests/boot/bochs-run.sh --esp "$esp" --cpus $cpus --model "$model" --memory "$memory" --ips "$ips" \
		${LINUX_SHOW:+--show} --serial "$log" --marker 'LINUX-TEST-DONE|VMM halted|Kernel panic' --timeout "$timeout"
	rc=$?
	t_end=$(now)
	kill $watcher 2>/dev/null
	wait $watcher 2>/dev/null
	watcher=""
	mark_milestones "$log" "$times" "$t_start"
	wall=$(awk -v a="$t_start" -v b="$t_end" '$2 == "serial" { s = $1 } END { printf "%.0f", b - a - s }' "$times")
	tr -d '\r' <"$log" >"$log.tmp" && mv "$log.tmp" "$log"
	echo "$name run: ${wall} s from the firmware's first serial byte; seconds after bochs-run.sh started: $(
		awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }' "$times")"
}

# Common checks of a run that booted Linux; prefix is "" or "baseline-".
linux_checks() {
	local p=$1 sig=$2
	[ $rc -eq 0 ] || fail "${p}run" "no final marker (bochs-run.sh status $rc after ${wall}s)"
	expect "$log" "${p}kernel-booted" '^\[ *[0-9]+\.[0-9]+\] Linux version [0-9]'
	expect "$log" "${p}init-done" '^LINUX-TEST-DONE$'
	expect "$log" "${p}cpus-online" "^pillbox-linux: cpus: online 0-$((cpus - 1)), $cpus processors in /proc/cpuinfo: ok\$"
	for ((c = 0; c < cpus; c++)); do
		expect "$log" "${p}cpuid-stress-cpu$c" "^pillbox-linux: CPUID stress cpu$c: [0-9]+ ok, signature $sig "
	done
	refuse "$log" "${p}no-kernel-panic" 'Kernel panic'
	check "${p}nmi-arrives" "$(linux_nmi_why "$log" $cpus)"
	expect "$log" "${p}cpu-offline-online" "^pillbox-linux: hotplug: cpu$((cpus - 1)) offline \\(online [0-9,-]+\\), online again \\(online 0-$((cpus - 1))\\), CPUID '$sig' on it: ok\$"
}

# The loader's VMM region [start, end) must lie inside one reserved range
# "a-b : Reserved" (inclusive end) of the guest's /proc/iomem.
region_reserved() {
	local line rs re a b ok=""
	line=$(grep -aoE '^\[INFO cpu0 boot\] VMM region [0-9a-f]+-[0-9a-f]+' "$log" | head -n 1)
	if [ -z "$line" ]; then
		fail vmm-region-reserved "the loader printed no 'VMM region <start>-<end>' line"
		return
	fi
	line=${line##* }
	rs=$((16#${line%-*}))
	re=$((16#${line#*-}))
	while read -r a b; do
		if [ $((16#$a)) -le $rs ] && [ $((16#$b)) -ge $((re - 1)) ]; then
			ok="$a-$b"
			break
		fi
	done < <(sed -nE 's/^pillbox-linux: iomem: ([0-9a-f]+)-([0-9a-f]+) : [Rr]eserved$/\1 \2/p' "$log")
	if [ -n "$ok" ]; then
		pass vmm-region-reserved
		echo "    VMM region $line inside reserved $ok of /proc/iomem"
	elif grep -qa '^pillbox-linux: iomem: end$' "$log"; then
		fail vmm-region-reserved "VMM region $line is in no reserved range of /proc/iomem: $(
			sed -n 's/^pillbox-linux: iomem: //p' "$log" | paste -sd ';' -)"
	else
		fail vmm-region-reserved "the guest printed no /proc/iomem ranges"
	fi
}

# pillbox-info's lines for a tag of /init (tests/linux/init), without the
# prefix, and its exit status.
info_of() { sed -n "s/^pillbox-info $1: //p" "$log"; }
info_rc() { sed -n "s/^pillbox-linux: pillbox-info $1: exit //p" "$log" | head -n 1; }
rc_why() { # tag, expected status
	local rc
	rc=$(info_rc "$1")
	[ "$rc" = "$2" ] || echo "pillbox-info $1 exited '${rc:-?}', not $2: $(info_of "$1" | head -n 1)"
}

# With user_hypercalls = read: the statistics at the userspace marker
# (every CPU counted, CPUID exits on each, names), the footprint and the
# log ring, from Linux user space (tests/linux/info-checks.sh).
info_checks() {
	local s
	s=$(info_of boot)
	check info-stats "$(rc_why boot 0; grep -qx "stats cpus=$cpus" <<<"$s" || echo "no 'stats cpus=$cpus' line")"
	for ((c = 0; c < cpus; c++)); do
		# The other CPU may be exiting while its record is read.
		check info-stats-cpu$c "$(info_cpu_why "$s" $c 8
			[ "$(info_count "$s" $c CPUID)" -gt 0 ] || echo "cpu $c: no CPUID exit counted")"
	done
	check info-stats-names "$(info_names_why "$s")"
	check info-footprint "$(rc_why footprint 0; info_footprint_why "$(info_of footprint)" "$log")"
	check info-log "$(rc_why log 0; info_ring_why "$(info_of log)" "$log" "pillbox-info log: ")"
}

# refused_check NAME TAG WHAT: pillbox-info WHAT was refused with the
# message that names the setting (guest/vmminfo/report.c).
refused_check() {
	check "$1" "$(rc_why "$2" 1
		info_of "$2" | grep -qE "^$3 error HC_EPERM \(-2\): refused from user mode: .*'user_hypercalls = read'" ||
			echo "no refusal naming user_hypercalls: $(info_of "$2" | head -n 1)")"
}

show_tail() {
	echo "--- last 40 lines of $log"
	tail -n 40 "$log" | sed 's/^/    /'
}

# The test ESPs (docs/linux-guest.md, "The boot chain").
# dir, extra config line, extra kernel arguments: build/esp with the
# loader moved behind bochs-acpi.efi
esp_vmm() {
	cp -r build/esp/. "$1/" &&
	mkdir -p "$1/EFI/pillbox" &&
	mv "$1/EFI/BOOT/BOOTX64.EFI" "$1/EFI/pillbox/pillbox.efi" &&
	cp "$out/bochs-acpi.efi" "$1/EFI/BOOT/BOOTX64.EFI" &&
	printf '%s\r\n' '\EFI\pillbox\pillbox.efi' >"$1/EFI/BOOT/bochs-acpi.cfg" &&
	cp "$vmlinuz" "$1/vmlinuz" &&
	cp "$out/initrd.img" "$1/initrd.img" &&
	cat >"$1/EFI/BOOT/pillbox.cfg" <<-CFG
		# Linux guest test (tests/boot/test-bochs-linux.sh)
		image = $next_image
		args = $next_args$kargs pillbox_cpus=$cpus pillbox_expect=PillboxVMM$3
		log_level = info
		$2
	CFG
}
esp_pillbox() { # dir: pillbox-info may read the statistics
	esp_vmm "$1" "user_hypercalls = read" "$tsc_arg$idle_arg"
}
esp_refused() { # dir: the default, no user_hypercalls; a short CPUID stress
	esp_vmm "$1" "" " pillbox_iters=1000${args_refused:+ $args_refused}"
}
esp_baseline() { # dir: bochs-acpi.efi starts the kernel itself
	mkdir -p "$1/EFI/BOOT" &&
	cp "$out/bochs-acpi.efi" "$1/EFI/BOOT/BOOTX64.EFI" &&
	printf '%s\r\n' "\\vmlinuz $kargs pillbox_cpus=$cpus pillbox_expect=absent$tsc_arg" >"$1/EFI/BOOT/bochs-acpi.cfg" &&
	cp "$vmlinuz" "$1/vmlinuz" &&
	cp "$out/initrd.img" "$1/initrd.img"
}
esp="" watcher=""
cleanup() {
	[ -z "$watcher" ] || kill "$watcher" 2>/dev/null
	[ -z "$esp" ] || rm -rf "$esp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# run NAME: builds the ESP and boots it (or, with LINUX_CHECK_ONLY, only
# points log at the last run's serial log).
run() {
	esp=""
	if [ "$1" = refused ]; then
		cpus=$cpus_refused model=$model_refused
	else
		cpus=$cpus_main model=$model_main
	fi
	echo "---- $1: $model, $cpus CPUs"
	if [ -z "$check_only" ]; then
		esp=$(mktemp -d /tmp/pillbox-linux-esp.XXXXXX)
		if ! "esp_$1" "$esp"; then
			fail "${2}esp" "cannot build the ESP in $esp"
			rm -rf "$esp"
			return 1
		fi
	fi
	boot "$1" "$esp"
	[ -z "$esp" ] || rm -rf "$esp"
	esp=""
}

wall_pillbox="" wall_bare="" idle_arg=""
[ "$idle" = 0 ] || idle_arg=" pillbox_idle=$idle"

# ---- Linux under Pillbox ------------------------------------------------
if [[ " $runs " == *" pillbox "* ]] && run pillbox ""; then
	before=$fails
	wall_pillbox=$wall
	for ((c = 0; c < cpus; c++)); do
		expect "$log" vmm-launched-cpu$c "^\[INFO cpu$c vmx\] VMLAUNCH: guest continues at"
	done
	expect "$log" vmm-sealed '^\[INFO cpu0 hcall\] launch sealed'
	expect "$log" kernel-started "^\\[INFO cpu0 boot\\] starting next image ${next_image//\\/\\\\}"
	linux_checks "" PillboxVMM
	expect "$log" hypervisor-flag "^pillbox-linux: hypervisor flag: present on $cpus of $cpus CPUs\$"
	region_reserved
	refuse "$log" no-vmm-error '^\[ERROR cpu[0-9]+ '
	refuse "$log" no-vmm-halted 'VMM halted'
	info_checks
	check s3-refused "$(s3_why "$log")"
	[ $fails -eq $before ] || show_tail
fi

# ---- the same Linux without the hypervisor ------------------------------
if [[ " $runs " == *" baseline "* ]] && run baseline baseline-; then
	before=$fails
	wall_bare=$wall
	linux_checks baseline- absent
	expect "$log" baseline-hypervisor-absent "^pillbox-linux: hypervisor flag: absent on $cpus CPUs\$"
	refuse "$log" baseline-no-vmm '^\[[A-Z]+ cpu[0-9]+ [a-z]+\] '
	check baseline-info-absent "$(rc_why boot 2
		info_of boot | grep -q '^stats error not running under Pillbox' ||
			echo "pillbox-info did not say there is no Pillbox: $(info_of boot | head -n 1)")"
	[ $fails -eq $before ] || show_tail
fi

# ---- Pillbox without user_hypercalls: pillbox-info is refused -----------
if [[ " $runs " == *" refused "* ]] && run refused refused-; then
	before=$fails
	linux_checks refused- PillboxVMM
	for ((c = 0; c < cpus; c++)); do
		expect "$log" refused-vmm-launched-cpu$c "^\[INFO cpu$c vmx\] VMLAUNCH: guest continues at"
	done
	refused_check refused-info-stats boot stats
	refused_check refused-info-footprint footprint footprint
	refused_check refused-info-log log log
	refuse "$log" refused-no-vmm-halted 'VMM halted'
	[ $fails -eq $before ] || show_tail
fi

echo "linux boot: ${wall_pillbox:--} s under Pillbox, ${wall_bare:--} s bare"
exit $((fails > 0))
