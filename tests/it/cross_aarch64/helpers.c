/* The helpers aarch64 kernels import that are one C library function in nexpr too
 * (`value::libm`): the inverse hyperbolics. nexpr's own functions (exp, log, sin, …,
 * hypot) come from math.rs, compiled from the library's source. Kernels that import
 * any other helper (complex functions, integer powers) are not linked. */
#include <math.h>

#define DIRECT(name, fun)                                    \
    double nx_##name##_f64(double x) { return fun(x); }      \
    float nx_##name##_f32(float x) { return fun##f(x); }

DIRECT(arcsinh, asinh)
DIRECT(arccosh, acosh)
DIRECT(arctanh, atanh)
