# cython: language_level=3, boundscheck=False, wraparound=False
"""The Mandelbrot escape loop as typed Cython, for mandel_ways.py's `cython` way.

The same operations in the same order as kernels/mandelbrot.nx; prepare.py compiles
it with -ffp-contract=off so no multiply-add is fused and the counts agree bit for bit.
"""


def escape_counts(const double[::1] xs, const double[::1] ys, int maxi, int[:, ::1] escape):
    """escape[r, k]: the escape count of c = xs[k] + 1j*ys[r]."""
    cdef Py_ssize_t r, k
    cdef double cr, ci, zr, zi, t
    cdef int i, e
    with nogil:
        for r in range(ys.shape[0]):
            ci = ys[r]
            for k in range(xs.shape[0]):
                cr = xs[k]
                zr = 0.0
                zi = 0.0
                e = maxi
                for i in range(1, maxi):
                    t = zr * zr - zi * zi + cr
                    zi = zr * zi + zi * zr + ci
                    zr = t
                    if zr * zr + zi * zi > 4.0:
                        e = i
                        break
                escape[r, k] = e
