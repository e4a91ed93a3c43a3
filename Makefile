# Pillbox: a minimal type-1 hypervisor for x86-64 Intel VT-x.
#   make run    build, install missing Debian packages, boot the demo in Bochs
#   make test   all tests (host unit tests, Bochs and QEMU boot tests)
#   make all    build build/esp/ (loader, core, guest programs, config)
# More targets come from tests/*/*.mk (e.g. make fuzz, make bench) and
# boot/usb.mk (make usb, make sign).

BUILD   := build
# V=1 shows the full commands.
Q := $(if $(V),,@)
CC      := gcc
LD      := ld
OBJCOPY := objcopy

# Debian packages the build and the tests need (make deps installs the
# missing ones; it is a no-op when all are present). Bochs is not among
# them: after them make deps provides a Bochs >= 3.0, the emulator of the
# boot tests (tests/boot/build-bochs.sh: Debian 13's package, or on Debian
# 12 a build of Debian 13's source, once per machine).
DEB_PACKAGES := gcc make binutils gnu-efi vgabios ovmf \
                qemu-system-x86 mtools dosfstools libcmocka-dev gdisk sbsigntool openssl \
                cpio libc6-dev

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# Flags common to every freestanding object (loader, core, guest programs).
FREESTANDING := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -fno-stack-protector \
                -fno-strict-aliasing -fno-common -mno-red-zone -mgeneral-regs-only \
                -fno-asynchronous-unwind-tables -fcf-protection=none $(WARN) -I.

# The VMM core: position independent, relocated by the loader into the
# reserved region; hidden visibility keeps every reference PC-relative.
CORE_CFLAGS := $(FREESTANDING) -fpie -fvisibility=hidden -DPILLBOX_CORE
# EFI programs (loader, guest/): gnu-efi with the MS ABI for firmware calls.
EFI_INC := /usr/include/efi
EFI_CFLAGS := $(FREESTANDING) -fpic -fshort-wchar -DGNU_EFI_USE_MS_ABI \
              -DPILLBOX_EFI -isystem $(EFI_INC) -isystem $(EFI_INC)/x86_64
EFI_LDFLAGS := -nostdlib -znocombreloc -T /usr/lib/elf_x86_64_efi.lds -shared \
               -Bsymbolic -L/usr/lib /usr/lib/crt0-efi-x86_64.o
EFI_LIBS := -lefi -lgnuefi
EFI_SECTIONS := -j .text -j .sdata -j .data -j .rodata -j .dynamic -j .dynsym \
                -j .rel -j .rela -j .rel.* -j .rela.* -j .reloc

