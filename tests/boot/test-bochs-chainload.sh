#!/usr/bin/env bash
# Boot test: the next image is looked up on every volume. The loader's ESP
# holds no guest program; a second disk holds the self-test under a path
# that only it has. Then the same with a path that no volume has: the
# loader says so and the firmware goes on. One PASS/FAIL line each.
set -u
cd "$(dirname "$0")/../.."
[ -f build/esp/EFI/BOOT/BOOTX64.EFI ] || { echo "FAIL bochs-chainload-build: build/esp is not built (make all)"; exit 1; }
mkdir -p build/test-logs
fails=0
expect() { # log, name, regex
	if grep -qaE -- "$3" "$1"; then
		echo "PASS bochs-chainload-$2"
	else
		echo "FAIL bochs-chainload-$2: serial log has no line matching /$3/"
		fails=$((fails + 1))
	fi
}
run() { # name, image path, marker, [disk2]
	local esp log
	esp=$(mktemp -d /tmp/pillbox-chain-esp.XXXXXX)
	mkdir -p "$esp/EFI/BOOT"
	cp build/esp/EFI/BOOT/BOOTX64.EFI "$esp/EFI/BOOT/"
	printf 'image = %s\nlog_level = info\n' "$2" > "$esp/EFI/BOOT/pillbox.cfg"
	log=build/test-logs/bochs-chainload-$1.serial.txt
	tests/boot/bochs-run.sh --esp "$esp" ${4:+--disk2 "$4"} --serial "$log" \
		--marker "$3" --timeout 300
	local rc=$?
	rm -rf "$esp"
	tr -d '\r' < "$log" > "$log.tmp" && mv "$log.tmp" "$log"
	[ $rc -eq 0 ] || { echo "FAIL bochs-chainload-$1-run: no final marker (rc $rc)"; fails=$((fails + 1)); }
}

other=$(mktemp -d /tmp/pillbox-chain-other.XXXXXX)
mkdir -p "$other/EFI/other"
cp build/esp/EFI/pillbox/selftest.efi "$other/EFI/other/selftest.efi"
run other-volume '\EFI\other\selftest.efi' 'selftest\] selftest done|VMM halted|cannot load' "$other"
rm -rf "$other"
log=build/test-logs/bochs-chainload-other-volume.serial.txt
expect "$log" other-volume-found '^\[INFO cpu0 boot\] \\EFI\\other\\selftest.efi is not on the loader.s volume: found on file system [0-9]+ of [0-9]+'
expect "$log" other-volume-started '^\[INFO cpu0 boot\] starting next image \\EFI\\other\\selftest.efi'
expect "$log" other-volume-selftest '^\[INFO cpu0 selftest\] summary: pass=[0-9]+ fail=0$'

run missing '\EFI\nowhere\none.efi' 'cannot load next image|VMM halted'
log=build/test-logs/bochs-chainload-missing.serial.txt
expect "$log" missing-reported '^\[ERROR cpu0 boot\] cannot load next image \\EFI\\nowhere\\none.efi \(EFI status [0-9a-f]+: no file system holds it\)'
expect "$log" missing-hypervisor-stays '^\[INFO cpu0 boot\] guest resumed in VMX non-root operation'
[ $fails -eq 0 ] || { echo "--- last 20 lines of $log"; tail -n 20 "$log" | sed 's/^/    /'; }
exit $((fails > 0))
