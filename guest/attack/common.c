/* Helpers shared by the attack suite's groups. */
#include <stdarg.h>
#include "guest/attack/attack.h"
#include "lib/fmt.h"
#include "lib/lib.h"

static void vmcall_in_place(void *arg)
{
	struct hc *r = arg;

	*r = hc_call(r->rax, r->rbx, r->rcx, r->rdx);
}

struct hc vmcall_at(int ring, uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct hc r = { nr, a1, a2, a3 };
	int vec = cage_call(ring, vmcall_in_place, &r);

	if (vec != NO_FAULT) /* never a valid status: the caller's check fails */
		r.rax = 0xFA17000000000000ull | (unsigned)vec;
	return r;
}

void resultf(const char *name, bool ok, const char *fmt, ...)
{
	char why[WHY_MAX];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	result(name, ok, why);
}

void skipf(const char *name, const char *fmt, ...)
{
	char why[WHY_MAX];
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	skipped(name, why);
}

void why_add(char *why, const char *fmt, ...)
{
	size_t len = strlen(why);
	va_list ap;

	if (len + 3 >= WHY_MAX)
		return;
	if (len) {
		why[len++] = ';';
		why[len++] = ' ';
		why[len] = 0;
	}
	va_start(ap, fmt);
	fmt_vsnprintf(why + len, WHY_MAX - len, fmt, ap);
	va_end(ap);
}

const char *vector_name(int vector)
{
	switch (vector) {
	case NO_FAULT:
		return "no exception";
	case VEC_UD:
		return "#UD";
	case VEC_GP:
		return "#GP";
	case VEC_PF:
		return "#PF";
	case 0:
		return "#DE";
	case 1:
		return "#DB";
	case 2:
		return "NMI";
	case 3:
		return "#BP";
	case 8:
		return "#DF";
	case 12:
		return "#SS";
	case 17:
		return "#AC";
	default:
		return "another exception";
	}
}
