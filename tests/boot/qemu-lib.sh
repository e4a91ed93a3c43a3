# Shared by the QEMU boot-test scripts (sourced), the twin of lib.sh (whose
# results it uses: TEST_STEM, pass, fail, $fails). Run from the top of the
# tree. A test makes its work folder with qemu_work, starts QEMU with
# qemu_start and polls the serial log with qemu_wait; QEMU is stopped by its
# own process id, and the work folder is removed at exit unless
# KEEP_QEMU_WORK=1.
. tests/boot/lib.sh

OVMF_CODE=/usr/share/OVMF/OVMF_CODE.fd
OVMF_VARS=/usr/share/OVMF/OVMF_VARS.fd
OVMF_BIOS=/usr/share/ovmf/OVMF.fd

work=""
qemu_pid=""
qemu_out=/dev/null
qemu_note=""
result=""

qemu_stop() {
	if [ -n "$qemu_pid" ]; then
		kill "$qemu_pid" 2>/dev/null
		wait "$qemu_pid" 2>/dev/null
		qemu_pid=""
	fi
}

qemu_cleanup() {
	qemu_stop
	if [ -n "$work" ] && [ -z "${KEEP_QEMU_WORK:-}" ]; then
		rm -rf "$work"
	fi
}
trap qemu_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# qemu_work PREFIX: makes the work folder /tmp/PREFIX.XXXXXX, in $work.
qemu_work() {
	work=$(mktemp -d "/tmp/$1.XXXXXX")
}

# Firmware arguments in $qemu_fw: the OVMF code CODE read-only and a
# private copy of the variable store VARS in DIR/vars.fd.
qemu_pflash() { # DIR CODE VARS; returns non-zero when the copy fails
	cp "$3" "$1/vars.fd" || return
	qemu_fw=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$2"
		 -drive "if=pflash,format=raw,unit=1,file=$1/vars.fd")
}

# qemu_start DIR SERIAL QEMU-ARGS...: QEMU without display, monitor,
# network or reboot, COM1 to the file SERIAL (emptied first), in the
# background ($qemu_pid); its own output goes to DIR/qemu.out.
qemu_start() {
	local dir=$1 serial=$2
	shift 2
	: >"$serial"
	qemu_out=$dir/qemu.out
	(exec qemu-system-x86_64 "$@" -display none -monitor none -net none -no-reboot \
		-serial "file:$serial" </dev/null >"$qemu_out" 2>&1) &
	qemu_pid=$!
}

# qemu_wait TIMEOUT CHECK [ARGS...]: runs CHECK every half second, its
# output in $result, until it exits 0 (the answer is final), QEMU
# ($qemu_pid) ends or TIMEOUT seconds pass; then stops QEMU. Returns 0 for
# a final answer, else 1 with the reason in $qemu_note.
qemu_wait() {
	local timeout=$1 deadline rc said
	shift
	deadline=$((SECONDS + timeout))
	qemu_note=""
	while :; do
		result=$("$@") && break
		if ! kill -0 "$qemu_pid" 2>/dev/null; then
			wait "$qemu_pid" 2>/dev/null
			rc=$?
			qemu_pid=""
			# it may have written the last lines just before ending
			result=$("$@") && break
			qemu_note="QEMU ended (status $rc)"
			said=$(grep -v '^$' "$qemu_out" 2>/dev/null | tail -n 3 | tr '\n' ' ')
			[ -z "$said" ] || qemu_note="$qemu_note; QEMU said: $said"
			break
		fi
		if [ $SECONDS -ge $deadline ]; then
			qemu_note="no answer after ${timeout}s (backstop timeout)"
			break
		fi
		sleep 0.5
	done
	qemu_stop
	[ -z "$qemu_note" ]
}

# A serial log without CRs and terminal escapes, for matching and showing.
clean_log() {
	tr -d '\r' <"$1" | sed -e 's/\x1b\[[0-9;=?]*[A-Za-z]//g'
}

# show_serial SERIAL TITLE: its last 20 non-empty lines, indented.
show_serial() {
	echo "    last 20 lines of the serial log ($2):"
	if [ -s "$1" ]; then
		# awk: the last line may lack its newline (QEMU stopped mid-line)
		clean_log "$1" | grep -v '^$' | tail -n 20 | awk '{ print "    | " $0 }'
	else
		echo "    | (empty)"
	fi
}

# awk functions for OVMF's boot manager lines, to put before an awk program:
# bootnum(s): the #### of the first "Boot####" in s, else "";
# bds(s): s from "BdsDxe: loading Boot" or "BdsDxe: starting Boot" on, else "".
BDS_AWK='
function bootnum(s) {
	if (match(s, /Boot[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]/))
		return substr(s, RSTART + 4, 4)
	return ""
}
function bds(s,   p) {
	p = index(s, "BdsDxe: loading Boot")
	if (!p)
		p = index(s, "BdsDxe: starting Boot")
	return p ? substr(s, p) : ""
}
'
