/* FMA peak: twelve independent chains of fused multiply-adds kept in registers, enough to cover the FMA latency
 * times the FMA ports of current x86 cores, so the loop runs at the core's FMA throughput and touches no memory.
 * Compiled by bench/limits.py at bench time with plain -O2: each kernel carries its own target attribute and the
 * widest one the CPU (and OS) supports is chosen at run time, so the file builds on any x86-64 compiler. */
#include <stddef.h>

#define CHAINS 12

/* The chains' sum lands here, so the compiler cannot drop the loop. */
volatile float tt_peak_sink;

#define FMA_KERNEL(NAME, ATTR, VEC, SET1, FMA, STORE, LANES)                                                      \
    ATTR static void NAME(long long iters) {                                                                      \
        const VEC m = SET1(0.999999f), k = SET1(1e-7f);                                                           \
        VEC c0 = SET1(0.f), c1 = SET1(1.f), c2 = SET1(2.f), c3 = SET1(3.f), c4 = SET1(4.f), c5 = SET1(5.f);       \
        VEC c6 = SET1(6.f), c7 = SET1(7.f), c8 = SET1(8.f), c9 = SET1(9.f), c10 = SET1(10.f), c11 = SET1(11.f);   \
        for (long long i = 0; i < iters; i++) {                                                                   \
            c0 = FMA(c0, m, k); c1 = FMA(c1, m, k); c2 = FMA(c2, m, k); c3 = FMA(c3, m, k);                       \
            c4 = FMA(c4, m, k); c5 = FMA(c5, m, k); c6 = FMA(c6, m, k); c7 = FMA(c7, m, k);                       \
            c8 = FMA(c8, m, k); c9 = FMA(c9, m, k); c10 = FMA(c10, m, k); c11 = FMA(c11, m, k);                   \
        }                                                                                                         \
        VEC all[CHAINS] = {c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11};                                     \
        float lanes[LANES], sum = 0.f;                                                                            \
        for (int c = 0; c < CHAINS; c++) {                                                                        \
            STORE(lanes, all[c]);                                                                                 \
            for (int l = 0; l < LANES; l++) sum += lanes[l];                                                      \
        }                                                                                                         \
        tt_peak_sink = sum;                                                                                       \
    }

/* No FMA unit assumed: a multiply and an add, still two flops per lane. */
#define SCALAR_SET1(x) (x)
#define SCALAR_FMA(a, b, c) ((a) * (b) + (c))
#define SCALAR_STORE(p, v) ((p)[0] = (v))
FMA_KERNEL(run_scalar, , float, SCALAR_SET1, SCALAR_FMA, SCALAR_STORE, 1)

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
FMA_KERNEL(run_avx2, __attribute__((target("avx2,fma"))), __m256, _mm256_set1_ps, _mm256_fmadd_ps,
           _mm256_storeu_ps, 8)
FMA_KERNEL(run_avx512, __attribute__((target("avx512f"))), __m512, _mm512_set1_ps, _mm512_fmadd_ps,
           _mm512_storeu_ps, 16)
#endif

typedef struct {
    const char *isa;
    int lanes;
    void (*run)(long long);
} kernel;

static kernel choose(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return (kernel){"avx512", 16, run_avx512};
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return (kernel){"avx2", 8, run_avx2};
#endif
    return (kernel){"scalar", 1, run_scalar};
}

const char *tt_peak_isa(void) { return choose().isa; }

/* Flops in one round of the loop: 2 per lane per chain. */
int tt_peak_flops_per_round(void) { return 2 * choose().lanes * CHAINS; }

void tt_peak_run(long long rounds) { choose().run(rounds); }
