#!/usr/bin/env bash
# Boots a folder as an ATA FAT disk (vvfat) in Bochs with OVMF and watches
# COM1. Ends Bochs (by its own process id) as soon as a whole line of the
# serial log matches the final marker (grep -E): the last line the test
# expects, or a failure line. The timeout is only the backstop.
#
#   bochs-run.sh --esp DIR [--disk2 DIR] [--cpus N] [--model M] [--serial FILE]
#                [--marker REGEX] [--timeout SECONDS] [--show] [--memory MB] [--ips N]
# --disk2 adds a second FAT disk (ATA primary slave), as a second volume;
# --ips sets Bochs's instructions per emulated second (BOCHS_IPS, 200000000).
# Exit: 0 marker seen, 2 Bochs ended before the marker, 124 timeout.
# With BOCHS_TIMES=FILE it appends "<seconds waited for the lock> <seconds
# run> <model> <cpus>" to FILE (tests/run-all.sh sums them per script).
set -u
esp="" disk2="" cpus=1 model=corei7_skylake_x serial="" marker="" timeout=900 show=0 mem=512
ips=${BOCHS_IPS:-200000000}
while [ $# -gt 0 ]; do
	case "$1" in
	--esp) esp=$2; shift ;;
	--disk2) disk2=$2; shift ;;
	--cpus) cpus=$2; shift ;;
	--model) model=$2; shift ;;
	--serial) serial=$2; shift ;;
	--marker) marker=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--memory) mem=$2; shift ;;
	--ips) ips=$2; shift ;;
	--show) show=1 ;;
	*) echo "bochs-run.sh: unknown argument $1" >&2; exit 64 ;;
	esac
	shift
done
[ -d "$esp" ] || { echo "bochs-run.sh: --esp folder '$esp' not found" >&2; exit 64; }
ovmf=/usr/share/ovmf/OVMF.fd
[ -f "$ovmf" ] || { echo "bochs-run.sh: $ovmf missing (apt-get install ovmf)" >&2; exit 64; }
vgabios=/usr/share/vgabios/vgabios.bin
[ -f "$vgabios" ] || { echo "bochs-run.sh: $vgabios missing (apt-get install vgabios)" >&2; exit 64; }
bochs=$("$(dirname "$0")/bochs-bin.sh") || exit 64

# One Bochs at a time on this machine (each takes a whole core, and boot
# tests are timed by their markers): later runs wait here for the lock.
exec 9>/tmp/pillbox-bochs.lock
waited=$SECONDS
flock 9
waited=$((SECONDS - waited)) started=$SECONDS

work=$(mktemp -d /tmp/pillbox-bochs.XXXXXX)
# vvfat may write into the folder it serves: give it a private copy.
cp -r "$esp" "$work/esp"
[ -z "$disk2" ] || cp -r "$disk2" "$work/disk2"
[ -n "$serial" ] || serial="$work/serial.txt"
: > "$serial"
serial=$(realpath "$serial")   # Bochs runs in $work
# make deps's own build (tests/boot/build-bochs.sh) has no GUI, sound or
# debugger: display nogui, and no speaker or sound lines (Bochs panics on
# them). Debian 13's package has all three but no nogui: display rfb, sound
# off, and -rc with "c", or its debugger waits for a command at the first
# instruction. Its "--help" lists -rc; ours does not.
display="display_library: nogui" extra="" dbg_args=()
if "$bochs" --help 2>&1 | grep -q -- '^ *-rc '; then
	display='display_library: rfb, options="timeout=0"'
	extra=$'speaker: enabled=0\nsound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy'
	echo c > "$work/dbg"
	dbg_args=(-rc "$work/dbg")
fi
cat > "$work/bochsrc" <<RC
romimage: file=$ovmf, address=0xffe00000
vgaromimage: file=$vgabios
cpu: model=$model, count=$cpus, ips=$ips, reset_on_triple_fault=0, ignore_bad_msrs=1
memory: guest=$mem, host=$mem
pci: enabled=1, chipset=i440fx
$display
com1: enabled=1, mode=file, dev=$serial
log: $work/bochs.log
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
port_e9_hack: enabled=1
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-master: type=disk, path=$work/esp, mode=vvfat, journal=$work/vvfat.redolog
boot: disk
RC
[ -z "$disk2" ] || echo "ata0-slave: type=disk, path=$work/disk2, mode=vvfat, journal=$work/vvfat2.redolog" >> "$work/bochsrc"
[ -z "$extra" ] || echo "$extra" >> "$work/bochsrc"

# Bochs never outlives this script: it is stopped on every way out, and
# its own timeout ends it should this script be killed outright.
(cd "$work" && exec timeout -k 10 $((timeout + 30)) "$bochs" -q -f "$work/bochsrc" "${dbg_args[@]}" \
	</dev/null >"$work/bochs.out" 2>&1) &
pid=$!
# TERM first; a Bochs that ignores it (seen after a guest reset) is killed.
stop_bochs() {
	kill "$pid" 2>/dev/null || return 0
	for _ in 1 2 3 4 5; do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 1
	done
	pkill -KILL -P "$pid" 2>/dev/null
	kill -KILL "$pid" 2>/dev/null
}
trap stop_bochs EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
tailpid=""
if [ "$show" = 1 ]; then
	tail -n +1 -f "$serial" & tailpid=$!
fi

# The serial log up to its last newline: Bochs writes it a byte at a time,
# and a marker that matched the start of a line being written would stop
# Bochs before the rest of it (which the test checks) is there.
whole_lines() {
	local n
	n=$(stat -c %s "$serial")
	[ "$n" -gt 0 ] || return 0
	if [ "$(tail -c +"$n" "$serial" | head -c 1 | od -An -tx1)" = " 0a" ]; then
		head -c "$n" "$serial"
	else
		head -c "$n" "$serial" | sed '$d'
	fi
}

rc=124
deadline=$((SECONDS + timeout))
while [ $SECONDS -lt $deadline ]; do
	if [ -n "$marker" ] && whole_lines | grep -qaE "$marker"; then
		rc=0
		break
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		rc=2
		break
	fi
	sleep 1
done
stop_bochs
wait "$pid" 2>/dev/null
[ -n "$tailpid" ] && { sleep 1; kill "$tailpid" 2>/dev/null; }
case $rc in
0) ;;
2) echo "bochs-run.sh: Bochs ended before the marker; last lines of its log:" >&2
   # No log when Bochs refused its bochsrc: then its reason is on stdout.
   # Its panic (the cause) comes first: the CPU dump that follows it is
   # longer than the tail.
   if [ -f "$work/bochs.log" ]; then
	grep -a '>>PANIC<<' "$work/bochs.log" | head -n 5
	tail -n 15 "$work/bochs.log"
   else grep -a '>>PANIC<<' "$work/bochs.out"; fi >&2 ;;
124) echo "bochs-run.sh: no marker after ${timeout}s (backstop timeout)" >&2
     tail -n 5 "$work/bochs.log" >&2 ;;
esac
[ -n "${KEEP_BOCHS_WORK:-}" ] || rm -rf "$work"
[ -z "${BOCHS_TIMES:-}" ] || echo "$waited $((SECONDS - started)) $model $cpus" >>"$BOCHS_TIMES"
exit $rc
