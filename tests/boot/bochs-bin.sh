#!/usr/bin/env bash
# The one place that names the Bochs the tests run (Bochs 3.0 or newer):
# Debian's `bochs` package where it is 3.0 or newer (Debian 13), otherwise
# the build of Debian 13's source package that `make deps` leaves in a
# cache outside the clone, once per machine (tests/boot/build-bochs.sh).
#   bochs-bin.sh   prints the binary's path; exit 1 and a hint if none
# Sourced (build-bochs.sh), it only sets bochs_version, bochs_build, bochs_cache_dirs
# and bochs_path.
set -u
# The source package make deps builds where apt has no Bochs >= 3.0.
bochs_version=3.0+dfsg-1
# The build's own name in the cache: a new one whenever the build changes.
# b2: configured --disable-show-ips. With show-ips, Bochs logs the "ips ="
# line from its SIGALRM handler through stdio; when the alarm lands while
# Bochs itself is writing its log (every logged VM exit), the handler waits
# for the stdio lock the interrupted code holds: Bochs hangs for good (seen
# here: a single-threaded bochs in futex_do_wait, mid-boot).
# b3: configured --enable-x86-debugger as well: without it Bochs ignores
# the debug registers' breakpoints (DR0-DR3 never fire), and a guest
# program's hardware breakpoint is one of the things the tests check.
bochs_build=bochs-$bochs_version-b3
# Where that build lives: the machine's cache (make deps as root, CI), then
# the user's (make deps without root). Outside the clone, so that a fresh
# clone reuses it.
bochs_cache_dirs="/var/cache/pillbox ${XDG_CACHE_HOME:-$HOME/.cache}/pillbox"

bochs_path() {
	local v d
	v=$(dpkg-query -W -f='${Status} ${Version}' bochs 2>/dev/null)
	if [[ $v == "install ok installed "* ]] && dpkg --compare-versions "${v##* }" ge 3.0 &&
		[ -x /usr/bin/bochs ]; then
		echo /usr/bin/bochs
		return 0
	fi
	for d in $bochs_cache_dirs; do
		[ -x "$d/$bochs_build/bin/bochs" ] || continue
		echo "$d/$bochs_build/bin/bochs"
		return 0
	done
	return 1
}

[ "${BASH_SOURCE[0]}" = "$0" ] || return 0
bochs_path || {
	echo "bochs-bin.sh: no Bochs >= 3.0: Debian's bochs is older, and no build of its" \
		"$bochs_version source in ${bochs_cache_dirs// / or } (make deps builds it)" >&2
	exit 1
}
