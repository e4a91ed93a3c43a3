#!/usr/bin/env bash
# make deps: provides the Bochs >= 3.0 the tests run (tests/boot/bochs-bin.sh).
#  - one is there already: nothing to do (a second make deps is a no-op);
#  - apt offers Debian's `bochs` >= 3.0 (Debian 13): installs it;
#  - otherwise (Debian 12, whose Bochs is 2.7): builds Debian 13's source
#    package, once per machine, into /var/cache/pillbox (as root) or
#    ~/.cache/pillbox. The source comes through apt from the Debian archive
#    the system already uses, with a private sources list, package lists and
#    cache: the system's apt configuration and state stay untouched.
# Exit 1 with one "build-bochs: ..." line on stderr when that fails.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/boot/bochs-bin.sh
bochs_path >/dev/null && exit 0

die() { echo "build-bochs: $*" >&2; exit 1; }
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
apt_install() { # packages (Debian's, by name)
	echo "Installing Debian packages: $*"
	$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		$SUDO apt-get install -y -q --no-install-recommends "$@"
}

candidate=$(apt-cache policy bochs 2>/dev/null | sed -nE 's/^ *Candidate: (.*)$/\1/p')
if [ -n "$candidate" ] && [ "$candidate" != "(none)" ] &&
	dpkg --compare-versions "$candidate" ge 3.0; then
	# bochs needs a display plugin (bochs-gui): the terminal one is the
	# smallest; the tests use rfb, which is in bochs itself.
	apt_install bochs bochs-term || die "apt-get install bochs $candidate failed"
	bochs_path >/dev/null || die "Debian's bochs $candidate is installed but not found"
	exit 0
fi

# ---- the source build ---------------------------------------------------
cache=/var/cache/pillbox
[ -z "$SUDO" ] || cache=${bochs_cache_dirs##* }   # without root: the user's cache
final=$cache/$bochs_build
mkdir -p "$cache" || die "cannot create $cache"
# One build at a time per cache; a make deps that waited here finds the
# other's result.
exec 8>"$cache/.build-bochs.lock"
flock 8
bochs_path >/dev/null && exit 0

missing=""
for p in g++ make xz-utils; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] || apt_install $missing || die "cannot install the build dependencies:$missing"

# The archive of the system's own release, from its one-line (.list) or
# deb822 (.sources) entries: trixie's source package is fetched from there.
codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
archive=$({
	cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
		awk -v c="$codename" '$1 == "deb" { sub(/ \[[^]]*\]/, ""); if ($3 == c) print $2 }'
	cat /etc/apt/sources.list.d/*.sources 2>/dev/null |
		awk -v c="$codename" -v RS= '{
			t = u = s = ""; on = 1; n = split($0, l, "\n")
			for (i = 1; i <= n; i++) {
				if (l[i] ~ /^Types:/) t = " " substr(l[i], 7) " "
				if (l[i] ~ /^URIs:/) { split(substr(l[i], 6), w, " "); u = w[1] }
				if (l[i] ~ /^Suites:/) s = " " substr(l[i], 8) " "
				if (l[i] ~ /^Enabled: *no/) on = 0
			}
			if (on && t ~ / deb / && s ~ " " c " " && u != "") print u }'
} | head -n 1)
[ -n "$archive" ] || die "found no 'deb' entry for the release '$codename' in /etc/apt/sources.list{,.d/}: cannot tell which Debian archive to fetch Bochs's source from"

tmp=$(mktemp -d /tmp/pillbox-build-bochs.XXXXXX) || die "cannot create a temporary folder"
trap 'rm -rf "$tmp"' EXIT
# apt downloads as the _apt user when run as root: it must reach the folders.
chmod 755 "$tmp"
mkdir -p "$tmp/apt/lists" "$tmp/apt/cache" "$tmp/apt/conf.d" "$tmp/src"
chmod 777 "$tmp/src"
echo "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $archive trixie main" >"$tmp/apt/sources.list"
# A private apt configuration: its own sources, lists and cache; and not
# the system's apt.conf.d, whose hooks after an update (AppStream,
# PackageKit) would refresh the system's caches. Only the system's network
# settings (Acquire::*: a proxy, say) are kept.
{
	echo "Dir::Etc::main \"/dev/null\"; Dir::Etc::parts \"$tmp/apt/conf.d\";"
	echo "Dir::Etc::sourcelist \"$tmp/apt/sources.list\"; Dir::Etc::sourceparts \"-\";"
	echo "Dir::State::Lists \"$tmp/apt/lists\"; Dir::Cache \"$tmp/apt/cache\";"
	apt-config dump Acquire
} >"$tmp/apt/apt.conf"
apt=(env APT_CONFIG="$tmp/apt/apt.conf" apt-get -q)

echo "building Bochs 3.0 from Debian's source (about 6 minutes, once per machine) into $final ..."
start=$SECONDS
# apt checks the tarballs against the signed index. The .dsc may answer
# 404 on some mirrors; the tarballs are what the build needs.
"${apt[@]}" update >"$tmp/fetch.log" 2>&1
(cd "$tmp/src" && "${apt[@]}" source --download-only "bochs=$bochs_version") >>"$tmp/fetch.log" 2>&1
orig=$tmp/src/bochs_${bochs_version%-*}.orig.tar.xz
[ -f "$orig" ] || die "apt cannot fetch Debian 13's bochs $bochs_version source package (deb-src $archive trixie), needed once to build Bochs 3.0: $(
	grep -E '^(E|W|Err):' "$tmp/fetch.log" | head -n 2 | paste -sd ' ' -)"

# Debian's patches only change the sample bochsrc and the install paths:
# the upstream tarball is built as it is. No GUI (nogui), no debugger, no
# sound: bochs-run.sh's bochsrc matches. No show-ips, and the x86 debug
# registers' breakpoints (--enable-x86-debugger, not the Bochs debugger):
# see bochs_build in bochs-bin.sh.
mkdir "$tmp/tree" && tar -xJf "$orig" -C "$tmp/tree" --strip-components=1 || die "cannot unpack $orig"
log=$cache/$bochs_build.build.log
(cd "$tmp/tree" &&
	./configure --enable-x86-64 --enable-vmx=2 --enable-smp --enable-cpu-level=6 \
		--enable-all-optimizations --enable-avx --enable-evex --enable-pci --enable-usb \
		--enable-usb-xhci --enable-cdrom --with-nogui --without-x11 --without-x --disable-docbook \
		--disable-show-ips --enable-x86-debugger &&
	make -j"$(nproc)") >"$log" 2>&1 ||
	die "the build failed; last lines of $log: $(tail -n 3 "$log" | paste -sd ' ' -)"

# Into the cache in one rename: an interrupted build leaves no
# bochs-<version>/bin/bochs that bochs-bin.sh would take for a finished one.
stage=$(mktemp -d "$cache/.$bochs_build.XXXXXX") || die "cannot write to $cache"
mkdir "$stage/bin" &&
	install -m 755 "$tmp/tree/bochs" "$stage/bin/bochs" &&
	echo "Debian's bochs $bochs_version from $archive (trixie), built $(date -u '+%F %R UTC')" >"$stage/SOURCE" &&
	chmod 755 "$stage" && mv -T "$stage" "$final" ||
	{ rm -rf "$stage"; die "cannot install the build into $final"; }
rm -f "$log"
echo "Bochs $bochs_version built in $((SECONDS - start)) s: $final/bin/bochs"
