/* The scalar C peer: one point at a time, the loop of mandel.h. */
#include "mandel.h"

const char *const WAY_NAME = "c_scalar";

void escape_counts(const double *xs, const double *ys, int n, int maxi, int *escape) {
#pragma omp parallel for schedule(dynamic, 1)
    for (int r = 0; r < n; r++) {
        for (int k = 0; k < n; k++) {
            escape[(long)r * n + k] = escape_one(xs[k], ys[r], maxi);
        }
    }
}
