#!/usr/bin/env bash
# make bench: what living under Pillbox costs, side by side with running
# bare, in one run, in Bochs (docs/performance.md). Prints figures, never
# PASS/FAIL, and writes the same report to build/bench/report.txt.
#
#  1. guest/bench.efi under Pillbox (the loader's chainloaded image) and
#     bare (as \EFI\BOOT\BOOTX64.EFI itself), 1 CPU, the same Bochs
#     settings: ticks per instruction, min and median, and under/bare;
#  2. Linux boot (tests/boot/test-bochs-linux.sh, runs "pillbox" and
#     "baseline", 2 CPUs): wall seconds from the firmware's first serial
#     byte to the kernel's first line and to the userspace marker, and the
#     TSC (Bochs ticks from power-on) at the first EFI program, just before
#     the kernel is loaded (LINUX_VIA_ACPI: bochs-acpi.efi loads it in both
#     runs) and at the userspace marker, with and without Pillbox;
#  3. exits by reason for the whole Linux boot (pillbox-info stats at the
#     userspace marker) and for an idle phase (`pillbox-info idle
#     BENCH_IDLE` at the end of /init: the exits while it sleeps, default
#     3 s: guest time runs 60 to 80 times slower than wall time in this
#     Bochs, so a guest minute would take over an hour), per second;
#  4. footprint: HC_FOOTPRINT (pillbox-info footprint) and the VMM's own
#     footprint and EPT lines, for the Linux boot (2 CPUs, 512 MiB) and for
#     a 1-CPU guest of BENCH_BIG_MEMORY MiB (guest/vmminfo.efi; 2048, the
#     most Bochs accepts, 2.7 and 3.0 alike: "memory: host=" 1 to 2048).
#
# Environment: BENCH_IDLE (s, 3), BENCH_BIG_MEMORY (MiB, 2048; 0 skips
# that boot), BENCH_PARTS ("efi linux big", the default: which parts run;
# a part not run is read from the logs of the last run, if any),
# BENCH_LINUX_TIMEOUT (s, 1500).
set -u
cd "$(dirname "$0")/../.."
out=build/bench
mkdir -p "$out"
idle=${BENCH_IDLE:-3}
big=${BENCH_BIG_MEMORY:-2048}
parts=${BENCH_PARTS-efi linux big}
report=$out/report.txt
[ -f build/esp/EFI/pillbox/bench.efi ] || { echo "bench: build/esp is not built (make all)" >&2; exit 1; }

note() { echo "bench: $*" >&2; }
has_part() { [[ " $parts " == *" $1 "* ]]; }

# ---- runs ---------------------------------------------------------------
# efi_boot NAME ESP MARKER [bochs-run.sh options]: serial log in
# $out/NAME.serial.txt without CR; removes ESP.
efi_boot() {
	local name=$1 esp=$2 marker=$3 rc
	shift 3
	note "booting $name"
	tests/boot/bochs-run.sh --esp "$esp" --serial "$out/$name.serial.txt" --marker "$marker" \
		--timeout 600 "$@" >"$out/$name.bochs.txt" 2>&1
	rc=$?
	rm -rf "$esp"
	tr -d '\r' <"$out/$name.serial.txt" >"$out/$name.tmp" && mv "$out/$name.tmp" "$out/$name.serial.txt"
	[ $rc -eq 0 ] || note "$name: no end marker (bochs-run.sh status $rc; $out/$name.bochs.txt)"
}

# esp_cfg IMAGE ARGS: a copy of build/esp whose loader starts IMAGE.
esp_cfg() {
	local esp
	esp=$(mktemp -d /tmp/pillbox-bench-esp.XXXXXX)
	cp -r build/esp/. "$esp/"
	printf '%s\r\n' '# make bench (tests/bench/bench.sh)' "image = $1" "args = $2" 'log_level = info' \
		>"$esp/EFI/BOOT/pillbox.cfg"
	echo "$esp"
}

if has_part efi; then
	efi_boot bench-pillbox "$(esp_cfg '\EFI\pillbox\bench.efi' '')" 'bench\] bench done|VMM halted' --cpus 1
	esp=$(mktemp -d /tmp/pillbox-bench-esp.XXXXXX)
	mkdir -p "$esp/EFI/BOOT"
	cp build/esp/EFI/pillbox/bench.efi "$esp/EFI/BOOT/BOOTX64.EFI"
	efi_boot bench-bare "$esp" 'bench\] bench done' --cpus 1
