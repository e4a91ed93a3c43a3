#!/usr/bin/env bash
# Checks the USB stick image of `make usb` (docs/usb.md): first on the file,
# then by booting it in QEMU (TCG, no VT-x) with OVMF as a USB mass-storage
# device on an xHCI controller, the way a PC boots the stick.
#   partition-table  GPT, valid (sgdisk -v), 64 MiB, one partition: number 1,
#                    sectors 2048-129023 (1 MiB to 63 MiB), type EF00, named
#                    "EFI system partition"
#   filesystem       that partition holds a clean (fsck.fat -n) FAT32 file
#                    system labelled PILLBOX
#   files            exactly EFI/BOOT/BOOTX64.EFI, EFI/BOOT/pillbox.cfg and
#                    EFI/pillbox/<guest program>.efi; the EFI programs equal
#                    build/esp's (not checked with --image), pillbox.cfg
#                    equals boot/pillbox.cfg.example
# The stick of the boot without Secure Boot is 1 GiB, the image at its start.
#   from-usb         OVMF started the loader from the USB device: the boot
#                    option started just before the loader's first line is
#                    "BdsDxe: starting Boot#### ... from ...USB(...)"
#   config           the loader read the stick's pillbox.cfg without a
#                    complaint: "config \EFI\BOOT\pillbox.cfg: image '...',
#                    args '...', log level ..." with the file's values
#   refusal          the loader refused ("[ERROR cpu0 boot] refused: ...",
#                    for any reason: the CPU is not Intel or has no VMX)
#                    and returned an error, "BdsDxe: failed to start
#                    Boot####", and OVMF went on to another boot option
#   firmware-map     the EFI shell (OVMF's next boot option) maps the stick's
#                    partition as ...USB(...)/HD(1,GPT,<its GUID>,0x800,0x1F000)
#   check-images     `make usb CHECK=NAME` for each guest check program
#                    (selftest, initsipi, bench) makes build/pillbox-usb-
#                    NAME.img whose pillbox.cfg starts it: "image =
#                    \EFI\pillbox\NAME.efi", "args = NAME", the program on
#                    the stick; CHECK=nonsense is refused naming the choices
#                    (not checked with --image)
#   secure-boot-signed    with Secure Boot on (Debian's OVMF "snakeoil"
#                    build, whose test certificate is in db), the image of
#                    `make sign` with that certificate's key is started
#                    from the stick: the loader runs
#   secure-boot-unsigned  ... and the unsigned image is refused: "BdsDxe:
#                    failed to load Boot#### ... USB(...): Access Denied"
# QEMU is stopped (by its own process id) as soon as the serial log holds
# the answers; the timeout is only the backstop.
#
#   test-qemu-usb.sh [--image FILE] [--timeout SECONDS]
# Without --image it runs `make usb` first (a no-op when the image is up
# to date) and checks build/pillbox-usb.img; the signed image is made by
# `make sign` in the work folder. With --image the Secure Boot cases are
# not run and the EFI programs are not compared with build/esp. Prints one
# "PASS qemu-usb-<case>" or "FAIL qemu-usb-<case>: why" line per case.
# Exit: 0 all passed, 1 otherwise, 64 bad usage. KEEP_QEMU_WORK=1 keeps the
# work folder (serial log, image copy).
set -u
cd "$(dirname "$0")/../.." || exit 2

image=""
timeout=180
while [ $# -gt 0 ]; do
	case "$1" in
	--image) image=${2:?--image needs a file}; shift ;;
	--timeout) timeout=${2:?--timeout needs seconds}; shift ;;
	*) echo "test-qemu-usb.sh: unknown argument $1" >&2; exit 64 ;;
	esac
	shift
done

TEST_STEM=qemu-usb
. tests/boot/qemu-lib.sh
FILE_CASES="partition-table filesystem files check-images"
BOOT_CASES="from-usb config refusal firmware-map"
SB_CASES="secure-boot-signed secure-boot-unsigned"
# The layout docs/usb.md describes (boot/usb.mk makes it).
DISK_SECTORS=131072
ESP_FIRST=2048
ESP_LAST=129023
ESP_TYPE=C12A7328-F81F-11D2-BA4B-00A0C93EC93B
ESP_NAME="EFI system partition"
FAT_LABEL=PILLBOX
SHIPPED_CFG=boot/pillbox.cfg.example
ESP_DIR=build/esp

