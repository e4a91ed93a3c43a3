# A bootable USB stick image (docs/usb.md). Included by the top-level
# Makefile, which sets BUILD, ESP, GUEST_PROGS and Q and runs make from the
# repository root.
#   make usb    build/pillbox-usb.img: a GPT disk image with one EFI system
#               partition holding the loader, a default pillbox.cfg and the
#               guest programs; write it to a stick with dd (docs/usb.md)
#   make sign SIGN_KEY=db.key SIGN_CERT=db.crt
#               the same image with the EFI programs signed (sbsigntool) by
#               a key whose certificate is enrolled in the firmware's db,
#               for Secure Boot: build/pillbox-usb-signed.img
# No root and no loop device: the FAT file system is made in a file of its
# own (mkfs.vfat, mtools), the partition table is written on the image file
# (sgdisk) and the file system is copied into the partition with dd.
# The QEMU USB boot test boots the image and checks this layout (and
# docs/usb.md describes it): change the three together.

.PHONY: usb sign

USB_IMG        = $(BUILD)/$(USB_IMG_NAME)
USB_SIGNED_IMG = $(BUILD)/$(USB_IMG_NAME:.img=-signed.img)
# Layout, in MiB: the disk, the partition's start and size. The partition
# ends 1 MiB before the end of the disk, which leaves room for the backup
# GPT (the last 33 sectors).
USB_IMG_MIB       := 64
USB_ESP_START_MIB := 1
USB_ESP_MIB       := 62
USB_ESP_FIRST     := $(shell echo $$(($(USB_ESP_START_MIB) * 2048)))
USB_ESP_LAST      := $(shell echo $$((($(USB_ESP_START_MIB) + $(USB_ESP_MIB)) * 2048 - 1)))
USB_ESP_LABEL     := PILLBOX
USB_ESP_NAME      := EFI system partition
# The user-facing default configuration (not the tests' one in build/esp).
# make usb CHECK=selftest|initsipi|bench: the same image, but pillbox.cfg
# starts that guest check program (image = \EFI\pillbox\NAME.efi,
# args = NAME), as a hardware check whose report a user can send
# (docs/usb.md, "A hardware check"); written to build/pillbox-usb-NAME.img.
USB_CHECKS := selftest initsipi bench
CHECK ?=
ifneq ($(CHECK),)
ifeq ($(filter $(CHECK),$(USB_CHECKS)),)
$(error make usb: CHECK=$(CHECK) is not a guest check program; choose one of: $(USB_CHECKS))
endif
USB_CFG := $(BUILD)/usb/pillbox-$(CHECK).cfg
USB_IMG_NAME := pillbox-usb-$(CHECK).img
else
USB_CFG := boot/pillbox.cfg.example
USB_IMG_NAME := pillbox-usb.img
endif
# The folders and files on the partition: "source:destination" pairs; the
# sources of the EFI programs are in build/esp/ (make all).
USB_DIRS := EFI EFI/BOOT EFI/pillbox
USB_EFI  := EFI/BOOT/BOOTX64.EFI $(patsubst %,EFI/pillbox/%.efi,$(GUEST_PROGS))
USB_FILES := $(foreach f,$(USB_EFI),$(ESP)/$(f):$(f)) $(USB_CFG):EFI/BOOT/pillbox.cfg
USB_SRCS  := $(addprefix $(ESP)/,$(USB_EFI)) $(USB_CFG)
# With make sign: the EFI programs signed, from build/signed/.
SIGNED_DIR   := $(BUILD)/signed
SIGNED_EFI   := $(addprefix $(SIGNED_DIR)/,$(USB_EFI))
SIGNED_FILES := $(foreach f,$(USB_EFI),$(SIGNED_DIR)/$(f):$(f)) $(USB_CFG):EFI/BOOT/pillbox.cfg

# mkfs.vfat and sgdisk are in /usr/sbin, which a user's PATH may lack.
USB_PATH := PATH="$$PATH:/usr/sbin:/sbin"
MTOOLS := MTOOLS_SKIP_CHECK=1

