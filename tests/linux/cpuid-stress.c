/* CPUID stress for the Linux guest test (runs in the initramfs as
 * /bin/cpuid-stress, built static on the host: gcc -static -O2).
 *
 *   cpuid-stress ITERATIONS EXPECT
 *
 * For each CPU the process may run on (its initial affinity mask: every
 * online CPU), it pins itself to that CPU with sched_setaffinity, checks
 * with sched_getcpu that it runs there, and executes ITERATIONS times
 * CPUID leaf 0x40000000 (hypervisor signature) and leaf 1 (ECX[31], the
 * hypervisor-present bit). Under Pillbox every CPUID is a VM exit, so this
 * drives the exit path hard on every CPU.
 *
 * EXPECT is the signature every iteration must return ("PillboxVMM"), or
 * "absent": no hypervisor, CPUID.1:ECX[31] must stay clear (leaf
 * 0x40000000 is then not a hypervisor leaf and is not compared).
 *
 * One line per CPU:
 *   pillbox-linux: CPUID stress cpuN: <iterations> ok, signature <sig> (<ms> ms)
 * or, at the first mismatch,
 *   pillbox-linux: CPUID stress cpuN: FAIL at iteration I: <what>
 * Exit status 0 when every CPU passed.
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LEAF_HV_BASE 0x40000000u
#define CPUID1_ECX_HYPERVISOR (1u << 31)

static void cpuid(uint32_t leaf, uint32_t r[4])
{
	__asm__ volatile("cpuid"
			 : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			 : "a"(leaf), "c"(0));
}

/* The 12-byte signature of leaf 0x40000000 (EBX, ECX, EDX), printable. */
static void signature(char out[13])
{
	uint32_t r[4];

	cpuid(LEAF_HV_BASE, r);
	memcpy(out, &r[1], 4);
	memcpy(out + 4, &r[2], 4);
	memcpy(out + 8, &r[3], 4);
	out[12] = '\0';
	for (int i = 0; i < 12; i++)
		if (out[i] != '\0' && (out[i] < 0x20 || out[i] > 0x7e))
			out[i] = '?';
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Returns 0 when all iterations on this CPU matched. */
static int stress_cpu(int cpu, unsigned long iters, const char *expect, int absent)
{
	cpu_set_t one;
	char sig[13];
	uint32_t r[4];
	double t0;

	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) != 0) {
		printf("pillbox-linux: CPUID stress cpu%d: FAIL: sched_setaffinity: %m\n", cpu);
		return 1;
	}
	if (sched_getcpu() != cpu) {
		printf("pillbox-linux: CPUID stress cpu%d: FAIL: pinned but running on cpu%d\n",
		       cpu, sched_getcpu());
		return 1;
	}
	t0 = now_ms();
	for (unsigned long i = 0; i < iters; i++) {
		cpuid(1, r);
		int hv = (r[2] & CPUID1_ECX_HYPERVISOR) != 0;
		if (absent) {
			if (hv) {
				printf("pillbox-linux: CPUID stress cpu%d: FAIL at iteration %lu: "
				       "hypervisor bit set, none expected\n", cpu, i);
				return 1;
			}
			continue;
		}
		if (!hv) {
			printf("pillbox-linux: CPUID stress cpu%d: FAIL at iteration %lu: "
			       "CPUID.1:ECX[31] (hypervisor) clear\n", cpu, i);
			return 1;
		}
		signature(sig);
		if (strcmp(sig, expect) != 0) {
			printf("pillbox-linux: CPUID stress cpu%d: FAIL at iteration %lu: "
			       "signature '%s', expected '%s'\n", cpu, i, sig, expect);
			return 1;
		}
	}
	if (sched_getcpu() != cpu) {
		printf("pillbox-linux: CPUID stress cpu%d: FAIL: migrated to cpu%d while pinned\n",
		       cpu, sched_getcpu());
		return 1;
	}
	printf("pillbox-linux: CPUID stress cpu%d: %lu ok, signature %s (%.0f ms)\n", cpu, iters,
	       absent ? "absent" : expect, now_ms() - t0);
	return 0;
}

int main(int argc, char **argv)
{
	cpu_set_t all;
	int fails = 0, cpus = 0;
	unsigned long iters;
	const char *expect;
	int absent;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3) {
		fprintf(stderr, "usage: %s ITERATIONS PillboxVMM|absent\n", argv[0]);
		return 2;
	}
	iters = strtoul(argv[1], NULL, 0);
	expect = argv[2];
	absent = strcmp(expect, "absent") == 0;
	if (!absent && strlen(expect) > 12) {
		fprintf(stderr, "%s: a signature has at most 12 characters\n", argv[0]);
		return 2;
	}
	if (sched_getaffinity(0, sizeof(all), &all) != 0) {
		printf("pillbox-linux: CPUID stress: FAIL: sched_getaffinity: %m\n");
		return 1;
	}
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &all))
			continue;
		cpus++;
		fails += stress_cpu(cpu, iters, expect, absent);
	}
	if (cpus == 0) {
		printf("pillbox-linux: CPUID stress: FAIL: no CPU in the affinity mask\n");
		return 1;
	}
	return fails != 0;
}
