#!/usr/bin/env bash
# Boot test: the next image is looked up on every volume. The loader's ESP
# holds no guest program; a second disk holds the self-test under a path
# that only it has. Then the same with a path that no volume has: the
# loader says so and the firmware goes on. One PASS/FAIL line each.
set -u
cd "$(dirname "$0")/../.."
TEST_STEM=bochs-chainload
. tests/boot/lib.sh
[ -f build/esp/EFI/BOOT/BOOTX64.EFI ] || { fail build "build/esp is not built (make all)"; exit 1; }
# An ESP with only the loader, and a config that names image $2.
loader_only() {
	local esp
	esp=$(mktemp -d /tmp/pillbox-chain-esp.XXXXXX)
	mkdir -p "$esp/EFI/BOOT"
	cp build/esp/EFI/BOOT/BOOTX64.EFI "$esp/EFI/BOOT/"
	printf 'image = %s\nlog_level = info\n' "$1" > "$esp/EFI/BOOT/pillbox.cfg"
	echo "$esp"
}

other=$(mktemp -d /tmp/pillbox-chain-other.XXXXXX)
mkdir -p "$other/EFI/other"
cp build/esp/EFI/pillbox/selftest.efi "$other/EFI/other/selftest.efi"
boot other-volume "$(loader_only '\EFI\other\selftest.efi')" \
	'selftest\] selftest done|VMM halted|cannot load' --disk2 "$other"
rm -rf "$other"
expect "$log" other-volume-found '^\[INFO cpu0 boot\] \\EFI\\other\\selftest.efi is not on the loader.s volume: found on file system [0-9]+ of [0-9]+'
expect "$log" other-volume-started '^\[INFO cpu0 boot\] starting next image \\EFI\\other\\selftest.efi'
expect "$log" other-volume-selftest '^\[INFO cpu0 selftest\] summary: pass=[0-9]+ fail=0$'

boot missing "$(loader_only '\EFI\nowhere\none.efi')" 'cannot load next image|VMM halted'
expect "$log" missing-reported '^\[ERROR cpu0 boot\] cannot load next image \\EFI\\nowhere\\none.efi \(EFI status [0-9a-f]+: no file system holds it\)'
expect "$log" missing-hypervisor-stays '^\[INFO cpu0 boot\] guest resumed in VMX non-root operation'
[ $fails -eq 0 ] || { echo "--- last 20 lines of $log"; tail -n 20 "$log" | sed 's/^/    /'; }
exit $((fails > 0))