# mkfs.vfat, fsck.fat and sgdisk are in /usr/sbin
PATH="$PATH:/usr/sbin:/sbin"
export MTOOLS_SKIP_CHECK=1

fail_cases() {
	local c
	for c in $1; do
		fail "$c" "$2"
	done
}
fail_all() {
	fail_cases "$FILE_CASES $BOOT_CASES $SB_CASES" "$1"
	exit 1
}

# ---- prerequisites ------------------------------------------------------
for tool in qemu-system-x86_64 sgdisk fsck.fat mdir mcopy minfo; do
	command -v "$tool" >/dev/null 2>&1 ||
		fail_all "$tool not found (make deps installs qemu-system-x86, gdisk, dosfstools, mtools)"
done
[ -f "$OVMF_CODE" ] && [ -f "$OVMF_VARS" ] ||
	fail_all "no $OVMF_CODE / $OVMF_VARS (apt-get install ovmf)"

qemu_work pillbox-qemu-usb || fail_all "mktemp failed"

compare_efi=1
if [ -z "$image" ]; then
	image=build/pillbox-usb.img
	if ! make --no-print-directory usb >"$work/make.log" 2>&1; then
		fail_all "make usb failed: $(tail -n 3 "$work/make.log" | tr '\n' ' ')"
	fi
else
	compare_efi=0
fi
[ -f "$image" ] || fail_all "no image $image"

# ---- the partition table ------------------------------------------------
# Prints the problems, nothing when all is as documented.
check_partition_table() {
	local out info
	out=$(sgdisk -v "$image" 2>&1)
	case $out in
	*"No problems found"*) ;;
	*) echo "sgdisk -v: $(echo "$out" | grep -v '^$' | head -n 3 | tr '\n' ' ')" ;;
	esac
	out=$(sgdisk -p "$image" 2>&1) || { echo "sgdisk -p failed: $out"; return; }
	local sectors
	sectors=$(echo "$out" | sed -nE 's/^Disk .*: ([0-9]+) sectors.*/\1/p')
	[ "$sectors" = "$DISK_SECTORS" ] ||
		echo "the disk has ${sectors:-?} sectors, not $DISK_SECTORS (64 MiB)"
	local parts
	parts=$(echo "$out" | awk '/^Number/ { t = 1; next } t && NF { print $1 }' | paste -sd ' ' -)
	[ "$parts" = 1 ] || echo "partitions '${parts}', not exactly '1'"
	info=$(sgdisk -i 1 "$image" 2>&1)
	local type first last name
	type=$(echo "$info" | sed -nE 's/^Partition GUID code: ([0-9A-F-]+).*/\1/p')
	first=$(echo "$info" | sed -nE 's/^First sector: ([0-9]+).*/\1/p')
	last=$(echo "$info" | sed -nE 's/^Last sector: ([0-9]+).*/\1/p')
	name=$(echo "$info" | sed -nE "s/^Partition name: '(.*)'\$/\\1/p")
	[ "$type" = "$ESP_TYPE" ] || echo "partition 1 has type ${type:-?}, not $ESP_TYPE (EF00)"
	[ "$first" = "$ESP_FIRST" ] && [ "$last" = "$ESP_LAST" ] ||
		echo "partition 1 is sectors ${first:-?}-${last:-?}, not $ESP_FIRST-$ESP_LAST"
	[ "$name" = "$ESP_NAME" ] || echo "partition 1 is named '$name', not '$ESP_NAME'"
}
problems=$(check_partition_table)
if [ -z "$problems" ]; then
	pass partition-table
else
	fail partition-table "$(echo "$problems" | paste -sd ';' -)"
fi
part_guid=$(sgdisk -i 1 "$image" 2>/dev/null | sed -nE 's/^Partition unique GUID: ([0-9A-F-]+).*/\1/p')

# ---- the file system ------------------------------------------------------
fat="$work/esp.fat"
dd if="$image" of="$fat" bs=512 skip="$ESP_FIRST" count=$((ESP_LAST - ESP_FIRST + 1)) \
	status=none 2>"$work/dd.log"
