/* The C peers of the Mandelbrot example: what each escape loop provides to the
 * program around it (mandel_main.c). */
#ifndef MANDEL_H
#define MANDEL_H

/* The way's name, first on every line the program prints. */
extern const char *const WAY_NAME;

/* escape[r*n + k]: the escape count of c = xs[k] + 1j*ys[r], for the n x n grid. The
 * same operations in the same order as kernels/mandelbrot.nx: z = z*z + c with the
 * complex product (a*c - b*d, a*d + b*c), escape = the first i in 1..maxi-1 with
 * re(z)^2 + im(z)^2 > 4, else maxi. Built with -ffp-contract=off, so no multiply-add
 * is fused and the counts agree with nexpr's bit for bit. */
void escape_counts(const double *xs, const double *ys, int n, int maxi, int *escape);

/* One point: the scalar loop, also the vectorized way's tail and fallback. */
static inline int escape_one(double cr, double ci, int maxi) {
    double zr = 0.0, zi = 0.0;
    for (int i = 1; i < maxi; i++) {
        double t = zr * zr - zi * zi + cr;
        zi = zr * zi + zi * zr + ci;
        zr = t;
        if (zr * zr + zi * zi > 4.0) {
            return i;
        }
    }
    return maxi;
}

#endif
