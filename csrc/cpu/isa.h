// The CPU kernel families compiled once per instruction set, and the registration each one provides.
// A family file defines `void register_<family>(Kernel* table)` inside TT_ISA_BEGIN/END; the CPU backend
// calls the set that this CPU supports. Families that gain nothing from wider vectors compile once (generic).
#pragma once
#include "../core/internal.h"

#define TT_CPU_ISA_FAMILIES(X) X(elementwise) X(reduce) X(gemm) X(optim) X(norm) X(attention) X(rnn)
#define TT_CPU_GENERIC_FAMILIES(X) X(copy) X(index) X(random) X(loss) X(conv) X(pool)

#define TT_DECLARE_REGISTER(family) void register_##family(Kernel* table);
namespace tt {
namespace generic { TT_CPU_GENERIC_FAMILIES(TT_DECLARE_REGISTER) }
namespace scalar { TT_CPU_ISA_FAMILIES(TT_DECLARE_REGISTER) }
#if defined(__x86_64__) || defined(_M_X64)
namespace avx2 { TT_CPU_ISA_FAMILIES(TT_DECLARE_REGISTER) }
namespace avx512 { TT_CPU_ISA_FAMILIES(TT_DECLARE_REGISTER) }
#endif
#if defined(__aarch64__)
namespace neon { TT_CPU_ISA_FAMILIES(TT_DECLARE_REGISTER) }
#endif
}  // namespace tt
#undef TT_DECLARE_REGISTER