check_filesystem() {
	local out label
	out=$(fsck.fat -n -v "$fat" 2>&1)
	[ $? -eq 0 ] || echo "fsck.fat -n found problems: $(echo "$out" | tail -n 3 | tr '\n' ' ')"
	echo "$out" | grep -q 'FATs, 32 bit entries' || echo "not FAT32 ($(echo "$out" | grep 'FATs,'))"
	label=$(minfo -i "$fat" :: 2>/dev/null | sed -nE 's/^disk label="([^"]*)".*/\1/p' | sed 's/ *$//')
	[ "$label" = "$FAT_LABEL" ] || echo "label '$label', not '$FAT_LABEL'"
}
problems=$(check_filesystem)
if [ -z "$problems" ]; then
	pass filesystem
else
	fail filesystem "$(echo "$problems" | paste -sd ';' -)"
fi

# ---- the files ------------------------------------------------------------
guests=()
for g in "$ESP_DIR"/EFI/pillbox/*.efi; do
	[ -f "$g" ] && guests+=("EFI/pillbox/${g##*/}")
done
check_files() {
	local want have f
	if [ ${#guests[@]} -eq 0 ]; then
		echo "no guest programs in $ESP_DIR/EFI/pillbox (make all)"
		return
	fi
	want=$(printf '%s\n' EFI/BOOT/BOOTX64.EFI EFI/BOOT/pillbox.cfg "${guests[@]}" | sort)
	have=$(mdir -/ -b -i "$fat" ::/ 2>&1 | sed -n 's|^::/||p' | grep -v '/$' | sort)
	[ "$have" = "$want" ] ||
		echo "files '$(echo "$have" | paste -sd ' ' -)', not '$(echo "$want" | paste -sd ' ' -)'"
	mkdir -p "$work/files"
	for f in EFI/BOOT/BOOTX64.EFI EFI/BOOT/pillbox.cfg "${guests[@]}"; do
		local out="$work/files/${f//\//_}"
		mcopy -n -i "$fat" "::/$f" "$out" 2>/dev/null || { echo "cannot read $f"; continue; }
		case $f in
		*.cfg) cmp -s "$out" "$SHIPPED_CFG" || echo "$f differs from $SHIPPED_CFG" ;;
		*)
			[ "$(head -c 2 "$out")" = MZ ] || echo "$f is not a PE file"
			[ "$compare_efi" = 0 ] || cmp -s "$out" "$ESP_DIR/$f" || echo "$f differs from $ESP_DIR/$f"
			;;
		esac
	done
}
problems=$(check_files)
if [ -z "$problems" ]; then
	pass files
else
	fail files "$(echo "$problems" | paste -sd ';' -)"
fi

# ---- the images of make usb CHECK=NAME ------------------------------------
check_images() {
	local name img cfg out
	for name in selftest initsipi bench; do
		img=build/pillbox-usb-$name.img
		if ! make --no-print-directory usb CHECK=$name >"$work/make-$name.log" 2>&1; then
			echo "make usb CHECK=$name failed: $(tail -n 2 "$work/make-$name.log" | tr '\n' ' ')"
			continue
		fi
		cfg=$(mtype -i "$img@@1M" ::/EFI/BOOT/pillbox.cfg 2>&1 | tr -d '\r')
		grep -qxF "image = \\EFI\\pillbox\\$name.efi" <<<"$cfg" ||
			echo "$img: pillbox.cfg has no line 'image = \\EFI\\pillbox\\$name.efi'"
		grep -qx "args = $name" <<<"$cfg" || echo "$img: pillbox.cfg has no line 'args = $name'"
		mdir -b -i "$img@@1M" "::/EFI/pillbox/$name.efi" >/dev/null 2>&1 ||
			echo "$img: no EFI/pillbox/$name.efi"
	done
	out=$(make --no-print-directory usb CHECK=nonsense 2>&1) &&
		echo "make usb CHECK=nonsense did not fail"
	grep -q "choose one of: selftest initsipi bench" <<<"$out" ||
		echo "make usb CHECK=nonsense: '$out' names no choices"
}
if [ "$compare_efi" = 1 ]; then
	problems=$(check_images)
	if [ -z "$problems" ]; then
		pass check-images
	else
		fail check-images "$(echo "$problems" | paste -sd ';' -)"
	fi