# Loader-only files in arch/: the core-call trampoline and the host page
# table builder (the loader builds the VMM's page tables, vmm/boot_info.h).
LOADER_ARCH := arch/x86_64/core_call.S arch/x86_64/host_paging.c
CORE_SRCS := $(wildcard vmm/*/*.c) $(wildcard ept/*.c) $(wildcard lib/*.c) \
             $(filter-out $(LOADER_ARCH),$(wildcard arch/x86_64/*.c arch/x86_64/*.S))
LOADER_SRCS := $(wildcard boot/*.c) boot/core_blob.S $(LOADER_ARCH) \
               arch/x86_64/serial.c arch/x86_64/vmx_cap_read.c vmm/log/log.c lib/fmt.c lib/lib.c vmm/setup/vmx_caps.c vmm/setup/pool.c \
               ept/ept.c ept/mtrr.c ept/mtrr_cpu.c
# Guest programs: each guest/<name>.c is one EFI program, built with
# GUEST_COMMON and with its own extra sources in guest/<name>/ if any.
GUEST_COMMON := guest/guest_check.c guest/guest_fault.c guest/load_options.c boot/console.c vmm/log/log.c lib/fmt.c lib/lib.c arch/x86_64/serial.c
GUEST_PROGS := $(filter-out $(basename $(notdir $(GUEST_COMMON))),$(basename $(notdir $(wildcard guest/*.c))))
guest_extra = $(patsubst %,$(BUILD)/efi/%.o,$(basename $(wildcard guest/$(1)/*.c guest/$(1)/*.S)))

CORE_OBJS := $(patsubst %,$(BUILD)/core/%.o,$(basename $(CORE_SRCS)))
LOADER_OBJS := $(patsubst %,$(BUILD)/efi/%.o,$(basename $(LOADER_SRCS)))

ESP := $(BUILD)/esp
ESP_FILES := $(ESP)/EFI/BOOT/BOOTX64.EFI $(ESP)/EFI/BOOT/pillbox.cfg \
             $(patsubst %,$(ESP)/EFI/pillbox/%.efi,$(GUEST_PROGS))

.PHONY: all deps run run-selftest qemu test unit-test boot-test clean
all: $(ESP_FILES)

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing missing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	fi
	@bash tests/boot/build-bochs.sh

# ---- the VMM core -------------------------------------------------------
$(BUILD)/core/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC [core] $<"
	$(Q)$(CC) $(CORE_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/core/%.o: %.S
	@mkdir -p $(@D)
	@echo "  AS [core] $<"
	$(Q)$(CC) $(CORE_CFLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@

$(BUILD)/core.elf: $(CORE_OBJS) vmm/setup/core.ld
	@echo "  LD      $@"
	$(Q)$(LD) -pie --no-dynamic-linker -nostdlib -z max-page-size=4096 -z norelro \
	      -z noexecstack --no-warn-rwx-segments --hash-style=sysv -T vmm/setup/core.ld $(CORE_OBJS) -o $@
	@bad=$$(readelf -rW $@ | awk '/R_X86_64_/ && $$3 != "R_X86_64_RELATIVE"'); \
	 if [ -n "$$bad" ]; then echo "core.elf: relocations other than R_X86_64_RELATIVE:"; echo "$$bad"; rm -f $@; exit 1; fi
$(BUILD)/core.bin: $(BUILD)/core.elf
	$(Q)$(OBJCOPY) -O binary $< $@

# ---- EFI programs -------------------------------------------------------
$(BUILD)/efi/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC [efi]  $<"
	$(Q)$(CC) $(EFI_CFLAGS) -MMD -MP -c $< -o $@
$(BUILD)/efi/%.o: %.S
	@mkdir -p $(@D)
	@echo "  AS [efi]  $<"
	$(Q)$(CC) $(EFI_CFLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@
$(BUILD)/efi/boot/core_blob.o: $(BUILD)/core.bin

$(BUILD)/loader.so: $(LOADER_OBJS)
	@echo "  LD      $@"
	$(Q)$(LD) $(EFI_LDFLAGS) $^ -o $@ $(EFI_LIBS)
.SECONDEXPANSION:
$(BUILD)/guest/%.so: $(BUILD)/efi/guest/%.o $$(call guest_extra,$$*) $(patsubst %.c,$(BUILD)/efi/%.o,$(GUEST_COMMON))
	@mkdir -p $(@D)
	@echo "  LD      $@"
	$(Q)$(LD) $(EFI_LDFLAGS) $^ -o $@ $(EFI_LIBS)
%.efi: %.so
	$(Q)$(OBJCOPY) $(EFI_SECTIONS) --target efi-app-x86_64 --subsystem=10 $< $@

$(ESP)/EFI/BOOT/BOOTX64.EFI: $(BUILD)/loader.efi
	@mkdir -p $(@D)
	$(Q)cp $< $@
$(ESP)/EFI/BOOT/pillbox.cfg: tests/boot/selftest.cfg
	@mkdir -p $(@D)
	$(Q)cp $< $@
$(ESP)/EFI/pillbox/%.efi: $(BUILD)/guest/%.efi
	@mkdir -p $(@D)
	$(Q)cp $< $@

# ---- tests --------------------------------------------------------------
# Each may add to DEB_PACKAGES, and to TEST_BUILD what make test builds.
TEST_BUILD :=
-include $(wildcard tests/*/*.mk)
include boot/usb.mk

test: deps
	@$(MAKE) --no-print-directory all $(UNIT_TESTS) $(TEST_BUILD)
	@tests/run-all.sh

# The demo: Debian's stock kernel boots under Pillbox on 2 CPUs in Bochs
# and checks from inside that it does (about a minute, docs/linux-guest.md).
run: deps
	@$(MAKE) --no-print-directory all
	@LINUX_RUNS=pillbox LINUX_SHOW=1 bash tests/boot/test-bochs-linux.sh

# QEMU with KVM and nested VMX on an Intel host (docs/qemu.md): checks the
# host first and says what is missing.
qemu: usb
	@bash tests/boot/qemu-kvm.sh

# The short demo: the firmware as the guest and the guest self-test (10 s).
run-selftest: deps
	@$(MAKE) --no-print-directory all
	@tests/boot/bochs-run.sh --esp $(ESP) --show --marker 'selftest done|VMM halted' --timeout 300

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/core $(BUILD)/efi $(BUILD)/host -name '*.d' -type f 2>/dev/null)
.SECONDARY:
