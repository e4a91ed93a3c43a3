/* The core's two entry points, called by the loader (boot/main.c, boot/mp_launch.c):
 * core_init() once on the boot CPU, then core_launch_cpu() on each CPU to
 * enter VMX root operation and turn the caller into the guest. */
#include "vmm/setup/core_image.h"
#include "vmm/log/fatal.h"
#include "lib/lib.h"
#include "vmm/log/log_buffer.h"
#include "vmm/log/log.h"
#include "vmm/setup/pool.h"
#include "vmm/vcpu.h"
#include "vmm/setup/vmcs_setup.h"
#include "vmm/vmm.h"
#include "vmm/log/vmx_errors.h"
#include "vmm/policy/msr_policy.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/descriptors.h"
#include "arch/x86_64/lapic.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/vmx.h"
#include "arch/x86_64/vmx_cap_read.h"
#include "ept/ept.h"
#include "ept/mtrr.h"
#include "ept/mtrr_cpu.h"

#define SINK_FILL 0xFF /* reads of unbacked physical memory return all ones */

int core_init(struct boot_info *bi);
int core_launch_cpu(const struct guest_entry *ge);

struct vmm vmm;

extern char __hashed_start[], __hashed_end[];

/* Three zeroed pool pages for the sink fallback of EPT (vmm/memory/ept_live.c
 * fills them once the sink page exists); none if the pool is short. */
static void reserve_sink_tables(void)
{
	uint64_t *t[3];

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++)
		t[i] = pool_alloc_pages(1);
	if (!t[0] || !t[1] || !t[2]) {
		log_warn("ept", "no pool pages for the unbacked-memory fallback: beyond the EPT "
			 "reserve, a guest access above the map limit will not be mapped");
		return;
	}
	vmm.ept_sink = (struct ept_sink_tables){ (uint64_t)(uintptr_t)t[0],
						 (uint64_t)(uintptr_t)t[1],
						 (uint64_t)(uintptr_t)t[2] };
}

static int build_ept(void)
{
	uint64_t apic = lapic_mmio_base();
	struct phys_range holes[2] = {
		{ vmm.bi.region_base, vmm.bi.region_base + vmm.bi.region_size },
		{ apic, apic + PAGE_SIZE },  /* made read-only below */
	};
	struct ept_config cfg = {
		.mtrr = &vmm.guest_mtrr.state,
		.limit = vmm.bi.map_limit,
		.use_1g = vmm.ctl.ept_1g,
		.holes = holes,
		.hole_count = apic && apic < vmm.bi.map_limit ? 2 : 1,
	};
	struct ept_stats st = { 0 };
	struct mtrr_state cpu;
	uint64_t cap, def;
	int rc;

	/* The guest's MTRRs start as the CPU's; from now on the guest
	 * writes only its copy (vmm/exit/exit_memtype.c). */
	mtrr_read_cpu(&cpu, &cap, &def);
	mtrr_msrs_init(&vmm.guest_mtrr, &cpu, cap, def);
	vmm.maxphyaddr = cpu.maxphyaddr;
	log_info("ept", "MTRRs: %s, default type %u, %u variable ranges, fixed %s, MAXPHYADDR %u",
		 cpu.enabled ? "on" : "off", cpu.default_type, cpu.var_count,
		 cpu.fixed_enabled ? "on" : "off", cpu.maxphyaddr);
	vmm.ept_tables_start = pool_cursor();
	rc = ept_build(&cfg, &vmm.pages, &vmm.ept_pml4, &st);
	vmm.ept_tables_end = pool_cursor();
	if (rc) {
		log_err("ept", "EPT build failed (%d)", rc);
		return CORE_ERR_NOMEM;
	}
	reserve_sink_tables();
	vmm.eptp = ept_eptp(vmm.ept_pml4);
	/* The local APIC page: reads and fetches go to the APIC (or the bus)
	 * as on the bare CPU; writes exit (vmm/exit/exit_apic.c). */
	if (cfg.hole_count == 2) {
		if (ept_set_4k(&vmm.pages, vmm.ept_pml4, apic, apic, EPT_READ | EPT_EXEC, MEMTYPE_UC)) {
			log_err("ept", "cannot map the local APIC page %llx", (unsigned long long)apic);
			return CORE_ERR_NOMEM;
		}
		vmm.apic_page = apic;
	}
	log_info("ept", "EPT built: [0, %llu GiB) identity, %u tables, %u x 1G, %u x 2M, %u x 4K, "
		 "VMM region %llx-%llx not present (%u pages)",
		 (unsigned long long)(vmm.bi.map_limit >> 30), st.tables, st.leaves_1g,
		 st.leaves_2m, st.leaves_4k, (unsigned long long)holes[0].start,
		 (unsigned long long)holes[0].end, st.holes_4k);
	return CORE_OK;
}

static int check_boot_info(const struct boot_info *bi)
{
	if (bi->magic != BOOT_INFO_MAGIC || bi->version != BOOT_INFO_VERSION ||
	    bi->size != sizeof(*bi))
		return CORE_ERR_BOOT_INFO;
	if (bi->cpu_count == 0 || bi->cpu_count > BOOT_INFO_MAX_CPUS || bi->map_limit == 0 ||
	    bi->host_cr3 == 0)
		return CORE_ERR_BOOT_INFO;
	return CORE_OK;
}

int core_init(struct boot_info *bi)
{
	char missing[VMX_CAPS_TEXT_MAX];
	struct cpuid_regs r;
	int rc;

	if (vmm.initialized)
		return CORE_ERR_STATE;
	rc = check_boot_info(bi);
	if (rc)
		return rc;
	vmm.bi = *bi;
	/* The loader has set up the UART: setting it up again would drop the
	 * bytes still in its FIFO. */
	log_set_level((enum log_level)bi->log_level);
	log_buffer_init();
	vmm.hashed_start = (uint64_t)(uintptr_t)__hashed_start;
	vmm.hashed_end = (uint64_t)(uintptr_t)__hashed_end;
	log_info("core", "Pillbox core at %llx, region %llx+%llx, pool %llu KiB, %u CPU(s)",
		 (unsigned long long)(vmm.hashed_start & ~(PAGE_SIZE - 1)),
		 (unsigned long long)bi->region_base, (unsigned long long)bi->region_size,
		 (unsigned long long)(bi->pool_size >> 10), bi->cpu_count);

	vmx_cap_msrs_read(&vmm.caps);
	if (vmx_caps_describe_missing(&vmm.caps, missing, sizeof(missing))) {
		log_err("core", "missing VMX %s", missing);
		return CORE_ERR_VMX_CAPS;
	}
	vmx_controls_compute(&vmm.caps, &vmm.ctl);
	vmm.vmcs_revision = (uint32_t)(vmm.caps.basic & VMX_BASIC_REVISION_MASK);
	vmm.cr_fixed = (struct cr_fixed){
		.cr0_fixed0 = vmm.caps.cr0_fixed0, .cr0_fixed1 = vmm.caps.cr0_fixed1,
		.cr4_fixed0 = vmm.caps.cr4_fixed0, .cr4_fixed1 = vmm.caps.cr4_fixed1,
		.unrestricted = true,
	};
	cpuid_count(1, 0, &r);
	vmm.has_xsave = (r.ecx & CPUID_1_ECX_XSAVE) != 0;
	if (vmm.has_xsave) {
		cpuid_count(CPUID_XSAVE_LEAF, 0, &r);
		vmm.xcr0_supported = ((uint64_t)r.edx << 32) | r.eax;
	}

	pool_init(bi->pool_base, bi->pool_size);
	pool_page_alloc(&vmm.pages);
	lapic_base_init();
	rc = build_ept();
	if (rc)
		return rc;

	uint8_t *bitmap = pool_alloc_pages(1);
	uint8_t *sink = pool_alloc_pages(1);

	vmm.vcpus = pool_alloc_pages(bi->cpu_count * (sizeof(struct vcpu) / PAGE_SIZE));
	if (!bitmap || !sink || !vmm.vcpus) {
		log_err("core", "pool exhausted: %llu KiB free, need %llu KiB for %u CPU(s)",
			(unsigned long long)(pool_free_bytes() >> 10),
			(unsigned long long)((bi->cpu_count * sizeof(struct vcpu) + 2 * PAGE_SIZE) >> 10),
			bi->cpu_count);
		return CORE_ERR_NOMEM;
	}
	msr_bitmap_build(bitmap);
	vmm.msr_bitmap_phys = (uint64_t)(uintptr_t)bitmap;
	memset(sink, SINK_FILL, PAGE_SIZE);
	vmm.sink_page = (uint64_t)(uintptr_t)sink;
	host_idt_init();
	vmm.initialized = true;
	log_info("core", "footprint: %llu KiB reserved = core image %llu KiB (log ring %u KiB) + "
		 "boot info 4 KiB + host page tables %llu KiB + EPT %llu KiB + %u CPU(s) x %u KiB "
		 "+ other %llu KiB + unused %llu KiB",
		 (unsigned long long)(bi->region_size >> 10),
		 (unsigned long long)((bi->host_tables_start - PAGE_SIZE - bi->region_base) >> 10),
		 LOG_BUFFER_SIZE >> 10,
		 (unsigned long long)((bi->host_tables_end - bi->host_tables_start) >> 10),
		 (unsigned long long)((vmm.ept_tables_end - vmm.ept_tables_start) >> 10),
		 bi->cpu_count, (unsigned)(sizeof(struct vcpu) >> 10),
		 (unsigned long long)((pool_cursor() - bi->pool_base -
				       (vmm.ept_tables_end - vmm.ept_tables_start) -
				       bi->cpu_count * sizeof(struct vcpu)) >> 10),
		 (unsigned long long)(pool_free_bytes() >> 10));
	log_info("core", "controls: pin %x proc %x proc2 %x exit %x entry %x; EPT 1G pages %s",
		 vmm.ctl.pin, vmm.ctl.proc, vmm.ctl.proc2, vmm.ctl.exit, vmm.ctl.entry,
		 vmm.ctl.ept_1g ? "yes" : "no");
	return CORE_OK;
}

/* This CPU's block, found by APIC id: usable before the first VM exit has
 * loaded %gs, unlike vcpu_current(). NULL before core_launch_cpu(). */
struct vcpu *vcpu_find(unsigned apic_id)
{
	uint32_t claimed = __atomic_load_n(&vmm.cpus_claimed, __ATOMIC_ACQUIRE);

	for (uint32_t i = 0; i < claimed && i < vmm.bi.cpu_count; i++)
		if (vmm.vcpus[i].apic_id == apic_id)
			return &vmm.vcpus[i];
	return NULL;
}

void vmx_insn_failed(const char *insn, uint32_t field)
{
	struct vcpu *v = vcpu_find(cpu_apic_id());
	uint64_t err = 0;
	bool fail;

	if (v)
		v->vmx_insn_errors++;
	/* The error number, read without vmcs_read_raw(), which would come
	 * back here on failure; 0 when there is no current VMCS. */
	__asm__ volatile("vmread %2, %1; setna %0"
			 : "=qm"(fail), "=r"(err) : "r"((uint64_t)VMCS_VM_INSN_ERROR) : "cc");
	if (fail)
		err = 0;
	log_err("vmx", "%s of field %x failed: error %u (%s)", insn, field, (unsigned)err,
		vmx_insn_error_string((uint32_t)err));
}

static struct vcpu *claim_vcpu(void)
{
	uint32_t idx = __atomic_fetch_add(&vmm.cpus_claimed, 1, __ATOMIC_ACQ_REL);
	struct vcpu *v;

	if (idx >= vmm.bi.cpu_count)
		return NULL;
	v = &vmm.vcpus[idx];
	v->self = v;
	v->index = idx;
	v->apic_id = cpu_apic_id();
	v->vmxon_phys = (uint64_t)(uintptr_t)v->vmxon_region;
	v->vmcs_phys = (uint64_t)(uintptr_t)v->vmcs_region;
	*(uint64_t *)(v->host_stack + HOST_STACK_SIZE - 16) = (uint64_t)(uintptr_t)v;
	host_gdt_init(v->gdt, &v->tss,
		      (uint64_t)(uintptr_t)(v->ist_stack + HOST_IST_STACK_SIZE - 16));
	return v;
}

/* Sets CR0/CR4 to what VMX operation requires (SDM 24.8 "Restrictions on
 * VMX Operation") and enters VMX root operation. */