fi

# ---- booting it -----------------------------------------------------------
# What the loader should say about the configuration: the last value of
# each key in the stick's pillbox.cfg, else the loader's default.
cfg_value() {
	local v
	v=$(sed -e 's/\r$//' -e 's/#.*//' "$work/files/EFI_BOOT_pillbox.cfg" 2>/dev/null |
		sed -nE "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*(.*[^[:space:]])?[[:space:]]*\$/\\1/p" | tail -n 1)
	if [ -z "$v" ] && ! sed -e 's/#.*//' "$work/files/EFI_BOOT_pillbox.cfg" 2>/dev/null |
		grep -qE "^[[:space:]]*$1[[:space:]]*="; then
		v=$2
	fi
	printf '%s' "$v"
}
level=$(cfg_value log_level info)
case $level in 0) level=error ;; 1) level=warn ;; 2) level=info ;; 3) level=debug ;; esac
WANT_CONFIG="config \\EFI\\BOOT\\pillbox.cfg: image '$(cfg_value image '\EFI\BOOT\next.efi')', args '$(cfg_value args '')', log level $level"
export WANT_CONFIG
# The partition as the firmware's device path names it (hex LBA, size).
WANT_HD=$(printf 'HD(1,GPT,%s,0x%X,0x%X)' "${part_guid:-?}" "$ESP_FIRST" $((ESP_LAST - ESP_FIRST + 1)))
export WANT_HD

# check_log SERIAL: one line per boot case, "<case> ok" or "<case> <why>",
# then "final 1" when the answers cannot change any more, else "final 0".
# Only complete lines are read (QEMU may be in the middle of one).
check_log() {
	local complete
	complete=$(tr -cd '\n' <"$1" | wc -c)
	clean_log "$1" | awk -v complete="$complete" "$BDS_AWK"'
	BEGIN { want_cfg = ENVIRON["WANT_CONFIG"]; want_hd = ENVIRON["WANT_HD"] }
	NR > complete { exit }
	{
		b = bds($0)
		if (b != "" && !loader_ran && index(b, "BdsDxe: starting Boot")) {
			cur = bootnum(b)
			cur_line = b
		}
		if (!loader_ran && index($0, " cpu0 boot] ")) {
			loader_ran = 1
			loader_opt = cur
			loader_from = cur_line
		}
		if (loader_ran && !returned) {
			if (index($0, " cpu0 boot] config "))
				config_line = substr($0, index($0, "config "))
			if (index($0, "[WARN cpu0 boot] \\EFI\\BOOT\\pillbox.cfg"))
				config_warn = substr($0, index($0, "\\EFI"))
			if (index($0, "[ERROR cpu0 boot] refused:"))
				refused = substr($0, index($0, "refused:"))
			p = index($0, "BdsDxe: failed to start Boot")
			if (p && bootnum(substr($0, p)) == loader_opt) {
				returned = 1
				n = split(substr($0, p), parts, ": ")
				status = parts[n]
				next
			}
			if (b != "")
				moved_on = 1	# another option without the loader returning an error
		}
		if (returned && next_opt == "" && b != "" && bootnum(b) != loader_opt) {
			next_opt = b
			if (index(b, "\"EFI Internal Shell\"") == 0)
				moved_on = 1	# not the shell: no map to wait for
		}
		if (next_opt != "" && index($0, "HD(1,GPT,") && index($0, "USB(")) {
			if (index($0, want_hd))
				map_ok = 1
			else if (map_other == "")
				map_other = $0
		}
		if (index($0, "Shell>"))
			moved_on = 1
		if (!loader_ran && b != "" && index(b, "USB(") == 0 && seen_opt)
			moved_on = 1	# past the USB option without the loader
		if (b != "")
			seen_opt = 1
	}
	END {
		if (!loader_ran)
			print "from-usb the loader did not run (no \"cpu0 boot\" log line)"
		else if (loader_from == "")
			print "from-usb no \"BdsDxe: starting Boot####\" line before the loader ran"
		else if (loader_from !~ /\/USB\([^)]*\)/)
			print "from-usb the loader was started from a device that is not USB: " loader_from
		else
			print "from-usb ok"

		if (config_line == "")
			print "config no \"" want_cfg "\" line from the loader"
		else if (config_line != want_cfg)
			print "config the loader said \"" config_line "\", not \"" want_cfg "\""
		else if (config_warn != "")
			print "config the loader complained: " config_warn
		else
			print "config ok"

		if (refused == "")
			print "refusal no \"[ERROR cpu0 boot] refused:\" line"
		else if (!returned)
			print "refusal after \"" refused "\" no \"BdsDxe: failed to start Boot" loader_opt "\""
		else if (next_opt == "")
			print "refusal the loader returned (" status ") but the firmware did not go on to another boot option"
		else
			print "refusal ok"

		if (next_opt == "")
			print "firmware-map the firmware did not go on to the EFI shell"
		else if (index(next_opt, "\"EFI Internal Shell\"") == 0)
			print "firmware-map the next boot option is not the EFI shell: " next_opt
		else if (map_ok)
			print "firmware-map ok"
		else if (map_other != "")
			print "firmware-map the shell maps the stick as \"" map_other "\", not ..." want_hd
		else
			print "firmware-map the shell listed no USB(...)/" want_hd
		print "final " ((map_ok || moved_on || (loader_ran && returned && next_opt != "" && map_other != "")) ? 1 : 0)
	}'
}

