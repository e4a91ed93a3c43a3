#!/usr/bin/env bash
# Boots the ESP in QEMU (TCG, no VT-x) with OVMF on two CPUs the loader
# must refuse, and checks that it says why and that the firmware goes on
# to its next boot option:
#   not-intel  the default QEMU CPU (vendor AuthenticAMD under TCG):
#              "[ERROR cpu0 boot] refused: not an Intel CPU"
#   no-vmx     -cpu qemu64,vendor=GenuineIntel,-vmx:
#              "[ERROR cpu0 boot] refused: the CPU reports no VMX"
# "Goes on" means OVMF's boot manager, after the refusal, prints
#   BdsDxe: failed to start Boot#### ...: <status>   (the loader's option)
#   BdsDxe: loading Boot$$$$ ... / BdsDxe: starting Boot$$$$ ...
# for a different option (with the default OVMF set-up the EFI shell).
# QEMU is stopped (by its own process id) as soon as these lines are in
# the serial log; the timeout is only the backstop.
#
#   test-qemu-refusal.sh [--esp DIR] [--timeout SECONDS]
# Prints one "PASS qemu-refusal-<case>" or "FAIL qemu-refusal-<case>: why"
# line per case. Exit: 0 both passed, 1 otherwise, 64 bad usage.
# KEEP_QEMU_WORK=1 keeps the work folder (serial logs, disk image).
set -u

esp=build/esp
timeout=120
while [ $# -gt 0 ]; do
	case "$1" in
	--esp) esp=${2:?--esp needs a folder}; shift ;;
	--timeout) timeout=${2:?--timeout needs seconds}; shift ;;
	*) echo "test-qemu-refusal.sh: unknown argument $1" >&2; exit 64 ;;
	esac
	shift
done

CASES="not-intel no-vmx"
LOADER_ID="[ERROR cpu0 boot]"

