#!/usr/bin/env bash
# Builds the Linux guest test's initramfs: a gzip-compressed cpio (newc)
# archive with Debian's static busybox (and a symlink per applet), /init
# (tests/linux/init), /bin/cpuid-stress (tests/linux/cpuid-stress.c) and
# /bin/pillbox-info (tests/linux/pillbox-info.c with guest/vmminfo/report.c
# and lib/fmt.c), both compiled static on the host.
#
#   build-initramfs.sh BUSYBOX OUTPUT
# BUSYBOX is the extracted busybox-static binary (fetch-kernel.sh prints
# its path). Needs gcc with libc6-dev (libc.a), cpio and gzip.
set -eu
[ $# -eq 2 ] || { echo "usage: $0 BUSYBOX OUTPUT" >&2; exit 64; }
busybox=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
[ -x "$busybox" ] || { echo "build-initramfs: $busybox is not an executable" >&2; exit 1; }
command -v cpio >/dev/null || { echo "build-initramfs: cpio is missing (apt-get install cpio)" >&2; exit 1; }

root=$(mktemp -d /tmp/pillbox-initramfs.XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,root}
cp "$busybox" "$root/bin/busybox"
# One symlink per applet, at the place busybox lists it (bin/sh, sbin/poweroff...).
"$busybox" --list-full | while read -r applet; do
	[ -e "$root/$applet" ] || { mkdir -p "$root/$(dirname "$applet")"; ln -s /bin/busybox "$root/$applet"; }
done
gcc -static -O2 -Wall -Wextra -Werror -o "$root/bin/cpuid-stress" "$here/cpuid-stress.c"
gcc -static -O2 -Wall -Wextra -Werror -I "$top" -o "$root/bin/pillbox-info" "$here/pillbox-info.c" \
	"$top/guest/vmminfo/report.c" "$top/lib/fmt.c"
install -m 0755 "$here/init" "$root/init"
# The kernel's built-in initramfs already has /dev/console, which the
# kernel opens for /init before devtmpfs is mounted; add it when we can.
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) | gzip -9 > "$out.tmp"
mv "$out.tmp" "$out"
