# Shared by the Bochs boot-test scripts (sourced). Set TEST_STEM (e.g.
# bochs-smp) first; results are "PASS <stem>-<name>" / "FAIL <stem>-<name>:
# why" lines (tests/run-all.sh counts them) and the count in $fails.
fails=0
model=${BOCHS_MODEL:-corei7_skylake_x}
mkdir -p build/test-logs

fail() { echo "FAIL $TEST_STEM-$1: $2"; fails=$((fails + 1)); }

expect() { # log, name, regex that must occur
	if grep -qaE -- "$3" "$1"; then
		echo "PASS $TEST_STEM-$2"
	else
		fail "$2" "serial log has no line matching /$3/"
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

# boot NAME ESP MARKER [bochs-run.sh options...]: boots ESP (then removes
# it) until MARKER; the serial log, without CRs, is build/test-logs/
# <stem>-NAME.serial.txt, named in $log. No marker is a FAIL NAME-run.
boot() {
	local name=$1 esp=$2 marker=$3 rc
	shift 3
	log=build/test-logs/$TEST_STEM-$name.serial.txt
	tests/boot/bochs-run.sh --esp "$esp" --model "$model" --serial "$log" \
		--marker "$marker" --timeout 300 "$@"
	rc=$?
	rm -rf "$esp"
	tr -d '\r' < "$log" > "$log.tmp" && mv "$log.tmp" "$log"
	[ $rc -eq 0 ] || fail "$name-run" "no final marker (rc $rc)"
}