work=""
qemu_pid=""
cleanup() {
	if [ -n "$qemu_pid" ]; then
		kill "$qemu_pid" 2>/dev/null
		wait "$qemu_pid" 2>/dev/null
		qemu_pid=""
	fi
	if [ -n "$work" ] && [ -z "${KEEP_QEMU_WORK:-}" ]; then
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

fail_all() {
	for c in $CASES; do
		echo "FAIL qemu-refusal-$c: $1"
	done
	exit 1
}

# ---- prerequisites ------------------------------------------------------
for tool in qemu-system-x86_64 mkfs.vfat mmd mcopy; do
	command -v "$tool" >/dev/null 2>&1 ||
		fail_all "$tool not found (make deps installs qemu-system-x86, dosfstools, mtools)"
done
[ -d "$esp" ] || fail_all "ESP folder '$esp' not found (make all builds it)"
[ -f "$esp/EFI/BOOT/BOOTX64.EFI" ] || fail_all "no loader at $esp/EFI/BOOT/BOOTX64.EFI"

# Firmware: split code (read-only) + a private copy of the variable store;
# else the unified image as -bios.
ovmf_code=/usr/share/OVMF/OVMF_CODE.fd
ovmf_vars=/usr/share/OVMF/OVMF_VARS.fd
ovmf_bios=/usr/share/ovmf/OVMF.fd
if [ -f "$ovmf_code" ] && [ -f "$ovmf_vars" ]; then
	firmware=pflash
elif [ -f "$ovmf_bios" ]; then
	firmware=bios
else
	fail_all "no OVMF firmware in /usr/share/OVMF or /usr/share/ovmf (apt-get install ovmf)"
fi

work=$(mktemp -d /tmp/pillbox-qemu.XXXXXX) || fail_all "mktemp failed"

# ---- the ESP as a FAT disk image ------------------------------------------
# Sparse; FAT16 (mkfs.vfat picks it for this size), big enough for any ESP
# contents with room to spare.
esp_kib=$(du -sk "$esp" | cut -f1)
img_kib=$((esp_kib * 2 + 32768))
[ "$img_kib" -ge 65536 ] || img_kib=65536
img="$work/esp.img"
export MTOOLS_SKIP_CHECK=1
if ! mkfs.vfat -C -n PILLBOX "$img" "$img_kib" >"$work/mkfs.log" 2>&1; then
	fail_all "mkfs.vfat failed: $(tail -n 1 "$work/mkfs.log")"
fi
shopt -s nullglob dotglob
entries=("$esp"/*)
shopt -u nullglob dotglob
if ! mcopy -s -Q -i "$img" "${entries[@]}" ::/ >"$work/mcopy.log" 2>&1; then
	fail_all "mcopy of $esp into the FAT image failed: $(tail -n 1 "$work/mcopy.log")"
fi

# ---- one QEMU run -------------------------------------------------------
# Serial log without CRs and terminal escapes, for matching and showing.
clean_log() {
	tr -d '\r' <"$1" | sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g'
}

# check_log SERIAL EXPECTED: did the loader refuse with EXPECTED (after its
# "[ERROR cpu0 boot] " prefix) and the firmware then go on to another boot
# option? Prints "ok" or a reason. Exit: 0 yes, 1 no and the firmware has
# moved on already (the answer is final), 2 not yet.
check_log() {
	clean_log "$1" | awk -v want="$LOADER_ID $2" -v id="$LOADER_ID" '
	function bootnum(s) {
		if (match(s, /Boot[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]/))
			return substr(s, RSTART + 4, 4)
		return ""
	}
	# The firmware has moved on (the answer is final): before the expected
	# refusal, any BdsDxe line once the loader ran; after it, only the
	# next option being loaded (below) or the shell.
	!refused && loader_ran && index($0, "BdsDxe: ") { moved_on = 1 }
	index($0, "UEFI Interactive Shell") { moved_on = 1 }
	index($0, " cpu0 boot] ") { loader_ran = 1 }
	{
		if (!refused) {
			if (index($0, "BdsDxe: starting Boot"))
				current = bootnum(substr($0, index($0, "BdsDxe: starting Boot")))
			if (index($0, want)) {
				refused = 1
				loader_opt = current
				moved_on = 0
			} else if (other == "" && index($0, id " refused:")) {
				other = substr($0, index($0, id " refused:"))
			}
			next
		}
		p = index($0, "BdsDxe: failed to start Boot")
		if (p && !returned) {
			s = substr($0, p)
			if (loader_opt == "" || bootnum(s) == loader_opt) {
				returned = 1
				n = split(s, parts, ": ")
				status = parts[n]
			}
			next
		}
		if (returned && !next_opt) {
			p = index($0, "BdsDxe: loading Boot")
			if (!p)
				p = index($0, "BdsDxe: starting Boot")
			b = p ? bootnum(substr($0, p)) : ""
			if (b != "" && b != loader_opt)
				next_opt = 1
		}
		# (a line still being written has no option number yet)
		p = index($0, "BdsDxe: loading Boot")
		if (!p)
			p = index($0, "BdsDxe: starting Boot")
		if (p && bootnum(substr($0, p)) != "")
			moved_on = 1
	}
	END {
		final = moved_on ? 1 : 2
		if (!refused) {
			if (other != "")
				print "the loader refused for another reason: \"" other "\""
			else if (loader_ran)
				print "no \"" want "\" line in the serial log"
			else
				print "the loader did not run (no \"cpu0 boot\" log line)"
			exit final
		}
		if (loader_opt == "") {
			print "no \"BdsDxe: starting Boot####\" before the refusal (was the loader started by the boot manager?)"
			exit final
		}
		if (!returned) {
			print "after the refusal no \"BdsDxe: failed to start Boot" loader_opt "\": the loader did not return an error to the firmware"
			exit final
		}
		if (!next_opt) {
			print "the loader returned (" status ") but the firmware did not go on to another boot option"
			exit final
		}
		print "ok"
	}'
}

# run_case NAME EXPECTED [QEMU CPU ARGS...]
run_case() {
	local name=$1 expected=$2
	shift 2
	local dir="$work/$name" reason="" result rc deadline
	local -a fw

	mkdir -p "$dir"
	local serial="$dir/serial.txt"
	: >"$serial"
	cp --sparse=always "$img" "$dir/esp.img"
	if [ "$firmware" = pflash ]; then
		cp "$ovmf_vars" "$dir/vars.fd"
		fw=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$ovmf_code"
		    -drive "if=pflash,format=raw,unit=1,file=$dir/vars.fd")
	else
		fw=(-bios "$ovmf_bios")
	fi

	(exec qemu-system-x86_64 -machine q35 -accel tcg -m 512 "$@" \
		"${fw[@]}" \
		-drive "file=$dir/esp.img,format=raw,if=virtio" \
		-display none -monitor none -net none -no-reboot \
		-serial "file:$serial" \
		</dev/null >"$dir/qemu.out" 2>&1) &
	qemu_pid=$!

	deadline=$((SECONDS + timeout))
	result=""
	while :; do
		result=$(check_log "$serial" "$expected")
		case $? in
		0) break ;;
		1) reason="$result"; break ;;
		esac
		if ! kill -0 "$qemu_pid" 2>/dev/null; then
			wait "$qemu_pid" 2>/dev/null
			rc=$?
			qemu_pid=""
			# it may have written the last lines just before ending
			result=$(check_log "$serial" "$expected") && break
			reason="QEMU ended (status $rc) before the expected lines: $result"
			local err
			err=$(grep -v '^$' "$dir/qemu.out" | tail -n 3 | tr '\n' ' ')
			[ -n "$err" ] && reason="$reason; QEMU said: $err"
			break
		fi
		if [ $SECONDS -ge $deadline ]; then
			reason="no result after ${timeout}s (backstop timeout): $result"
			break
		fi
		sleep 0.5
	done
	if [ -n "$qemu_pid" ]; then
		kill "$qemu_pid" 2>/dev/null
		wait "$qemu_pid" 2>/dev/null
		qemu_pid=""
	fi

	if [ -z "$reason" ]; then
		echo "PASS qemu-refusal-$name"
		return 0
	fi
	echo "FAIL qemu-refusal-$name: $reason"
	echo "    last 20 lines of the serial log ($name):"
	if [ -s "$serial" ]; then
		# awk: the last line may lack its newline (QEMU killed mid-line)
		clean_log "$serial" | tail -n 20 | awk '{ print "    | " $0 }'
	else
		echo "    | (empty)"
	fi
	return 1
}

failed=0
run_case not-intel "refused: not an Intel CPU" || failed=1
run_case no-vmx "refused: the CPU reports no VMX" \
	-cpu qemu64,vendor=GenuineIntel,-vmx || failed=1
exit $failed
