#!/usr/bin/env bash
# Boot test of the measuring tools (docs/performance.md), in Bochs:
#  - guest/vmminfo.efi under Pillbox on 2 CPUs, with "probe=1000" (1000
#    CPUIDs on each CPU first): the footprint agrees with the VMM region
#    the loader printed, every CPU has a statistics record whose CPUID count
#    is at least 1000 and whose total is the sum of its reasons, names are
#    the stable ones, and every line of the log ring it prints is a line
#    the VMM wrote to the serial port;
#  - guest/bench.efi under Pillbox on 1 CPU: one BENCH line per case, the
#    exiting cases exit (CPUID: one CPUID exit per instruction) and the
#    references do not.
# Functional checks only: the figures themselves are make bench's.
set -u
cd "$(dirname "$0")/../.."
TEST_STEM=bochs-tools
. tests/boot/lib.sh
[ -f build/esp/EFI/pillbox/vmminfo.efi ] && [ -f build/esp/EFI/pillbox/bench.efi ] ||
	{ fail build "build/esp has no vmminfo.efi or bench.efi (make all)"; exit 1; }
probe=1000
cfg=$(mktemp /tmp/pillbox-tools-cfg.XXXXXX)
trap 'rm -f "$cfg"' EXIT

. tests/linux/info-checks.sh
check() { # name, why (empty: PASS)
	if [ -z "$2" ]; then echo "PASS $TEST_STEM-$1"; else fail "$1" "$2"; fi
}

# ---- vmminfo ------------------------------------------------------------
printf '%s\n' '# tests/boot/test-bochs-tools.sh: vmminfo' 'image = \EFI\pillbox\vmminfo.efi' \
	"args = probe=$probe" 'log_level = info' >"$cfg"
boot vmminfo "$(esp_with_cfg "$cfg")" 'vmminfo\] vmminfo done|VMM halted' --cpus 2
p='^\[INFO cpu0 vmminfo\] '
info=$(sed -n "s/$p//p" "$log")

expect "$log" vmminfo-probe "${p}probe cpuid=$probe ran_on=2 enabled_cpus=2\$"
expect "$log" vmminfo-cpus "${p}stats cpus=2\$"
for cpu in 0 1; do
	# The probe ended before the figures were read: only cpu0's own VMCALL
	# is in flight.
	check "vmminfo-stats-cpu$cpu" "$(info_cpu_why "$info" $cpu 1)"
	n=$(info_count "$info" $cpu CPUID)
	check "vmminfo-cpuid-cpu$cpu" "$([ "$n" -ge $probe ] || echo "CPUID count $n on cpu $cpu after $probe probes")"
done
check vmminfo-names "$(info_names_why "$info"; [ "$(info_count "$info" 0 VMCALL)" -gt 0 ] ||
	echo "no VMCALL count on cpu0, which made the hypercalls")"
check vmminfo-footprint "$(info_footprint_why "$info" "$log")"
check vmminfo-log "$(info_ring_why "$info" "$log" "[INFO cpu0 vmminfo] ")"
if grep -qa '^log lost_bytes=' <<<"$info"; then
	echo "    (the ring dropped early lines: not looking for the seal line)"
else
	check vmminfo-log-sealed "$(grep -qa '^log \[INFO cpu0 hcall\] launch sealed' <<<"$info" ||
		echo "the ring holds no 'launch sealed' line although it lost nothing")"
fi
errors=$(grep -aE '^\[ERROR cpu[0-9]+ |VMM halted' "$log"; grep -aE '^(stats|log|footprint) error' <<<"$info")
check vmminfo-no-error "$(head -n 1 <<<"$errors")"
[ $fails -eq 0 ] || { echo "--- last 20 lines of $log"; tail -n 20 "$log" | sed 's/^/    /'; }

# ---- bench --------------------------------------------------------------
before=$fails
printf '%s\n' '# tests/boot/test-bochs-tools.sh: bench' 'image = \EFI\pillbox\bench.efi' \
	'log_level = info' >"$cfg"
boot bench "$(esp_with_cfg "$cfg")" 'bench\] bench done|VMM halted' --cpus 1
b='^\[INFO cpu0 bench\] BENCH '
expect "$log" bench-mode "${b}mode=pillbox cpu=.+ tsc_overhead=[0-9]+\$"
num='[0-9]+\.[0-9]'
for c in cpuid vmcall rdmsr-3a xsetbv invd xapic-eoi mov-cr4 nop rdtsc rdmsr-1b load inb-61 wbinvd; do
	expect "$log" "bench-$c" "${b}$c min=$num median=$num n=[0-9]+ exits=[0-9]+\.[0-9][0-9]( reason=[A-Z_]+ vmm_mean=[0-9]+)?\$"
done
# Exits per instruction as the VMM counted them (guest/bench.c).
for c in cpuid:CPUID vmcall:VMCALL rdmsr-3a:RDMSR xsetbv:XSETBV; do
	expect "$log" "bench-${c%:*}-exits" "${b}${c%:*} .* exits=1\.00 reason=${c#*:} vmm_mean=[0-9]+\$"
done
for c in nop rdtsc load; do
	expect "$log" "bench-$c-no-exit" "${b}$c .* exits=0\.00\$"
done
expect "$log" bench-done '^\[INFO cpu0 bench\] bench done$'
[ $fails -eq $before ] || { echo "--- last 30 lines of $log"; tail -n 30 "$log" | sed 's/^/    /'; }
exit $((fails > 0))
