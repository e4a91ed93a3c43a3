# Shared by the Bochs boot-test scripts (sourced; tests/boot/qemu-lib.sh
# sources it for the results). Run from the top of the tree; set TEST_STEM
# (e.g. bochs-smp) first; results are "PASS <stem>-<name>" / "FAIL
# <stem>-<name>: why" lines (tests/run-all.sh counts them) and the count
# in $fails.
fails=0
model=${BOCHS_MODEL:-corei7_skylake_x}
mkdir -p build/test-logs

pass() { echo "PASS $TEST_STEM-$1"; }
fail() { echo "FAIL $TEST_STEM-$1: $2"; fails=$((fails + 1)); }

expect() { # log, name, regex that must occur
	if grep -qaE -- "$3" "$1"; then
		pass "$2"
	else
		fail "$2" "serial log has no line matching /$3/"
	fi
}

refuse() { # log, name, regex that must not occur; shows the first 5 that do
	if grep -qaE -- "$3" "$1"; then
		fail "$2" "serial log has a line matching /$3/:"
		grep -aE -- "$3" "$1" | head -n 5 | sed 's/^/    /'
	else
		pass "$2"
	fi
}

check() { # name, why (empty: PASS)
	if [ -z "$2" ]; then pass "$1"; else fail "$1" "$2"; fi
}

expect_after() { # log, name, regex, regex that must occur on a later line
	if A=$3 B=$4 awk 'seen && $0 ~ ENVIRON["B"] { ok = 1; exit }
		$0 ~ ENVIRON["A"] { seen = 1 } END { exit !ok }' "$1"; then
		pass "$2"
	else
		fail "$2" "serial log has no line matching /$4/ after one matching /$3/"
	fi
}

# A private copy of build/esp with the given config file as pillbox.cfg.
esp_with_cfg() {
	local esp
	esp=$(mktemp -d /tmp/pillbox-test-esp.XXXXXX)
	cp -r build/esp/. "$esp/"
	cp "$1" "$esp/EFI/BOOT/pillbox.cfg"
	echo "$esp"
}

# run_bochs LOG NAME ESP MARKER [bochs-run.sh options...]: boots ESP (then
# removes it) until MARKER; the serial log, without CRs, is LOG. No marker
# is a FAIL NAME.
run_bochs() {
	local out=$1 name=$2 esp=$3 marker=$4 rc
	shift 4
	tests/boot/bochs-run.sh --esp "$esp" --model "$model" --serial "$out" \
		--marker "$marker" --timeout 300 "$@"
	rc=$?
	rm -rf "$esp"
	tr -d '\r' < "$out" > "$out.tmp" && mv "$out.tmp" "$out"
	[ $rc -eq 0 ] || fail "$name" "no final marker (rc $rc)"
}

# boot NAME ESP MARKER [bochs-run.sh options...]: run_bochs with the serial
# log build/test-logs/<stem>-NAME.serial.txt, named in $log. No marker is a
# FAIL NAME-run.
boot() {
	local name=$1
	shift
	log=build/test-logs/$TEST_STEM-$name.serial.txt
	run_bochs "$log" "$name-run" "$@"
}