static int enter_vmx_root(struct vcpu *v)
{
	uint64_t fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	/* Each CPU has its own IA32_FEATURE_CONTROL; firmware may have locked
	 * only some, or none (SDM 24.7). VMXON on an unlocked one is #GP. */
	if (!(fc & FEATURE_CONTROL_LOCK))
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FEATURE_CONTROL_LOCK | FEATURE_CONTROL_VMX_OUTSIDE_SMX);
	else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		log_err("vmx", "APIC id %u: IA32_FEATURE_CONTROL locked without VMX", v->apic_id);
		return CORE_ERR_VMXON;
	}
	write_cr0(cr0_real_value(&vmm.cr_fixed, read_cr0()));
	write_cr4(cr4_real_value(&vmm.cr_fixed, read_cr4()) | CR4_VMXE);
	*(uint32_t *)v->vmxon_region = vmm.vmcs_revision;
	*(uint32_t *)v->vmcs_region = vmm.vmcs_revision;
	if (!vmxon(v->vmxon_phys)) {
		log_err("vmx", "VMXON failed (CR0 %llx CR4 %llx FEATURE_CONTROL %llx)",
			(unsigned long long)read_cr0(), (unsigned long long)read_cr4(),
			(unsigned long long)rdmsr(MSR_IA32_FEATURE_CONTROL));
		return CORE_ERR_VMXON;
	}
	log_info("vmx", "VMX root mode entered (APIC id %u, VMCS revision %x)", v->apic_id,
		 vmm.vmcs_revision);
	if (!vmclear(v->vmcs_phys) || !vmptrld(v->vmcs_phys)) {
		log_err("vmx", "VMCLEAR/VMPTRLD of the VMCS at %llx failed",
			(unsigned long long)v->vmcs_phys);
		return CORE_ERR_VMCS;
	}
	return CORE_OK;
}

static void leave_vmx_root(uint64_t cr0, uint64_t cr4)
{
	vmxoff();
	write_cr4(cr4);
	write_cr0(cr0);
}

int core_launch_cpu(const struct guest_entry *ge)
{
	uint64_t cr0 = read_cr0(), cr4 = read_cr4();
	struct vcpu *v;
	uint32_t err;
	int rc;

	if (!vmm.initialized)
		return CORE_ERR_STATE;
	v = claim_vcpu();
	if (!v) {
		log_err("vmx", "no per-CPU block left for APIC id %u", cpu_apic_id());
		return CORE_ERR_NOMEM;
	}
	/* Every CPU's xAPIC page is the one page EPT protects (core_init). */
	if ((rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_ADDR_MASK) != lapic_mmio_base()) {
		log_err("vmx", "APIC id %u: local APIC at %llx, not at %llx as on the boot CPU",
			v->apic_id, (unsigned long long)(rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_ADDR_MASK),
			(unsigned long long)lapic_mmio_base());
		return CORE_ERR_APIC;
	}
	if (v->apic_id == vmm.bi.test_fail_apic) {
		log_err("vmx", "APIC id %u: refusing to start (test_fail_cpu in the config: "
			"fault injection for the rollback test)", v->apic_id);
		return CORE_ERR_INJECTED;
	}
	rc = enter_vmx_root(v);
	if (rc) {
		if (rc != CORE_ERR_VMXON)
			leave_vmx_root(cr0, cr4);
		else
			write_cr4(cr4);
		return rc;
	}
	vmcs_setup_controls();
	vmcs_setup_host(v);
	vmcs_setup_guest(ge, cr0, cr4);
	if (v->vmx_insn_errors) {
		log_err("vmx", "%u VMWRITE(s) failed: not launching", v->vmx_insn_errors);
		leave_vmx_root(cr0, cr4);
		return CORE_ERR_VMCS;
	}
	/* Mappings a guest before us left under this VPID on this CPU. */
	if (vmm.ctl.vpid)
		invvpid(INVVPID_SINGLE_CONTEXT, VMX_GUEST_VPID);
	log_info("vmx", "VMLAUNCH: guest continues at %llx", (unsigned long long)ge->rip);
	v->launched = true;
	__asm__ volatile("vmlaunch" ::: "cc", "memory");
	/* Only reached when VMLAUNCH fails (VMfailValid/VMfailInvalid). */
	v->launched = false;
	err = vmcs_read32(VMCS_VM_INSN_ERROR);
	log_err("vmx", "VMLAUNCH failed: error %u (%s)", err, vmx_insn_error_string(err));
	vmcs_dump(v);
	leave_vmx_root(cr0, cr4);
	return CORE_ERR_LAUNCH;
}
