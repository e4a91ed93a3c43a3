# Host unit tests (cmocka). Included by the top-level Makefile, which sets
# BUILD and runs make from the repository root. The modules under test are
# built for the host with sanitizers; lib/lib.h users get the C library's
# memset/memcpy/memcmp/strlen (lib/lib.c is not linked here).

HOST_CC ?= gcc
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -I. \
	-fsanitize=address,undefined -fno-omit-frame-pointer
HOST_LDLIBS := -lcmocka

UNIT_DIR := tests/unit
UNIT_NAMES := mtrr ept host_paging config cpuid_policy msr_policy cr_policy \
	exit_table vmx_caps fmt init_sipi guest_paging insn_decode insn_alu apic_icr log_ring \
	memtype_msr
# ACPI sleep requests: the tables (boot/acpi.c), the PM1 policy (vmm/policy/pm1_policy.c).
UNIT_NAMES += acpi pm1_policy
# Events at VM entry (vmm/event/vmx_event.c).
UNIT_NAMES += vmx_event
# Guard pages (arch/x86_64/host_guard.c).
UNIT_NAMES += host_guard
UNIT_TESTS := $(addprefix $(BUILD)/$(UNIT_DIR)/test_,$(UNIT_NAMES))

# Sources linked into each test besides tests/unit/test_<name>.c.
UNIT_SRCS_mtrr := ept/mtrr.c
UNIT_SRCS_ept := ept/ept.c ept/mtrr.c $(UNIT_DIR)/test_pages.c
UNIT_SRCS_host_paging := arch/x86_64/host_paging.c ept/ept.c ept/mtrr.c $(UNIT_DIR)/test_pages.c
UNIT_SRCS_config := boot/config.c lib/fmt.c
UNIT_SRCS_cpuid_policy := vmm/policy/cpuid_policy.c
UNIT_SRCS_msr_policy := vmm/policy/msr_policy.c
UNIT_SRCS_cr_policy := vmm/policy/cr_policy.c
UNIT_SRCS_exit_table := vmm/exit/exit_table.c
UNIT_SRCS_vmx_caps := vmm/setup/vmx_caps.c lib/fmt.c
UNIT_SRCS_fmt := lib/fmt.c
UNIT_SRCS_init_sipi := vmm/ipi/init_sipi.c
UNIT_SRCS_insn_decode := vmm/insn/insn_decode.c
UNIT_SRCS_insn_alu := vmm/insn/insn_alu.c
UNIT_SRCS_apic_icr := vmm/ipi/apic_icr.c
UNIT_SRCS_guest_paging := vmm/memory/guest_paging.c
UNIT_SRCS_log_ring := vmm/log/log_ring.c
UNIT_SRCS_host_guard := arch/x86_64/host_guard.c $(UNIT_DIR)/test_pages.c
UNIT_SRCS_vmx_event := vmm/event/vmx_event.c
UNIT_SRCS_memtype_msr := vmm/policy/memtype_msr.c ept/mtrr.c
UNIT_SRCS_acpi := boot/acpi.c
UNIT_SRCS_pm1_policy := vmm/policy/pm1_policy.c

unit_host_obj = $(patsubst %.c,$(BUILD)/host/%.o,$(1))
unit_test_srcs = $(UNIT_DIR)/test_$(1).c $(UNIT_SRCS_$(1))

UNIT_HOST_SRCS := $(sort $(foreach t,$(UNIT_NAMES),$(call unit_test_srcs,$(t))))
UNIT_HOST_OBJS := $(call unit_host_obj,$(UNIT_HOST_SRCS))

# Static pattern rule: takes precedence over any $(BUILD)/%.o rule of the
# freestanding build.
$(UNIT_HOST_OBJS): $(BUILD)/host/%.o: %.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

define UNIT_TEST_RULE
$(BUILD)/$(UNIT_DIR)/test_$(1): $(call unit_host_obj,$(call unit_test_srcs,$(1)))
	@mkdir -p $$(dir $$@)
	$$(HOST_CC) $$(HOST_CFLAGS) $$^ -o $$@ $$(HOST_LDLIBS)
endef
$(foreach t,$(UNIT_NAMES),$(eval $(call UNIT_TEST_RULE,$(t))))

# Runs every test, continuing after a failure; fails if any failed.
.PHONY: unit-test
unit-test: $(UNIT_TESTS)
	@failed=""; \
	for t in $(UNIT_TESTS); do \
		echo "== $$t"; \
		$$t || failed="$$failed $$t"; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "unit tests FAILED:$$failed"; exit 1; \
	fi; \
	echo "unit tests: all $(words $(UNIT_TESTS)) passed"

# The test binaries, one per line (tests/run-all.sh reads this list).
.PHONY: print-unit-tests
print-unit-tests:
	@printf '%s\n' $(UNIT_TESTS)

-include $(UNIT_HOST_OBJS:.o=.d)
