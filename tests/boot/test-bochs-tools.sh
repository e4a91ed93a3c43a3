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

pass() { echo "PASS $TEST_STEM-$1"; }
check() { # name, condition (0 = true), why
	if [ "$2" -eq 0 ]; then pass "$1"; else fail "$1" "$3"; fi
}

# ---- vmminfo ------------------------------------------------------------
printf '%s\n' '# tests/boot/test-bochs-tools.sh: vmminfo' 'image = \EFI\pillbox\vmminfo.efi' \
	"args = probe=$probe" 'log_level = info' >"$cfg"
boot vmminfo "$(esp_with_cfg "$cfg")" 'vmminfo\] vmminfo done|VMM halted' --cpus 2
p='^\[INFO cpu0 vmminfo\] '
info=$(sed -n "s/$p//p" "$log")

# Footprint: the reserved bytes are the loader's VMM region.
region=$(grep -aoE '^\[INFO cpu0 boot\] VMM region [0-9a-f]+-[0-9a-f]+' "$log" | head -n 1)
region=${region##* }
fp=$(grep -aE '^footprint reserved_bytes=[1-9][0-9]* ept_bytes=[1-9][0-9]* ept_pages=[1-9][0-9]* per_cpu_bytes=[1-9][0-9]*$' <<<"$info")
reserved=$(sed -nE 's/^footprint reserved_bytes=([0-9]+) .*/\1/p' <<<"$fp")
if [ -z "$fp" ]; then
	fail vmminfo-footprint "no well-formed footprint line: $(grep -a '^footprint' <<<"$info" | head -n 1)"
elif [ -z "$region" ]; then
	fail vmminfo-footprint "the loader printed no 'VMM region <start>-<end>' line"
elif [ "$reserved" -ne $((16#${region#*-} - 16#${region%-*})) ]; then
	fail vmminfo-footprint "reserved_bytes=$reserved, but the loader's VMM region $region is $((16#${region#*-} - 16#${region%-*})) bytes"
else
	pass vmminfo-footprint
fi

expect "$log" vmminfo-probe "${p}probe cpuid=$probe ran_on=2 enabled_cpus=2\$"
expect "$log" vmminfo-cpus "${p}stats cpus=2\$"
for cpu in 0 1; do
	# The CPU's line, its reasons' counts summed, and its CPUID count. The
	# reading CPU's own VMCALL is counted in exits at entry and by reason
	# at the end: exits may exceed the sum by one.
	line=$(grep -aE "^stats cpu=$cpu apic=$cpu exits=[0-9]+ vmm_cycles=[0-9]+\$" <<<"$info")
	total=$(sed -nE 's/.* exits=([0-9]+) .*/\1/p' <<<"$line")
	sum=$(awk -v c="cpu=$cpu" '$2 == c && $3 ~ /^reason=/ { split($5, a, "="); s += a[2] } END { print s + 0 }' <<<"$info")
	cpuid=$(sed -nE "s/^stats cpu=$cpu reason=10 name=CPUID count=([0-9]+) cycles=[0-9]+ mean=[0-9]+\$/\1/p" <<<"$info")
	if [ -z "$line" ]; then
		fail "vmminfo-stats-cpu$cpu" "no line 'stats cpu=$cpu apic=$cpu exits=N vmm_cycles=N'"
	elif [ "$total" -lt "$sum" ] || [ "$total" -gt $((sum + 1)) ]; then
		fail "vmminfo-stats-cpu$cpu" "exits=$total, but the reasons sum to $sum"
	else
		pass "vmminfo-stats-cpu$cpu"
	fi
	if [ -n "$cpuid" ] && [ "$cpuid" -ge $probe ]; then
		pass "vmminfo-cpuid-cpu$cpu"
	else
		fail "vmminfo-cpuid-cpu$cpu" "CPUID count '${cpuid:-none}' on cpu $cpu after $probe probes"
	fi
done
# Names follow numbers (guest/exit_names.h); cpu0 made VMCALLs to read.
bad=$(grep -aE '^stats cpu=[0-9]+ reason=' <<<"$info" |
	awk '($3 == "reason=10") != ($4 == "name=CPUID") || ($3 == "reason=18") != ($4 == "name=VMCALL") || $4 == "name=unused"')
check vmminfo-names "$([ -z "$bad" ] && grep -qaE '^stats cpu=0 reason=18 name=VMCALL ' <<<"$info"; echo $?)" \
	"reason lines with a wrong name, or no VMCALL on cpu0: ${bad:-none}"

# The log ring: every line is one the VMM wrote on the serial port (a
# line cut at the log's 255 characters, a prefix of one).
ring=$(sed -n 's/^log //p' <<<"$info" | grep -avE '^(end bytes=|lost_bytes=)')
# Not vmminfo's own lines; a NUL the console left ends a line too.
serial=$(tr '\0' '\n' <"$log" | grep -av "$p" | grep -av '^log ')
cut=200 # a ring line this long may have been cut to the log's 256-byte line
missing=0 first=""
while IFS= read -r l; do
	[ -n "$l" ] || continue
	grep -qaF -x -- "$l" <<<"$serial" && continue
	[ ${#l} -ge $cut ] && L=$l awk 'index($0, ENVIRON["L"]) == 1 { f = 1; exit } END { exit !f }' <<<"$serial" &&
		continue
	missing=$((missing + 1))
	[ -n "$first" ] || first=$l
done <<<"$ring"
nring=$(grep -c . <<<"$ring")
if [ "$nring" -eq 0 ]; then
	fail vmminfo-log "no log ring lines"
elif [ $missing -ne 0 ]; then
	fail vmminfo-log "$missing of $nring ring lines are not on the serial port, first: $first"
else
	pass vmminfo-log
fi
expect "$log" vmminfo-log-end "${p}log end bytes=[1-9][0-9]* cursor=[1-9][0-9]*\$"
if grep -qa '^log lost_bytes=' <<<"$info"; then
	echo "    (ring dropped early lines: not checking for the seal line)"
else
	check vmminfo-log-sealed "$(grep -qa '^\[INFO cpu0 hcall\] launch sealed' <<<"$ring"; echo $?)" \
		"the ring holds no 'launch sealed' line although it lost nothing"
fi
errors=$(grep -aE '^\[ERROR cpu[0-9]+ |VMM halted' "$log"; grep -aE '^(stats|log|footprint) error' <<<"$info")
check vmminfo-no-error "$([ -z "$errors" ]; echo $?)" "$(head -n 1 <<<"$errors")"
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