fi
if has_part big && [ "$big" != 0 ]; then
	efi_boot vmminfo-big "$(esp_cfg '\EFI\pillbox\vmminfo.efi' '')" 'vmminfo\] vmminfo done|VMM halted' \
		--cpus 1 --memory "$big"
fi
if has_part linux; then
	note "booting Linux under Pillbox (with ${idle} s idle), then bare: about 10 minutes"
	LINUX_RUNS="pillbox baseline" LINUX_IDLE=$idle LINUX_VIA_ACPI=1 LINUX_TIMEOUT=${BENCH_LINUX_TIMEOUT:-1500} \
		bash tests/boot/test-bochs-linux.sh >"$out/linux.txt" 2>&1
fi

# ---- figures ------------------------------------------------------------
lp=build/test-logs/bochs-linux-pillbox.serial.txt
lb=build/test-logs/bochs-linux-baseline.serial.txt

# bench_field LOG CASE KEY: KEY=value of that case's BENCH line.
bench_field() {
	sed -nE "s/^\[INFO cpu0 bench\] BENCH $2( .*)? $3=([^ ]+).*/\2/p" "$1" 2>/dev/null | head -n 1
}
bench_na() { sed -nE "s/^\[INFO cpu0 bench\] BENCH $2 n\/a (.*)/\1/p" "$1" 2>/dev/null | head -n 1; }
ms() { awk -v n="$2" '$2 == n { v = $1 } END { if (v != "") print v }' "build/linux/$1.times" 2>/dev/null; }
# tsc_of LOG PREFIX [SUFFIX]: N of the first line "PREFIXN SUFFIX...".
tsc_of() { sed -nE "s/^$2([0-9]+)${3:+ $3}.*/\1/p" "$1" 2>/dev/null | head -n 1; }
# A ratio a/b and a difference, or "-".
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%.3f", a / b }'; }
# pct A B: A over B in percent, signed.
pct() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b + 0 == 0) print "-"; else printf "%+.2f%%", (a / b - 1) * 100 }'; }
# stats_of LOG TAG: pillbox-info's stats lines of that tag.
stats_of() { sed -n "s/^pillbox-info $2: //p" "$1" 2>/dev/null; }
# Sum over CPUs, per reason: "reason name count cycles".
by_reason() {
	awk '$3 ~ /^reason=/ { split($3, r, "="); split($4, n, "="); split($5, c, "="); split($6, y, "=");
		k = r[2]; name[k] = n[2]; cnt[k] += c[2]; cyc[k] += y[2] }
		END { for (k in cnt) print k, name[k], cnt[k], cyc[k] }' | sort -n
}

{
echo "Pillbox make bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -n)"
bochs=$(tests/boot/bochs-bin.sh 2>/dev/null)
echo "host: $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores; Bochs $(
	"${bochs:-false}" --help 2>&1 | sed -n 's/.*Bochs x86 Emulator \([^ ]*\).*/\1/p' | head -n 1) (${bochs:-none})"
