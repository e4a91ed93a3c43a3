#!/usr/bin/env bash
# The docs are true to the code (README.md, docs/*.md, docs/diagrams/*.dot).
# One "PASS docs-<case>" / "FAIL docs-<case>: why" line per check:
#   files          every repository path they name exists
#   source-paths   every file the C, assembly, linker and make sources name
#                  (comments included) exists
#   sdm            a quoted SDM section title has one number throughout
#   functions      every name() they name is in the source
#   make-targets   every `make <target>` they mention is a target of the
#                  Makefiles (make's own database)
#   config-keys    docs/config.md's table has exactly the user keys
#                  boot/config.c parses, and none of its test hooks
#   links          relative links between docs resolve, #anchors included
#   log-lines      every quoted "[LEVEL cpuN stage] message" is printed by a
#                  log call of the source with that level and stage
#   diagram-code   the code lines a diagram quotes (code="FILE") are in FILE
#   layout-<name>  the sizes, offsets and constants a diagram states equal
#                  the code's: a host C program built with the real headers
#                  (and boot/region.c's constants) compares them
#   svg-<name>     docs/diagrams/<name>.svg is what `make docs` makes of the
#                  .dot now (byte for byte with the Graphviz version that
#                  made it, Debian 12's; with another version, the same
#                  text); skipped with a note when dot is not installed
# Fast, no network. The checks themselves are in tests/docs/doclint.pl.
set -u
cd "$(dirname "$0")/../.." || exit 2
fails=0
tmp=$(mktemp -d /tmp/pillbox-docs.XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS docs-$1"; }
fail() { echo "FAIL docs-$1: $2"; fails=$((fails + 1)); }

# lint CASE SUBCOMMAND [ARG]: passes when doclint.pl reports nothing.
lint() {
	local name=$1 out
	shift
	out=$(perl tests/docs/doclint.pl "$@" 2>&1)
	if [ -z "$out" ]; then
		pass "$name"
	else
		fail "$name" "$(head -n 3 <<<"$out" | paste -sd ';' -)"
		sed 's/^/    /' <<<"$out"
	fi
}

lint files paths
lint source-paths source-paths
lint sdm sdm
lint functions functions
lint file-map filemap

# Targets from make's database (-p), without running anything (-q, and
# the target ':' that no rule makes); not those of an outer make's flags.
targets=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -pRrq : 2>/dev/null |
	awk -F: '/^# Not a target/ { skip = 1; next }
		/^[a-zA-Z0-9][^$#\/\t=%]*:([^=]|$)/ { if (!skip) print $1 }
		{ skip = 0 }' | sort -u | tr '\n' ' ')
if [ -z "$targets" ]; then
	fail make-targets "make -p listed no target (run from the repository root)"
else
	lint make-targets targets "$targets"
fi

lint config-keys config
lint links links
lint log-lines logs
lint diagram-code code

# ---- sizes and offsets of the diagrams --------------------------------
# Headers the claims may refer to, and the constants of boot/region.c
# (an EFI file: its one-line #defines are copied, not the file).
layout_headers="vmm/vcpu.h vmm/boot_info.h vmm/setup/core_image.h vmm/exit/hypercall.h vmm/log/log_buffer.h"
for dotf in docs/diagrams/*.dot; do
	name=$(basename "$dotf" .dot)
	claims=$(perl tests/docs/doclint.pl claims "$dotf")
	[ -n "$claims" ] || continue
	n=$(wc -l <<<"$claims")
	bad=$(awk '$1 == "bad" { $1 = ""; print }' <<<"$claims")
	kib=$(awk '$1 == "kib" && $2 != $3 * 1024 { print $2 " bytes is not " $3 " KiB" }' <<<"$claims")
	prog=$tmp/layout-$name.c
	{
		echo '#include <stddef.h>'
		echo '#include <stdio.h>'
		for h in $layout_headers; do echo "#include \"$h\""; done
		grep -E '^#define [A-Za-z_0-9]+(\([^)]*\))? [^\\]*$' boot/region.c
		echo 'static int bad;'
		echo 'static void check(const char *what, unsigned long long got, unsigned long long want)'
		echo '{'
		echo '	if (got != want) {'
		echo '		printf("%s is %llu in the code, the diagram says %llu\n", what, got, want);'
		echo '		bad = 1;'
		echo '	}'
		echo '}'
		echo 'int main(void)'
		echo '{'
		awk '
		$1 == "sizeof" { printf "\tcheck(\"sizeof(struct %s)\", sizeof(struct %s), %sull);\n", $2, $2, $3 }
		$1 == "member" {
			printf "\tcheck(\"offsetof(struct %s, %s)\", offsetof(struct %s, %s), %sull);\n", $2, $3, $2, $3, $4
			printf "\tcheck(\"the size of struct %s member %s\", sizeof(((struct %s *)0)->%s), %sull);\n", $2, $3, $2, $3, $5
		}
		$1 == "const" { printf "\tcheck(\"%s\", (unsigned long long)(%s), %sull);\n", $2, $2, $3 }
		' <<<"$claims"
		echo '	return bad;'
		echo '}'
	} >"$prog"
	if ! gcc -std=gnu11 -Wall -Werror -I. "$prog" -o "$tmp/layout-$name" >"$tmp/cc.out" 2>&1; then
		fail "layout-$name" "the claims of $dotf do not compile against the code: $(grep -m 3 'error' "$tmp/cc.out" | sed 's/^[^ ]* //' | paste -sd ';' -)"
		sed 's/^/    /' "$tmp/cc.out" | head -n 20
	elif ! out=$("$tmp/layout-$name" 2>&1) || [ -n "$bad" ] || [ -n "$kib" ]; then
		fail "layout-$name" "$(printf '%s\n' "$out" "$bad" "$kib" | grep . | head -n 3 | paste -sd ';' -)"
	else
		pass "layout-$name"
		echo "    $n size, offset and constant claims of $dotf match the code"
	fi
done
grep -q . <<<"$(perl tests/docs/doclint.pl claims docs/diagrams/memory-layout.dot 2>/dev/null)" ||
	fail layout-memory-layout "docs/diagrams/memory-layout.dot states no size the test can check"

# ---- the SVGs are current -----------------------------------------------
if ! command -v dot >/dev/null 2>&1; then
	echo "note: dot (graphviz) is not installed: the SVGs were not compared with their sources (make deps)"
fi
for dotf in docs/diagrams/*.dot; do
	name=$(basename "$dotf" .dot)
	svg=docs/diagrams/$name.svg
	if [ ! -f "$svg" ]; then
		fail "svg-$name" "$svg is missing: run make docs and commit it"
		continue
	fi
	command -v dot >/dev/null 2>&1 || continue
	if ! bash tests/docs/render.sh "$dotf" "$tmp/$name.svg" 2>"$tmp/dot.err"; then
		fail "svg-$name" "dot cannot render $dotf: $(head -n 1 "$tmp/dot.err")"
		continue
	fi
	made_by=$(sed -n 's/^<!-- Generated by graphviz version \(.*\)$/\1/p' "$svg" | head -n 1)
	here=$(sed -n 's/^<!-- Generated by graphviz version \(.*\)$/\1/p' "$tmp/$name.svg" | head -n 1)
	if [ "$made_by" = "$here" ]; then
		if cmp -s "$svg" "$tmp/$name.svg"; then
			pass "svg-$name"
		else
			fail "svg-$name" "$svg is not what $dotf gives now: run make docs and commit the SVG"
		fi
	elif diff <(perl tests/docs/doclint.pl svgtext "$svg") \
		<(perl tests/docs/doclint.pl svgtext "$tmp/$name.svg") >"$tmp/text.diff"; then
		pass "svg-$name"
		echo "    $svg: graphviz $here here, $made_by made it: compared the text only"
	else
		fail "svg-$name" "the text of $svg differs from what $dotf gives now: run make docs (Debian 12's graphviz) and commit the SVG"
		head -n 10 "$tmp/text.diff" | sed 's/^/    /'
	fi
done

[ "$fails" -eq 0 ]