# check_secure_boot SERIAL signed|unsigned: under Secure Boot, did OVMF
# start the loader from the stick (signed), or refuse to load it (unsigned)?
# Prints "secure-boot-<which> ok" or "... <why>", then "final 0|1".
check_secure_boot() {
	local complete
	complete=$(tr -cd '\n' <"$1" | wc -c)
	clean_log "$1" | awk -v complete="$complete" -v which="$2" '
	NR > complete { exit }
	index($0, "BdsDxe: starting Boot") && !loader_ran {
		cur_line = substr($0, index($0, "BdsDxe: starting Boot"))
	}
	index($0, " cpu0 boot] ") && !loader_ran {
		loader_ran = 1
		loader_from = cur_line
	}
	index($0, "BdsDxe: failed to load Boot") && index($0, "USB(") && denied == "" {
		n = split($0, parts, ": ")
		denied = parts[n]
	}
	index($0, "UEFI Interactive Shell") || index($0, "No bootable option") { moved_on = 1 }
	END {
		r = "secure-boot-" which " "
		if (which == "signed") {
			if (loader_ran && loader_from ~ /\/USB\([^)]*\)/)
				print r "ok"
			else if (loader_ran)
				print r "the loader ran, but not from the USB device: " loader_from
			else if (denied != "")
				print r "OVMF did not load the signed loader: " denied
			else
				print r "the loader did not run (no \"cpu0 boot\" log line)"
		} else {
			if (loader_ran)
				print r "the unsigned loader ran: Secure Boot was not enforced"
			else if (denied == "Access Denied" || denied == "Security Violation")
				print r "ok"
			else if (denied != "")
				print r "OVMF did not load it, but said \"" denied "\", not \"Access Denied\""
			else
				print r "no \"BdsDxe: failed to load Boot#### ... USB(...): Access Denied\" line"
		}
		print "final " ((loader_ran || denied != "" || moved_on) ? 1 : 0)
	}'
}

# final CHECK [ARGS...]: CHECK's answer; exit 0 when it ends "final 1".
final() {
	local out
	out=$("$@")
	echo "$out"
	[ "$(echo "$out" | sed -n 's/^final //p')" = 1 ]
}