echo "guest: Bochs model ${BOCHS_MODEL:-corei7_skylake_x}, $(sed -nE 's/^\[INFO cpu0 bench\] BENCH mode=pillbox cpu=(.*) tsc_overhead=.*/\1/p' "$out/bench-pillbox.serial.txt" 2>/dev/null)"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo ' (tree with local changes)')"
echo
echo "1. Instructions (guest/bench.efi, 1 CPU): TSC ticks per instruction, min / median;"
echo "   in Bochs a tick is about one emulated instruction. exits: VM exits per"
echo "   instruction, vmm: mean ticks the VMM spent handling one (HC_EXIT_STATS)."
printf '   %-10s %-15s %7s %17s %15s %9s %9s %6s\n' case "exit reason" exits "under (min/med)" "bare (min/med)" under/bare "+ticks" vmm
for c in cpuid vmcall rdmsr-3a xsetbv invd xapic-eoi mov-cr4 nop rdtsc rdmsr-1b load inb-61 wbinvd; do
	p=$out/bench-pillbox.serial.txt b=$out/bench-bare.serial.txt bc=$c
	[ "$c" = invd ] && bc=wbinvd # INVD is not run bare: Pillbox executes it as WBINVD
	um=$(bench_field "$p" $c min) ud=$(bench_field "$p" $c median)
	bm=$(bench_field "$b" $bc min) bd=$(bench_field "$b" $bc median)
	bare="${bm:--}/${bd:--}"
	[ -n "$bd" ] || bare="n/a"
	[ "$bc" = "$c" ] || bare="$bare (wbinvd)"
	printf '   %-10s %-15s %7s %17s %15s %9s %9s %6s\n' "$c" "$(bench_field "$p" $c reason)" \
		"$(bench_field "$p" $c exits)" "${um:--}/${ud:--}" "$bare" "$(ratio "$ud" "$bd")" \
		"$(awk -v a="$ud" -v b="$bd" 'BEGIN { if (a == "" || b == "") print "-"; else printf "%+.1f", a - b }')" \
		"$(bench_field "$p" $c vmm_mean)"
done
for c in vmcall invd; do
	why=$(bench_na "$out/bench-bare.serial.txt" $c)
	[ -z "$why" ] || echo "   $c bare: n/a $why"
done
echo
echo "2. Linux boot (Debian kernel + busybox initramfs, 2 CPUs, 512 MiB; tests/boot/test-bochs-linux.sh)"
echo "   wall seconds from the firmware's first serial byte; TSC = Bochs ticks from power-on"
printf '   %-34s %14s %14s %10s\n' "" "under Pillbox" bare under/bare
row() { printf '   %-34s %14s %14s %10s\n' "$1" "${2:--}" "${3:--}" "$(ratio "$2" "$3")"; }
wall_to() { awk -v a="$(ms "$1" serial)" -v b="$(ms "$1" "$2")" 'BEGIN { if (a != "" && b != "") printf "%.1f", b - a }'; }
row "wall: kernel's first line" "$(wall_to pillbox kernel)" "$(wall_to baseline kernel)"
row "wall: userspace marker" "$(wall_to pillbox userspace)" "$(wall_to baseline userspace)"
tp=$(tsc_of "$lp" 'pillbox-linux: userspace marker: tsc=') tb=$(tsc_of "$lb" 'pillbox-linux: userspace marker: tsc=')
ap=$(tsc_of "$lp" 'bochs-acpi: tsc=' 'at start') ab=$(tsc_of "$lb" 'bochs-acpi: tsc=' 'at start')
# bochs-acpi.efi prints the TSC before it loads the kernel: bare it starts
# the kernel itself, under Pillbox the loader starts it again for that.
kp=$(tsc_of "$lp" 'bochs-acpi: tsc=' 'loading \\vmlinuz') kb=$(tsc_of "$lb" 'bochs-acpi: tsc=' 'loading \\vmlinuz')
diff_of() { [ -n "$1" ] && [ -n "$2" ] && echo $(($1 - $2)); }
row "ticks: first EFI program (firmware)" "$ap" "$ab"
row "ticks: kernel load starts" "$kp" "$kb"
row "ticks: userspace marker" "$tp" "$tb"
row "ticks: first EFI program to kernel" "$(diff_of "$kp" "$ap")" "$(diff_of "$kb" "$ab")"
row "ticks: kernel load to marker" "$(diff_of "$tp" "$kp")" "$(diff_of "$tb" "$kb")"
echo "   Linux boot to the userspace marker under Pillbox: $(pct "$tp" "$tb") ticks, $(pct "$(wall_to pillbox userspace)" "$(wall_to baseline userspace)") wall"
[ -f "$out/linux.txt" ] && grep -q '^FAIL' "$out/linux.txt" &&
	echo "   (the Linux harness reported failures: $out/linux.txt)"
echo
boot_stats=$(stats_of "$lp" boot)
boot_exits=$(awk '$4 ~ /^exits=/ { split($4, a, "="); s += a[2] } END { print s + 0 }' <<<"$boot_stats")
echo "3. VM exits (pillbox-info stats; both CPUs summed; mean = VMM ticks per exit)"
echo "   whole Linux boot, from the launch (in the loader) to the userspace marker: $boot_exits exits"
by_reason <<<"$boot_stats" | awk '{ printf "     %3d %-16s %8d  mean %6d\n", $1, $2, $3, ($3 ? $4 / $3 : 0) }'
idle_lines=$(stats_of "$lp" idle)
idle_head=$(grep '^idle seconds=' <<<"$idle_lines")
secs=$(sed -nE 's/.* elapsed_ms=([0-9]+) .*/\1/p' <<<"$idle_head" | awk '{ if ($1 > 0) printf "%.3f", $1 / 1000 }')
echo "   idle, after the checks: ${idle_head:-no idle phase in the log} (pillbox-info idle; includes its second reading's VMCALLs, one per CPU)"
idle_rate=-
if [ -n "$secs" ]; then
	idle_table=$(by_reason <<<"$idle_lines" |
		awk -v s="$secs" '{ t += $3; printf "     %3d %-16s %8d  %8.1f/s  mean %6d\n", $1, $2, $3, $3 / s, ($3 ? $4 / $3 : 0) }
		END { printf "     all                  %8d  %8.1f/s\n", t, t / s }')
	echo "$idle_table"
	idle_rate=$(tail -n 1 <<<"$idle_table" | awk '{ print $3 }')
fi
echo
echo "4. Footprint"
fp=$(stats_of "$lp" footprint | grep '^footprint ')
echo "   Linux boot, 2 CPUs, 512 MiB: ${fp:-no footprint line}"
grep -aoE '^\[INFO cpu0 (core|ept)\] (footprint|EPT built): .*' "$lp" 2>/dev/null | sed 's/^/     /'
if [ "$big" != 0 ]; then
	echo "   1 CPU, $big MiB: $(sed -n 's/^\[INFO cpu0 vmminfo\] \(footprint .*\)/\1/p' "$out/vmminfo-big.serial.txt" 2>/dev/null | head -n 1)"
	grep -aoE '^\[INFO cpu0 (core|ept|boot)\] (footprint|EPT built|VMM region).*' "$out/vmminfo-big.serial.txt" 2>/dev/null |
		sed 's/^/     /'
fi
echo
echo "Goals (docs/performance.md): measured"
cu=$(bench_field "$out/bench-pillbox.serial.txt" cpuid median) cb=$(bench_field "$out/bench-bare.serial.txt" cpuid median)
echo "   CPUID round trip within 150 ticks of bare:  $(awk -v a="$cu" -v b="$cb" 'BEGIN { if (a != "" && b != "") printf "+%.1f ticks", a - b; else print "-" }')"
echo "   Linux boot within 3% of bare (ticks):       $(pct "$tp" "$tb")"
echo "   under 2,000 exits for a whole Linux boot:   $boot_exits"
echo "   under 100 exits per second idle:            $idle_rate"
res=$(sed -nE 's/.*reserved_bytes=([0-9]+) ept_bytes=([0-9]+) ept_pages=([0-9]+) per_cpu_bytes=([0-9]+).*/\1 \2 \3 \4/p' <<<"$fp")
read -r rb eb ep pc <<<"${res:-- - - -}"
echo "   at most 1 MiB + 64 KiB per CPU reserved:     $(awk -v r="$rb" 'BEGIN { if (r + 0) printf "%d KiB for 2 CPUs (limit 1152 KiB)", r / 1024; else print "-" }')"
bigfp=$(sed -nE 's/^\[INFO cpu0 vmminfo\] footprint reserved_bytes=[0-9]+ ept_bytes=([0-9]+) .*/\1/p' "$out/vmminfo-big.serial.txt" 2>/dev/null | head -n 1)
# The EPT map always covers [0, 4 GiB) and more (docs/architecture.md,
# "Memory"): its tables depend on the memory types and holes, not on the
# RAM size; Bochs cannot emulate a 4 GiB guest.
echo "   EPT tables (map of [0, 512 GiB)) at most 16 KiB: $(awk -v a="$bigfp" -v b="$eb" -v m="$big" 'BEGIN {
	if (b != "") printf "%d KiB (512 MiB guest)", b / 1024; if (a != "") printf ", %d KiB (%d MiB guest)", a / 1024, m;
	if (a == "" && b == "") print "-" }')"
} | tee "$report"
echo "report: $report" >&2
