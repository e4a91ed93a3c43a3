# Host-side fuzzing (docs/fuzzing.md): libFuzzer harnesses, built with
# clang and AddressSanitizer/UndefinedBehaviorSanitizer into build/fuzz/.
#   make fuzz                 each harness for FUZZ_SECONDS (default 600)
#   tests/fuzz/test-fuzz.sh   the short run of make test
# The VMM sources are built unchanged, with tests/fuzz/include/ first on
# the include path: its arch/x86_64/cpu_insn.h, vmx_insn.h and port_io.h
# stand in for the real ones (the instructions), as functions of
# tests/fuzz/fake_hw.c; guest_mem.c is replaced by a fake.
# arch/x86_64/lapic.c is the real one: its MMIO lands on the pages of
# tests/fuzz/fake_phys.c.

DEB_PACKAGES += clang libclang-rt-14-dev

FUZZ_CC ?= clang
FUZZ_DIR := $(BUILD)/fuzz
FUZZ_SECONDS ?= 600
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=gnu11 -O1 -g -fno-omit-frame-pointer -Itests/fuzz/include -I. \
	-Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	$(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_LDFLAGS := $(FUZZ_SAN) -fsanitize=fuzzer

FUZZ_NAMES := exit config

# The exit path: every vmm/*/*.c but the ones that set the machine up (the
# core's entry points, the pool, VMCS set-up) and the files faked here,
# with lib/fmt.c (the host's C library stands in for lib/lib.c);
# devirtualize.c is compiled through a wrapper.
FUZZ_VMM_SRCS := $(filter-out vmm/setup/core.c vmm/setup/pool.c vmm/setup/vmcs_setup.c \
	vmm/memory/guest_mem.c vmm/setup/devirtualize.c,$(wildcard vmm/*/*.c)) \
	ept/ept.c ept/mtrr.c lib/fmt.c arch/x86_64/serial.c arch/x86_64/lapic.c
FUZZ_SRCS_exit := tests/fuzz/fuzz_exit.c tests/fuzz/exit_input.c tests/fuzz/exit_checks.c \
	tests/fuzz/exit_halts.c tests/fuzz/fake_phys.c tests/fuzz/fake_hw.c \
	tests/fuzz/fake_guest_mem.c tests/fuzz/devirtualize_fuzz.c $(FUZZ_VMM_SRCS)
FUZZ_SRCS_config := tests/fuzz/fuzz_config.c boot/config.c lib/fmt.c

FUZZ_BINS := $(addprefix $(FUZZ_DIR)/fuzz_,$(FUZZ_NAMES))
fuzz_obj = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(1))
FUZZ_OBJS := $(call fuzz_obj,$(sort $(foreach n,$(FUZZ_NAMES),$(FUZZ_SRCS_$(n)))))

$(FUZZ_OBJS): $(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC [fuzz] $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c $< -o $@

define FUZZ_RULE
$(FUZZ_DIR)/fuzz_$(1): $(call fuzz_obj,$(FUZZ_SRCS_$(1)))
	@echo "  LD      $$@"
	$$(Q)$$(FUZZ_CC) $$^ -o $$@ $$(FUZZ_LDFLAGS)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call FUZZ_RULE,$(n))))

TEST_BUILD += $(FUZZ_BINS)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)
# The long run: FUZZ_SECONDS per harness, corpus grown in build/fuzz/corpus/.
fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_KEEP_CORPUS=1 tests/fuzz/test-fuzz.sh

-include $(FUZZ_OBJS:.o=.d)