# boot_usb NAME IMAGE CODE VARS CHECK [CHECK ARGS] -- [QEMU ARGS]: boots
# a private copy of IMAGE as a USB stick on an xHCI controller, with the
# firmware CODE and a private copy of the variable store VARS, and polls
# "CHECK SERIAL [ARGS]" until it prints "final 1" (or QEMU ends, or the
# backstop timeout). Sets result (CHECK's last answer), note (why the run
# ended early, or empty) and serial.
boot_usb() {
	local name=$1 img=$2 code=$3 vars=$4
	shift 4
	local -a check=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		check+=("$1")
		shift
	done
	[ $# -gt 0 ] && shift
	local dir="$work/$name"
	mkdir -p "$dir"
	serial="$dir/serial.txt"
	: >"$serial"
	note=""
	result=""
	# (stick_mib: the stick is bigger than the image, as a real one is)
	cp --sparse=always "$img" "$dir/stick.img" && qemu_pflash "$dir" "$code" "$vars" &&
		{ [ -z "${stick_mib:-}" ] || truncate -s "${stick_mib}M" "$dir/stick.img"; } || {
		note="; cannot copy $img and $vars to $dir"
		return
	}
	qemu_start "$dir" "$serial" -accel tcg -m 512 "$@" "${qemu_fw[@]}" \
		-device qemu-xhci,id=xhci \
		-drive "if=none,id=stick,format=raw,file=$dir/stick.img" \
		-device usb-storage,bus=xhci.0,drive=stick,bootindex=0
	qemu_wait "$timeout" final "${check[0]}" "$serial" "${check[@]:1}" || note="; $qemu_note"
}

# report CASES TITLE: a PASS/FAIL line per case from $result, and the end
# of the serial log when one failed.
report() {
	local c why bad=0
	for c in $1; do
		why=$(echo "$result" | sed -n "s/^$c //p")
		if [ "$why" = ok ]; then
			pass "$c"
		else
			fail "$c" "${why:-no answer}$note"
			bad=1
		fi
	done
	[ "$bad" = 1 ] || return 0
	show_serial "$serial" "$2"
}

stick_mib=1024
boot_usb plain "$image" "$OVMF_CODE" "$OVMF_VARS" check_log -- -machine q35
stick_mib=""
report "$BOOT_CASES" "Secure Boot off"

# ---- Secure Boot ------------------------------------------------------------
# Debian's OVMF "snakeoil" build has Secure Boot on with a test certificate
# in db, and ships its key (pass phrase "snakeoil"): make sign with that key
# must give an image the firmware starts, and the unsigned image must be
# refused. The signed image is made in the work folder, not in build/.
sb_code=/usr/share/OVMF/OVMF_CODE_4M.snakeoil.fd
sb_vars=/usr/share/OVMF/OVMF_VARS_4M.snakeoil.fd
sb_key=/usr/share/ovmf/PkKek-1-snakeoil.key
sb_cert=/usr/share/ovmf/PkKek-1-snakeoil.pem
SB_MACHINE=(-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on)
if [ "$compare_efi" = 0 ]; then
	echo "note: the Secure Boot cases (secure-boot-signed, secure-boot-unsigned) run only without --image"
	exit $((fails > 0))
fi
sb_problem=""
for f in "$sb_code" "$sb_vars" "$sb_key" "$sb_cert"; do
	[ -f "$f" ] || sb_problem="no $f (Debian's ovmf package has it)"
done
for tool in openssl sbsign sbverify; do
	command -v "$tool" >/dev/null 2>&1 ||
		sb_problem="$tool not found (make deps installs openssl, sbsigntool)"
done
if [ -z "$sb_problem" ]; then
	(umask 077 && openssl rsa -in "$sb_key" -passin pass:snakeoil -out "$work/sb.key") \
		>"$work/openssl.log" 2>&1 ||
		sb_problem="cannot decrypt $sb_key: $(tail -n 1 "$work/openssl.log")"
fi
if [ -z "$sb_problem" ] &&
	! make --no-print-directory sign SIGN_KEY="$work/sb.key" SIGN_CERT="$sb_cert" \
		SIGNED_DIR="$work/signed" USB_SIGNED_IMG="$work/signed.img" \
		</dev/null >"$work/sign.log" 2>&1; then
	sb_problem="make sign failed: $(grep -v '^warning' "$work/sign.log" | tail -n 3 | tr '\n' ' ')"
fi
if [ -n "$sb_problem" ]; then
	fail_cases "$SB_CASES" "$sb_problem"
	exit 1
fi
boot_usb sb-signed "$work/signed.img" "$sb_code" "$sb_vars" \
	check_secure_boot signed -- "${SB_MACHINE[@]}"
report secure-boot-signed "Secure Boot on, signed image"
boot_usb sb-unsigned "$image" "$sb_code" "$sb_vars" \
	check_secure_boot unsigned -- "${SB_MACHINE[@]}"
report secure-boot-unsigned "Secure Boot on, unsigned image"
exit $((fails > 0))
