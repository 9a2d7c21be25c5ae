/* The program around a C peer's escape loop: the grid, the timed runs, the output.
 *
 *     mandel_<way> N MAXI RUNS SLOW
 *
 * runs the loop up to RUNS times on the n x n grid and prints one line per run,
 * `WAY SECONDS CHECKSUM` (the sum of the escape array), stopping after a run longer
 * than SLOW seconds: the line format of mandel_ways.py. Only the loop is timed, in wall
 * time, or with -DMANDEL_CPU_TIME in CPU time of the process (what the side-by-side
 * benchmark, benches/mandelbrot_c/, compares with the CPU time of nexpr's thread on a
 * shared machine). Built with -fopenmp, the loop's rows are shared out over
 * OMP_NUM_THREADS threads. */
#define _POSIX_C_SOURCE 199309L
#include "mandel.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* NumPy's linspace: start + i*step, the last point exactly stop. */
static void linspace(double start, double stop, int n, double *out) {
    if (n == 1) {
        out[0] = start;
        return;
    }
    double step = (stop - start) / (double)(n - 1);
    for (int i = 0; i < n; i++) {
        out[i] = (double)i * step + start;
    }
    out[n - 1] = stop;
}

#ifdef MANDEL_CPU_TIME
#define MANDEL_CLOCK CLOCK_PROCESS_CPUTIME_ID
#else
#define MANDEL_CLOCK CLOCK_MONOTONIC
#endif

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(MANDEL_CLOCK, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* A positive integer argument no larger than max, else 0. */
static long positive(const char *s, long max) {
    char *end;
    long v = strtol(s, &end, 10);
    return (*s && !*end && v > 0 && v <= max) ? v : 0;
}

int main(int argc, char **argv) {
    long n = argc == 5 ? positive(argv[1], 20000) : 0;
    long maxi = argc == 5 ? positive(argv[2], 1L << 30) : 0;
    long runs = argc == 5 ? positive(argv[3], 1000000) : 0;
    double slow = argc == 5 ? strtod(argv[4], NULL) : 0.0;
    if (!n || !maxi || !runs) {
        fprintf(stderr, "usage: %s N MAXI RUNS SLOW (N <= 20000)\n", argv[0]);
        return 2;
    }
    double *xs = malloc(sizeof(double) * (size_t)n);
    double *ys = malloc(sizeof(double) * (size_t)n);
    int *escape = malloc(sizeof(int) * (size_t)n * (size_t)n);
    if (!xs || !ys || !escape) {
        fprintf(stderr, "%s: out of memory for n = %ld\n", argv[0], n);
        return 1;
    }
    linspace(-2.0, 1.0, (int)n, xs);
    linspace(-1.0, 1.0, (int)n, ys);
    for (long run = 0; run < runs; run++) {
        double t0 = seconds_now();
        escape_counts(xs, ys, (int)n, (int)maxi, escape);
        double t = seconds_now() - t0;
        long long sum = 0;
        for (long i = 0; i < n * n; i++) {
            sum += escape[i];
        }
        printf("%s %.9f %lld\n", WAY_NAME, t, sum);
        fflush(stdout);
        if (t > slow) {
            break;
        }
    }
    free(xs);
    free(ys);
    free(escape);
    return 0;
}
