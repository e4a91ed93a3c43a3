#!/usr/bin/env bash
# Builds tests/linux/bochs-acpi.c into an EFI application (gnu-efi, the
# same flags as the Makefile's EFI programs).
#   build-bochs-acpi.sh OUTPUT.efi
set -eu
[ $# -eq 1 ] || { echo "usage: $0 OUTPUT.efi" >&2; exit 64; }
out=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d /tmp/pillbox-bochs-acpi.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
gcc -std=gnu11 -O2 -ffreestanding -fno-builtin -fno-stack-protector -fno-strict-aliasing \
	-fno-common -mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables \
	-fcf-protection=none -Wall -Wextra -Werror -fpic -fshort-wchar -DGNU_EFI_USE_MS_ABI \
	-isystem /usr/include/efi -isystem /usr/include/efi/x86_64 -I "$top" \
	-c "$top/tests/linux/bochs-acpi.c" -o "$tmp/bochs-acpi.o"
ld -nostdlib -znocombreloc -T /usr/lib/elf_x86_64_efi.lds -shared -Bsymbolic -L/usr/lib \
	/usr/lib/crt0-efi-x86_64.o "$tmp/bochs-acpi.o" -o "$tmp/bochs-acpi.so" -lefi -lgnuefi
objcopy -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .dynsym -j .rel -j .rela \
	-j '.rel.*' -j '.rela.*' -j .reloc --target efi-app-x86_64 --subsystem=10 \
	"$tmp/bochs-acpi.so" "$out"
