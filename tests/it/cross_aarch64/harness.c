/* Runs kernels compiled for aarch64 (tests/it/cross_aarch64.rs) on the inputs in
 * <dir>/in_<i> and writes their status and outputs to <dir>/out_<i>.
 * in_<i>:  u32 inputs, u32 outputs, u64 elements; per input u64 bytes + bytes;
 *          per output u64 element size.
 * out_<i>: i32 status, then each output's bytes.
 * The kernel ABI is the JIT's (src/backend/cpu/lower/mod.rs): the input table ends
 * with the address of the cancellation flag.
 * The table of kernels, `cases` and `case_count`, comes from cases.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int32_t (*kernel_fn)(const void *const *, void *const *, int64_t, int64_t);
extern kernel_fn cases[];
extern const int case_count;

static void *read_exact(FILE *f, size_t n) {
    void *p = calloc(1, n + 64);
    if (!p || fread(p, 1, n, f) != n) {
        fprintf(stderr, "short input file\n");
        exit(2);
    }
    return p;
}

static uint64_t read_u64(FILE *f) {
    uint64_t v;
    if (fread(&v, sizeof v, 1, f) != 1) exit(2);
    return v;
}

static int run_case(const char *dir, int i) {
    char path[4096];
    snprintf(path, sizeof path, "%s/in_%d", dir, i);
    FILE *f = fopen(path, "rb");
    if (!f) return 0; /* not a case this run */
    uint32_t counts[2];
    if (fread(counts, sizeof counts, 1, f) != 1) exit(2);
    uint64_t n = read_u64(f);
    /* The inputs, then the evaluation's cancellation flag (never set here). */
    static const int32_t not_cancelled = 0;
    const void *ins[65];
    void *outs[64];
    uint64_t sizes[64];
    if (counts[0] > 64 || counts[1] > 64) exit(2);
    for (uint32_t k = 0; k < counts[0]; k++) ins[k] = read_exact(f, read_u64(f));
    ins[counts[0]] = &not_cancelled;
    for (uint32_t k = 0; k < counts[1]; k++) {
        sizes[k] = read_u64(f) * n;
        outs[k] = calloc(1, sizes[k] + 64);
    }
    fclose(f);
    int32_t status = cases[i](ins, outs, 0, (int64_t)n);
    snprintf(path, sizeof path, "%s/out_%d", dir, i);
    FILE *o = fopen(path, "wb");
    if (!o) exit(2);
    fwrite(&status, sizeof status, 1, o);
    for (uint32_t k = 0; k < counts[1]; k++) fwrite(outs[k], 1, sizes[k], o);
    fclose(o);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 2) return 2;
    int ran = 0;
    for (int i = 0; i < case_count; i++) ran += run_case(argv[1], i);
    printf("%d cases ran\n", ran);
    return 0;
}
