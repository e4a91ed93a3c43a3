# Checks of the lines guest/vmminfo.efi and tests/linux/pillbox-info print
# (format: guest/vmminfo/report.h), shared by tests/boot/test-bochs-tools.sh
# and tests/boot/test-bochs-linux.sh (sourced). Each takes the tool's
# lines without their prefix, prints nothing when the check holds and one
# line saying why when it does not.

# info_cpu_why LINES CPU SLACK: the CPU's line "stats cpu=I apic=I exits=N
# vmm_cycles=N" exists and exits is the sum of its reasons' counts, up to
# SLACK more (the VMM counts an exit in the total at its start and by
# reason at its end: the reading CPU's own VMCALL, and on a busy CPU the
# exits in flight, make the difference).
info_cpu_why() {
	local line total sum
	line=$(grep -aE "^stats cpu=$2 apic=[0-9]+ exits=[0-9]+ vmm_cycles=[0-9]+\$" <<<"$1")
	[ -n "$line" ] || { echo "no line 'stats cpu=$2 apic=N exits=N vmm_cycles=N'"; return; }
	total=$(sed -nE 's/.* exits=([0-9]+) .*/\1/p' <<<"$line")
	sum=$(awk -v c="cpu=$2" '$2 == c && $3 ~ /^reason=/ { split($5, a, "="); s += a[2] } END { print s + 0 }' <<<"$1")
	if [ "$total" -lt "$sum" ] || [ "$total" -gt $((sum + $3)) ]; then
		echo "cpu $2: exits=$total, but its reasons' counts sum to $sum"
	fi
}

# info_count LINES CPU NAME: that CPU's count for the reason NAME (0 when
# it has no line).
info_count() {
	awk -v c="cpu=$2" -v n="name=$3" '$2 == c && $4 == n { split($5, a, "="); v = a[2] } END { print v + 0 }' <<<"$1"
}

# info_names_why LINES: every reason line is well formed and names follow
# numbers for the reasons a boot always has (guest/exit_names.h).
info_names_why() {
	local bad
	bad=$(grep -aE '^stats cpu=[0-9]+ reason=' <<<"$1" |
		grep -avE '^stats cpu=[0-9]+ reason=[0-9]+ name=[A-Z0-9_]+ count=[1-9][0-9]* cycles=[0-9]+ mean=[0-9]+$')
	bad+=$(grep -aE '^stats cpu=[0-9]+ reason=' <<<"$1" |
		awk '($3 == "reason=10") != ($4 == "name=CPUID") || ($3 == "reason=18") != ($4 == "name=VMCALL") ||
			($3 == "reason=48") != ($4 == "name=EPT_VIOLATION") || $4 == "name=unused"')
	[ -z "$bad" ] || echo "bad reason lines: $(head -n 3 <<<"$bad" | paste -sd ';' -)"
}

# info_footprint_why LINES SERIAL_LOG: a well-formed footprint line whose
# reserved bytes are the VMM region the loader printed.
info_footprint_why() {
	local fp reserved region size
	fp=$(grep -aE '^footprint reserved_bytes=[1-9][0-9]* ept_bytes=[1-9][0-9]* ept_pages=[1-9][0-9]* per_cpu_bytes=[1-9][0-9]*$' <<<"$1")
	[ -n "$fp" ] || { echo "no well-formed footprint line: $(grep -a footprint <<<"$1" | head -n 1)"; return; }
	region=$(grep -aoE '^\[INFO cpu0 boot\] VMM region [0-9a-f]+-[0-9a-f]+' "$2" | head -n 1)
	region=${region##* }
	[ -n "$region" ] || { echo "the loader printed no 'VMM region <start>-<end>' line"; return; }
	reserved=$(sed -nE 's/^footprint reserved_bytes=([0-9]+) .*/\1/p' <<<"$fp")
	size=$((16#${region#*-} - 16#${region%-*}))
	[ "$reserved" -eq "$size" ] || echo "reserved_bytes=$reserved, but the loader's VMM region $region is $size bytes"
}

# info_ring_why LINES SERIAL_LOG TOOL_PREFIX: the log ring ("log <line>")
# has lines, and each is text the VMM wrote to the serial port. Lines of
# the tool itself (its prefix, and the console's plain copies starting
# "log ") are not the VMM's. A ring line may sit inside a serial line: the
# VMM's line can start after a NUL the console left, or in the middle of
# a line the guest was writing when the exit came; a ring line may also
# have been cut to the log's 256-byte lines.
info_ring_why() {
	local ring serial l n=0 missing=0 first=""
	ring=$(sed -n 's/^log //p' <<<"$1" | grep -avE '^(end bytes=|lost_bytes=)')
	serial=$(tr -d '\0' <"$2" | grep -avF -- "$3" | grep -av '^log ')
	while IFS= read -r l; do
		[ -n "$l" ] || continue
		n=$((n + 1))
		grep -qaF -- "$l" <<<"$serial" && continue
		missing=$((missing + 1))
		[ -n "$first" ] || first=$l
	done <<<"$ring"
	if [ $n -eq 0 ]; then
		echo "no log ring lines"
	elif [ $missing -ne 0 ]; then
		echo "$missing of $n ring lines are not on the serial port, first: $first"
	elif ! grep -qaE '^log end bytes=[1-9][0-9]* cursor=[1-9][0-9]*$' <<<"$1"; then
		echo "no 'log end bytes=N cursor=N' line"
	fi
}

# linux_nmi_why SERIAL_LOG CPUS: /init's NMI check (tests/linux/init) saw
# every CPU take an NMI from every other one (sysrq 'l', NMI IPIs), and
# the kernel met no NMI it could not place ("NMI received for unknown
# reason", "Dazed and confused": an NMI the hypervisor made up or
# misplaced).
linux_nmi_why() {
	local line
	line=$(grep -aE '^pillbox-linux: nmi: [0-9]+ of [0-9]+ CPUs took an NMI from every other CPU$' "$1")
	if [ -z "$line" ]; then
		echo "/init printed no 'nmi: N of N CPUs took an NMI' line"
	elif ! grep -qaE "^pillbox-linux: nmi: $2 of $2 CPUs " <<<"$line"; then
		echo "${line#pillbox-linux: }: $(grep -a '^pillbox-linux: nmi: cpu' "$1" | sed 's/^pillbox-linux: nmi: //' | paste -sd ';' -)"
	fi
	grep -aE 'NMI received for unknown reason|Dazed and confused' "$1" | head -n 1
}

# s3_why SERIAL_LOG: the guest's ACPI S3 request was refused by the VMM,
# which logged it (vmm/exit/exit_io.c), and Linux went on under the VMM on
# every CPU (tests/linux/init, s3_check).
s3_why() {
	grep -qaE '^\[WARN cpu[0-9]+ acpi\] guest request for ACPI S3 refused' "$1" ||
		echo "the VMM logged no refused S3 request"
	grep -qaE '^pillbox-linux: S3: after the request, .*: ok$' "$1" ||
		echo "Linux did not go on under the VMM: $(grep -a '^pillbox-linux: S3: ' "$1" | tail -n 1)"
}