# $(call usb_image,IMAGE,PAIRS): builds IMAGE from the source:destination
# PAIRS, through IMAGE.fat and IMAGE.tmp, so that a failed build leaves no
# IMAGE behind.
define usb_image
	@echo "  IMG     $(1)"
	$(Q)$(USB_PATH); for t in mkfs.vfat mmd mcopy sgdisk; do \
	  command -v $$t >/dev/null 2>&1 || { \
	    echo "make usb: $$t not found (make deps installs dosfstools, mtools, gdisk)"; exit 1; }; \
	done
	$(Q)rm -f $(1) $(1).fat $(1).tmp
	$(Q)truncate -s $(USB_ESP_MIB)M $(1).fat
	$(Q)$(USB_PATH) mkfs.vfat -F 32 -s 1 -h $(USB_ESP_FIRST) -n $(USB_ESP_LABEL) $(1).fat >/dev/null
	$(Q)$(MTOOLS) mmd -i $(1).fat $(addprefix ::/,$(USB_DIRS))
	$(Q)set -e; for pair in $(2); do \
	  $(MTOOLS) mcopy -m -i $(1).fat "$${pair%%:*}" "::/$${pair#*:}"; \
	done
	$(Q)truncate -s $(USB_IMG_MIB)M $(1).tmp
	$(Q)$(USB_PATH) sgdisk --clear --new=1:$(USB_ESP_FIRST):$(USB_ESP_LAST) --typecode=1:EF00 \
	      --change-name=1:"$(USB_ESP_NAME)" $(1).tmp >$(1).log 2>&1 || { cat $(1).log; exit 1; }
	$(Q)dd if=$(1).fat of=$(1).tmp bs=1M seek=$(USB_ESP_START_MIB) conv=notrunc,sparse status=none
	$(Q)rm -f $(1).fat $(1).log
	$(Q)mv $(1).tmp $(1)
endef

usb: all $(USB_IMG)
	@echo "USB image: $(USB_IMG) ($(USB_IMG_MIB) MiB; write it to a stick as docs/usb.md says)"

# The example configuration with image and args set to the check program.
$(BUILD)/usb/pillbox-%.cfg: boot/pillbox.cfg.example boot/usb.mk
	@mkdir -p $(@D)
	$(Q){ printf '# make usb CHECK=%s: this stick starts the guest check program %s.efi\n' $* $*; \
	  printf '# under Pillbox; its report goes to the screen and COM1 (docs/usb.md).\n\n'; \
	  sed -e 's/^image =$$/image = \\EFI\\pillbox\\$*.efi/' -e 's/^args =$$/args = $*/' $<; } >$@.tmp
	$(Q)grep -qx 'image = \\EFI\\pillbox\\$*.efi' $@.tmp && grep -qx 'args = $*' $@.tmp || \
	  { echo "make usb: $< has no empty 'image =' and 'args =' lines to set"; rm -f $@.tmp; exit 1; }
	$(Q)mv $@.tmp $@

$(USB_IMG): $(USB_SRCS) boot/usb.mk
	$(call usb_image,$@,$(USB_FILES))

# ---- make sign ------------------------------------------------------------
SIGN_KEY  ?=
SIGN_CERT ?=

sign: all
	@if [ -z "$(SIGN_KEY)" ] || [ -z "$(SIGN_CERT)" ]; then \
	  echo "make sign: give the signing key and its certificate (PEM):"; \
	  echo "  make sign SIGN_KEY=path/to/db.key SIGN_CERT=path/to/db.crt"; \
	  echo "The certificate must be enrolled in the firmware's Secure Boot db (docs/usb.md)."; \
	  exit 2; \
	fi
	@for f in "$(SIGN_KEY)" "$(SIGN_CERT)"; do \
	  [ -r "$$f" ] || { echo "make sign: cannot read $$f"; exit 2; }; \
	done
	@command -v sbsign >/dev/null 2>&1 && command -v sbverify >/dev/null 2>&1 || { \
	  echo "make sign: sbsign/sbverify not found (make deps, or apt-get install sbsigntool)"; exit 2; }
	@$(MAKE) --no-print-directory $(USB_SIGNED_IMG)
	@echo "Signed USB image: $(USB_SIGNED_IMG) (EFI programs signed with $(SIGN_KEY))"

# Re-signed when the program changes or another key or certificate is
# given: the stamp holds the key's path and the certificate's hash, and is
# rewritten only when they change.
SIGN_STAMP := $(SIGNED_DIR)/signer
.PHONY: usb-sign-stamp
usb-sign-stamp:
$(SIGN_STAMP): usb-sign-stamp
	@mkdir -p $(@D)
	@id="$(SIGN_KEY) $$(sha256sum <"$(SIGN_CERT)")"; \
	 [ -f $@ ] && [ "$$(cat $@)" = "$$id" ] || echo "$$id" >$@

$(SIGNED_EFI): $(SIGNED_DIR)/%: $(ESP)/% $(SIGN_KEY) $(SIGN_CERT) $(SIGN_STAMP)
	@mkdir -p $(@D)
	@echo "  SIGN    $@"
	$(Q)sbsign --key "$(SIGN_KEY)" --cert "$(SIGN_CERT)" --output $@.tmp $< >$@.log 2>&1 || \
	  { cat $@.log; rm -f $@.tmp $@.log; exit 1; }
	$(Q)sbverify --cert "$(SIGN_CERT)" $@.tmp >$@.log 2>&1 || \
	  { cat $@.log; rm -f $@.tmp $@.log; exit 1; }
	$(Q)rm -f $@.log
	$(Q)mv $@.tmp $@

$(USB_SIGNED_IMG): $(SIGNED_EFI) $(USB_CFG) boot/usb.mk
	$(call usb_image,$@,$(SIGNED_FILES))
