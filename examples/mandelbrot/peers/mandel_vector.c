/* The explicitly vectorized C peer: BLOCK neighbouring points of a row iterate together
 * in GCC's generic vectors (GCC and Clang map them onto the SIMD registers
 * -march=native gives) until every lane has escaped. The row's last n % BLOCK points,
 * and every point under a compiler without vector extensions, take the scalar loop of
 * mandel.h. */
#include "mandel.h"

#include <stdint.h>
#include <string.h>

/* One vector is one SIMD register of doubles: GCC splits wider generic vectors into
 * registers poorly (through memory). CHAINS vectors iterate interleaved, so one
 * vector's multiplies run while another's wait on their latency. */
#ifndef LANES
#if defined(__AVX512F__)
#define LANES 8
#elif defined(__AVX__)
#define LANES 4
#else
#define LANES 2
#endif
#endif
#ifndef CHAINS
#define CHAINS 2
#endif
#define BLOCK (LANES * CHAINS)

#if defined(__GNUC__) || defined(__clang__)

const char *const WAY_NAME = "c_vector";

typedef double vdouble __attribute__((vector_size(LANES * sizeof(double))));
/* A comparison of vdoubles gives one of these: all ones where true. */
typedef int64_t vmask __attribute__((vector_size(LANES * sizeof(int64_t))));

static int any_lane(vmask m) {
    int64_t any = 0;
    for (int j = 0; j < LANES; j++) {
        any |= m[j];
    }
    return any != 0;
}

/* Escape counts of xs[k .. k + BLOCK) + 1j*ci into out[k ..]. */
static void escape_block(const double *xs, double ci, int maxi, int *out) {
    const vdouble zero = {0};
    const vmask none = {0};
    const vdouble civ = zero + ci, four = zero + 4.0;
    vdouble cr[CHAINS], zr[CHAINS], zi[CHAINS];
    vmask live[CHAINS], escape[CHAINS];
    for (int v = 0; v < CHAINS; v++) {
        memcpy(&cr[v], xs + v * LANES, sizeof cr[v]);
        zr[v] = zi[v] = zero;
        live[v] = ~none;
        escape[v] = none + maxi;
    }
    for (int i = 1; i < maxi; i++) {
        vmask any = none;
        for (int v = 0; v < CHAINS; v++) {
            vdouble t = zr[v] * zr[v] - zi[v] * zi[v] + cr[v];
            zi[v] = zr[v] * zi[v] + zi[v] * zr[v] + civ;
            zr[v] = t;
            /* Escaped lanes go on iterating (to inf and NaN, which compare false) but
             * are masked out: their count is kept. */
            vmask now = (zr[v] * zr[v] + zi[v] * zi[v] > four) & live[v];
            escape[v] = (escape[v] & ~now) | (now & (none + i));
            live[v] &= ~now;
            any |= live[v];
        }
        if (!any_lane(any)) {
            break;
        }
    }
    for (int v = 0; v < CHAINS; v++) {
        for (int j = 0; j < LANES; j++) {
            out[v * LANES + j] = (int)escape[v][j];
        }
    }
}

void escape_counts(const double *xs, const double *ys, int n, int maxi, int *escape) {
#pragma omp parallel for schedule(dynamic, 1)
    for (int r = 0; r < n; r++) {
        int *row = escape + (long)r * n;
        int k = 0;
        for (; k + BLOCK <= n; k += BLOCK) {
            escape_block(xs + k, ys[r], maxi, row + k);
        }
        for (; k < n; k++) {
            row[k] = escape_one(xs[k], ys[r], maxi);
        }
    }
}

#else

const char *const WAY_NAME = "c_vector_fallback";

void escape_counts(const double *xs, const double *ys, int n, int maxi, int *escape) {
#pragma omp parallel for schedule(dynamic, 1)
    for (int r = 0; r < n; r++) {
        for (int k = 0; k < n; k++) {
            escape[(long)r * n + k] = escape_one(xs[k], ys[r], maxi);
        }
    }
}

#endif
