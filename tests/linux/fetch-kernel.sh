#!/usr/bin/env bash
# Fetches Debian's stock kernel and busybox-static into a cache directory
# (build/cache/ by default, $PILLBOX_CACHE if set), through apt only, and
# extracts them there. Reuses what is already cached, so only the first run
# (or a new kernel version in the archive) downloads anything.
#
#   fetch-kernel.sh [--print]
# Prints, on success, three lines "vmlinuz=PATH", "busybox=PATH" and
# "kernel_package=NAME_VERSION"; on failure one line "fetch-kernel: why" on
# stderr and exit 1.
#
# linux-image-amd64 is a metapackage: the real package is the
# linux-image-<abi>-amd64 it depends on (apt-cache depends). The .deb files
# are kept (cached between runs); dpkg-deb -x extracts without installing.
set -u
cd "$(dirname "$0")/../.." || exit 1
cache=${PILLBOX_CACHE:-build/cache}
mkdir -p "$cache" || { echo "fetch-kernel: cannot create $cache" >&2; exit 1; }
cache=$(realpath "$cache")

die() { echo "fetch-kernel: $*" >&2; exit 1; }

# Name of the real kernel package behind the metapackage, from the
# candidate version's Depends line.
kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	sed -nE 's/^ *Depends: (linux-image-[0-9][^ ]*-amd64)$/\1/p' | head -n 1)
if [ -z "$kpkg" ]; then
	# An outdated or empty package list: refresh it once.
	apt-get update -q >/dev/null 2>&1
	kpkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -nE 's/^ *Depends: (linux-image-[0-9][^ ]*-amd64)$/\1/p' | head -n 1)
fi
[ -n "$kpkg" ] || die "apt-cache depends linux-image-amd64 names no linux-image-<version>-amd64 package (apt-get update?)"

# fetch PACKAGE: prints the path of its cached .deb (downloads it if absent).
fetch() {
	local pkg=$1 ver deb
	ver=$(apt-cache policy "$pkg" 2>/dev/null | sed -nE 's/^ *Candidate: (.*)$/\1/p')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || { echo "no candidate version of $pkg in apt's lists" >&2; return 1; }
	# apt-get download names the file <pkg>_<version with : as %3a>_<arch>.deb
	deb=$(ls "$cache/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n 1)
	if [ -z "$deb" ]; then
		echo "fetch-kernel: downloading $pkg $ver (once; cached in $cache)" >&2
		# apt-get download runs as the _apt user when it can: give it a
		# writable scratch folder, then move the file into the cache.
		local tmp
		tmp=$(mktemp -d "$cache/.dl.XXXXXX") || return 1
		chmod 777 "$tmp"
		if ! (cd "$tmp" && apt-get download -q "$pkg=$ver" >&2); then
			rm -rf "$tmp"
			echo "apt-get download $pkg=$ver failed" >&2
			return 1
		fi
		deb=$(ls "$tmp/${pkg}_${ver//:/%3a}_"*.deb 2>/dev/null | head -n 1)
		[ -n "$deb" ] || { rm -rf "$tmp"; echo "apt-get download $pkg left no .deb" >&2; return 1; }
		# A newer version replaces the cached one.
		rm -f "$cache/${pkg}_"*.deb
		mv "$deb" "$cache/" && rm -rf "$tmp"
		deb=$cache/$(basename "$deb")
	fi
	echo "$deb"
}

# extract DEB DIR [KEEP]: dpkg-deb -x into DIR unless DIR already holds
# that .deb's files; with KEEP (a top folder), only that folder is kept.
extract() {
	local deb=$1 dir=$2 keep=${3:-}
	[ -f "$dir/.extracted" ] && [ "$(cat "$dir/.extracted")" = "$(basename "$deb")" ] && return 0
	rm -rf "$dir" && mkdir -p "$dir" || return 1
	dpkg-deb -x "$deb" "$dir" || { echo "dpkg-deb -x $deb failed" >&2; return 1; }
	if [ -n "$keep" ]; then
		find "$dir" -mindepth 1 -maxdepth 1 ! -name "$keep" -exec rm -rf {} +
	fi
	basename "$deb" > "$dir/.extracted"
}

kdeb=$(fetch "$kpkg") || die "cannot fetch the kernel package $kpkg"
# Only boot/ (vmlinuz, config, System.map): the modules are not used.
extract "$kdeb" "$cache/$kpkg" boot || die "cannot extract $kdeb"
vmlinuz=$(ls "$cache/$kpkg"/boot/vmlinuz-* 2>/dev/null | head -n 1)
[ -n "$vmlinuz" ] || die "$kdeb has no boot/vmlinuz-*"

bdeb=$(fetch busybox-static) || die "cannot fetch busybox-static"
extract "$bdeb" "$cache/busybox-static" || die "cannot extract $bdeb"
busybox=$cache/busybox-static/bin/busybox
[ -x "$busybox" ] || die "$bdeb has no bin/busybox"

echo "vmlinuz=$vmlinuz"
echo "busybox=$busybox"
echo "kernel_package=$(basename "$kdeb" .deb)"
