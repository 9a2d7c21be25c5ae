/* The helpers kernels import, for the aarch64 check: the ones that are one C library
 * function (nexpr's scalar transcendentals are libm's; its hypot is correctly rounded,
 * as glibc's is from 2.35 on). Kernels that import any other helper are not linked. */
#include <math.h>

double nx_hypot_f64(double x, double y) { return hypot(x, y); }
float nx_hypot_f32(float x, float y) { return hypotf(x, y); }

#define DIRECT(name, fun)                                    \
    double nx_##name##_f64(double x) { return fun(x); }      \
    float nx_##name##_f32(float x) { return fun##f(x); }

DIRECT(sin, sin)
DIRECT(cos, cos)
DIRECT(tan, tan)
DIRECT(arcsin, asin)
DIRECT(arccos, acos)
DIRECT(arctan, atan)
DIRECT(sinh, sinh)
DIRECT(cosh, cosh)
DIRECT(tanh, tanh)
DIRECT(arcsinh, asinh)
DIRECT(arccosh, acosh)
DIRECT(arctanh, atanh)
DIRECT(log, log)
DIRECT(log1p, log1p)
DIRECT(log10, log10)
DIRECT(log2, log2)
DIRECT(exp, exp)
DIRECT(expm1, expm1)
