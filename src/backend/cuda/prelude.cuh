// nexpr device prelude: the operations whose NumPy meaning is not what plain CUDA C
// gives. Every function here mirrors one in src/value.rs (the semantics of record);
// keep the two in step.
#pragma once

// ---------------------------------------------------------------------------------
// Complex numbers: NumPy's memory layout (re, im), aligned like the host types so that
// whole elements load in one instruction.

template <typename T> struct nx_cx;
template <> struct __align__(8) nx_cx<float> { float re, im; };
template <> struct __align__(16) nx_cx<double> { double re, im; };
typedef nx_cx<float> nx_c64;
typedef nx_cx<double> nx_c128;

template <typename T> __device__ __forceinline__ nx_cx<T> nx_mk(T re, T im) {
    nx_cx<T> z;
    z.re = re;
    z.im = im;
    return z;
}

template <typename T> __device__ __forceinline__ T nx_nan() { return T(0) / T(0) * T(0); }
template <> __device__ __forceinline__ float nx_nan<float>() { return __int_as_float(0x7fc00000); }
template <> __device__ __forceinline__ double nx_nan<double>() {
    return __longlong_as_double(0x7ff8000000000000LL);
}
template <typename T> __device__ __forceinline__ T nx_inf();
template <> __device__ __forceinline__ float nx_inf<float>() { return __int_as_float(0x7f800000); }
template <> __device__ __forceinline__ double nx_inf<double>() {
    return __longlong_as_double(0x7ff0000000000000LL);
}

template <typename T> __device__ __forceinline__ T nx_min_normal();
template <> __device__ __forceinline__ float nx_min_normal<float>() { return __int_as_float(0x00800000); }
template <> __device__ __forceinline__ double nx_min_normal<double>() {
    return __longlong_as_double(0x0010000000000000LL);
}

template <typename T> __device__ __forceinline__ nx_cx<T> nx_cadd(nx_cx<T> a, nx_cx<T> b) {
    return nx_mk(a.re + b.re, a.im + b.im);
}
template <typename T> __device__ __forceinline__ nx_cx<T> nx_csub(nx_cx<T> a, nx_cx<T> b) {
    return nx_mk(a.re - b.re, a.im - b.im);
}
template <typename T> __device__ __forceinline__ nx_cx<T> nx_cmul(nx_cx<T> a, nx_cx<T> b) {
    return nx_mk(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re);
}
template <typename T> __device__ __forceinline__ nx_cx<T> nx_cneg(nx_cx<T> a) {
    return nx_mk(-a.re, -a.im);
}
template <typename T> __device__ __forceinline__ nx_cx<T> nx_conj(nx_cx<T> a) {
    return nx_mk(a.re, -a.im);
}
template <typename T> __device__ __forceinline__ nx_cx<T> nx_cscale(nx_cx<T> a, T s) {
    return nx_mk(a.re * s, a.im * s);
}
template <typename T> __device__ __forceinline__ T nx_cabs(nx_cx<T> a) { return hypot(a.re, a.im); }

// NumPy's complex division: Smith's method, dividing by a zero divisor's absolute value.
template <typename T> __device__ nx_cx<T> nx_cdiv(nx_cx<T> a, nx_cx<T> b) {
    T br = fabs(b.re), bi = fabs(b.im);
    if (br >= bi) {
        if (br == T(0) && bi == T(0)) {
            return nx_mk(a.re / br, a.im / br);
        }
        T rat = b.im / b.re;
        T scl = T(1) / (b.re + b.im * rat);
        return nx_mk((a.re + a.im * rat) * scl, (a.im - a.re * rat) * scl);
    }
    T rat = b.re / b.im;
    T scl = T(1) / (b.im + b.re * rat);
    return nx_mk((a.re * rat + a.im) * scl, (a.im * rat - a.re) * scl);
}

template <typename T> __device__ nx_cx<T> nx_cexp(nx_cx<T> z) {
    T re = z.re, im = z.im;
    if (isinf(re)) {
        if (re < T(0)) {
            if (!isfinite(im)) return nx_mk(T(0), T(0));
        } else if (im == T(0) || !isfinite(im)) {
            if (isinf(im)) im = nx_nan<T>();
            return nx_mk(re, im);
        }
    } else if (isnan(re) && im == T(0)) {
        return z;
    }
    if (im == T(0)) return nx_mk(exp(re), im);
    T r = exp(re);
    return nx_mk(r * cos(im), r * sin(im));
}

template <typename T> __device__ __forceinline__ nx_cx<T> nx_clog(nx_cx<T> z) {
    return nx_mk(log(hypot(z.re, z.im)), atan2(z.im, z.re));
}

// The complex functions follow C99 Annex G (as the C library that NumPy calls does):
// the special values of infinite and NaN parts, and sign symmetries, first; then a
// numerically careful formula for finite arguments.

template <typename T> __device__ __forceinline__ T nx_pi() { return T(3.14159265358979323846); }

template <typename T> __device__ nx_cx<T> nx_csqrt(nx_cx<T> z) {
    T x = z.re, y = z.im;
    if (isinf(y)) return nx_mk(nx_inf<T>(), y);
    if (isnan(x)) return nx_mk(x, isnan(y) ? y : nx_nan<T>());
    if (isinf(x)) {
        if (isnan(y)) return x > T(0) ? nx_mk(x, y) : nx_mk(y, nx_inf<T>());
        return x > T(0) ? nx_mk(x, copysign(T(0), y)) : nx_mk(T(0), copysign(nx_inf<T>(), y));
    }
    if (isnan(y)) return nx_mk(nx_nan<T>(), nx_nan<T>());
    if (x == T(0) && y == T(0)) return nx_mk(T(0), y);
    // sqrt((|x| + |z|) / 2), computed without overflow, then the other part from it.
    T ax = fabs(x), ay = fabs(y);
    T t;
    if (ax > T(1) || ay > T(1)) {
        t = sqrt(T(0.5) * ax + T(0.5) * hypot(x, y));
    } else {
        t = sqrt(T(0.5) * (ax + hypot(x, y)));
    }
    if (x >= T(0)) return nx_mk(t, y / (T(2) * t));
    return nx_mk(ay / (T(2) * t), copysign(t, y));
}

template <typename T> __device__ nx_cx<T> nx_csinh(nx_cx<T> z) {
    T x = z.re, y = z.im;
    if (isfinite(x) && isfinite(y)) {
        if (y == T(0)) return nx_mk(sinh(x), y);
        return nx_mk(sinh(x) * cos(y), cosh(x) * sin(y));
    }
    if (x == T(0)) return nx_mk(x, nx_nan<T>());
    if (isinf(x)) {
        if (y == T(0)) return nx_mk(x, y);
        if (isfinite(y)) return nx_mk(x * cos(y), nx_inf<T>() * sin(y));
        return nx_mk(fabs(x), nx_nan<T>());
    }
    if (isnan(x) && y == T(0)) return nx_mk(x, y);
    return nx_mk(nx_nan<T>(), nx_nan<T>());
}

template <typename T> __device__ nx_cx<T> nx_ccosh(nx_cx<T> z) {
    T x = z.re, y = z.im;
    if (isfinite(x) && isfinite(y)) {
        if (y == T(0)) return nx_mk(cosh(x), x * y);
        return nx_mk(cosh(x) * cos(y), sinh(x) * sin(y));
    }
    if (x == T(0)) return nx_mk(nx_nan<T>(), T(0));
    if (isinf(x)) {
        if (y == T(0)) return nx_mk(nx_inf<T>(), copysign(T(0), x) * y);
        if (isfinite(y)) return nx_mk(nx_inf<T>() * cos(y), x * sin(y));
        return nx_mk(nx_inf<T>(), nx_nan<T>());
    }
    if (isnan(x) && y == T(0)) return nx_mk(x, y);
    return nx_mk(nx_nan<T>(), nx_nan<T>());
}

template <typename T> __device__ nx_cx<T> nx_ctanh(nx_cx<T> z) {
    T x = z.re, y = z.im;
    if (!isfinite(x) || !isfinite(y)) {
        if (isinf(x)) {
            T im = (isfinite(y) && fabs(y) > T(1)) ? copysign(T(0), sin(y) * cos(y))
                                                   : copysign(T(0), y);
            return nx_mk(copysign(T(1), x), im);
        }
        if (x == T(0)) return nx_mk(x, nx_nan<T>());
        return nx_mk(nx_nan<T>(), y == T(0) ? y : nx_nan<T>());
    }
    // Past this |x|, tanh(x) is +-1 to the working precision and cosh overflows soon.
    const T big = sizeof(T) == 4 ? T(9) : T(22);
    if (fabs(x) > big) {
        return nx_mk(copysign(T(1), x), T(4) * sin(y) * cos(y) * exp(T(-2) * fabs(x)));
    }
    T sh = sinh(x), ch = cosh(x), sy = sin(y), cy = cos(y);
    T den = sh * sh + cy * cy;
    return nx_mk(sh * ch / den, sy * cy / den);
}

// sin, cos and tan through sinh, cosh and tanh of iz.
template <typename T> __device__ nx_cx<T> nx_csin(nx_cx<T> z) {
    if (isinf(z.im) && !isfinite(z.re)) return nx_mk(nx_nan<T>(), nx_inf<T>());
    nx_cx<T> w = nx_csinh(nx_mk(-z.im, z.re));
    return nx_mk(w.im, -w.re);
}
template <typename T> __device__ nx_cx<T> nx_ccos(nx_cx<T> z) {
    return nx_ccosh(nx_mk(-z.im, z.re));
}
template <typename T> __device__ nx_cx<T> nx_ctan(nx_cx<T> z) {
    nx_cx<T> w = nx_ctanh(nx_mk(-z.im, z.re));
    return nx_mk(w.im, -w.re);
}

// asinh(z) = log(z + sqrt(1 + z^2)), evaluated in the first quadrant (where nothing
// cancels) and carried to the others by asinh(-z) = -asinh(z), asinh(conj z) = conj.
template <typename T> __device__ nx_cx<T> nx_casinh(nx_cx<T> z) {
    T x = z.re, y = z.im;
    if (isnan(x) || isnan(y)) {
        if (isinf(x)) return nx_mk(x, y);
        if (isinf(y)) return nx_mk(fabs(y), x);
        if (y == T(0)) return nx_mk(x, y);
        return nx_mk(nx_nan<T>(), nx_nan<T>());
    }
    T ax = fabs(x), ay = fabs(y);
    nx_cx<T> r;
    if (isinf(ax) || isinf(ay)) {
        r = nx_mk(nx_inf<T>(), isinf(ax) ? (isinf(ay) ? nx_pi<T>() / T(4) : T(0)) : nx_pi<T>() / T(2));
    } else {
        nx_cx<T> a = nx_mk(ax, ay);
        const T small = sizeof(T) == 4 ? T(0.03) : T(1e-3);
        const T large = sizeof(T) == 4 ? T(1e15) : T(1e150);
        T m = fmax(ax, ay);
        if (m < small) {
            // z - z^3/6 + 3 z^5/40: the logarithm would cancel here.
            nx_cx<T> a2 = nx_cmul(a, a);
            nx_cx<T> a3 = nx_cmul(a2, a);
            nx_cx<T> a5 = nx_cmul(a3, a2);
            r = nx_cadd(nx_csub(a, nx_cscale(a3, T(1) / T(6))), nx_cscale(a5, T(3) / T(40)));
        } else if (m > large) {
            // log(2z): the square would overflow.
            nx_cx<T> l = nx_clog(a);
            r = nx_mk(l.re + T(0.693147180559945309417232121458176568), l.im);
        } else {
            nx_cx<T> one = nx_mk(T(1), T(0));
            r = nx_clog(nx_cadd(a, nx_csqrt(nx_cadd(one, nx_cmul(a, a)))));
        }
    }
    return nx_mk(copysign(r.re, x), copysign(r.im, y));
}

// asin(z) = -i asinh(iz)
template <typename T> __device__ nx_cx<T> nx_casin(nx_cx<T> z) {
    if ((isnan(z.re) || isnan(z.im)) && (isinf(z.re) || isinf(z.im))) {
        return nx_mk(nx_nan<T>(), copysign(nx_inf<T>(), z.im));
    }
    nx_cx<T> w = nx_casinh(nx_mk(-z.im, z.re));
    return nx_mk(w.im, -w.re);
}

// acos(z) = pi/2 - asin(z)
template <typename T> __device__ nx_cx<T> nx_cacos(nx_cx<T> z) {
    nx_cx<T> w = nx_casin(z);
    return nx_mk(nx_pi<T>() / T(2) - w.re, -w.im);
}

// acosh(z) = +-i acos(z), the sign making the real part non-negative.
template <typename T> __device__ nx_cx<T> nx_cacosh(nx_cx<T> z) {
    nx_cx<T> w = nx_cacos(z);
    if (isnan(w.im) && isnan(w.re)) return w;
    return nx_mk(fabs(w.im), copysign(w.re, z.im));
}

// atanh(z) = (log1p(4x / ((1 - x)^2 + y^2)) / 4, atan2(2y, (1 - x)(1 + x) - y^2) / 2).
template <typename T> __device__ nx_cx<T> nx_catanh(nx_cx<T> z) {
    T x = z.re, y = z.im;
    T ax = fabs(x), ay = fabs(y);
    if (isnan(x) || isnan(y)) {
        if (isinf(x) || isinf(y)) return nx_mk(copysign(T(0), x), isinf(y) ? copysign(nx_pi<T>() / T(2), y) : y);
        if (x == T(0)) return nx_mk(x, y);
        return nx_mk(nx_nan<T>(), nx_nan<T>());
    }
    if (isinf(ax) || isinf(ay)) return nx_mk(copysign(T(0), x), copysign(nx_pi<T>() / T(2), y));
    if (ax == T(1) && ay == T(0)) return nx_mk(copysign(nx_inf<T>(), x), y);
    const T large = sizeof(T) == 4 ? T(1e15) : T(1e150);
    T re, im;
    if (ax > large || ay > large) {
        T h = hypot(ax, ay);
        re = (ax / h) / h;
        im = nx_pi<T>() / T(2);
    } else {
        T omx = T(1) - ax;
        T den = omx * omx + ay * ay;
        if (den >= nx_min_normal<T>()) {
            re = T(0.25) * log1p(T(4) * ax / den);
        } else {
            // z within a tiny distance of +-1: the squares underflow.
            re = T(0.25) * (log(T(4) * ax) - T(2) * log(hypot(omx, ay)));
        }
        im = T(0.5) * atan2(T(2) * ay, omx * (T(1) + ax) - ay * ay);
    }
    return nx_mk(copysign(re, x), copysign(im, y));
}

// atan(z) = -i atanh(iz)
template <typename T> __device__ nx_cx<T> nx_catan(nx_cx<T> z) {
    nx_cx<T> w = nx_catanh(nx_mk(-z.im, z.re));
    return nx_mk(w.im, -w.re);
}

// NumPy's own complex log1p, expm1, log10 and log2 (npy_math).
template <typename T> __device__ nx_cx<T> nx_clog1p(nx_cx<T> z) {
    return nx_mk(log(hypot(z.re + T(1), z.im)), atan2(z.im, z.re + T(1)));
}
template <typename T> __device__ nx_cx<T> nx_cexpm1(nx_cx<T> z) {
    T a = sin(z.im / T(2));
    return nx_mk(expm1(z.re) * cos(z.im) - T(2) * a * a, exp(z.re) * sin(z.im));
}
template <typename T> __device__ nx_cx<T> nx_clog10(nx_cx<T> z) {
    return nx_cscale(nx_clog(z), T(0.434294481903251827651128918916605082));
}
template <typename T> __device__ nx_cx<T> nx_clog2(nx_cx<T> z) {
    return nx_cscale(nx_clog(z), T(1.442695040888963407359924681001892137));
}
template <typename T> __device__ __forceinline__ nx_cx<T> nx_cround(nx_cx<T> z) {
    return nx_mk(rint(z.re), rint(z.im));
}
// NumPy 2's csign: z / |z|, its special cases decided by |z| (hypot).
template <typename T> __device__ nx_cx<T> nx_csign(nx_cx<T> z) {
    T a = hypot(z.re, z.im);
    if (isnan(a)) return nx_mk(nx_nan<T>(), nx_nan<T>());
    if (isinf(a)) {
        if (isinf(z.re)) {
            if (isinf(z.im)) return nx_mk(nx_nan<T>(), nx_nan<T>());
            return nx_mk(z.re > T(0) ? T(1) : T(-1), T(0));
        }
        return nx_mk(T(0), z.im > T(0) ? T(1) : T(-1));
    }
    if (a == T(0)) return nx_mk(T(0), T(0));
    return nx_mk(z.re / a, z.im / a);
}
template <typename T> __device__ __forceinline__ bool nx_cisnan(nx_cx<T> z) {
    return isnan(z.re) || isnan(z.im);
}
template <typename T> __device__ __forceinline__ bool nx_cisinf(nx_cx<T> z) {
    return isinf(z.re) || isinf(z.im);
}
template <typename T> __device__ __forceinline__ bool nx_cisfinite(nx_cx<T> z) {
    return isfinite(z.re) && isfinite(z.im);
}

// The C library's cpow: exp(b log a).
template <typename T> __device__ nx_cx<T> nx_cpowc(nx_cx<T> a, nx_cx<T> b) {
    if (b.re == T(0) && b.im == T(0)) return nx_mk(T(1), T(0));
    return nx_cexp(nx_cmul(b, nx_clog(a)));
}

// NumPy's complex power: exact repeated multiplication for small integer exponents.
template <typename T> __device__ nx_cx<T> nx_cpow(nx_cx<T> a, nx_cx<T> b) {
    nx_cx<T> one = nx_mk(T(1), T(0));
    if (b.re == T(0) && b.im == T(0)) return one;
    if (a.re == T(0) && a.im == T(0)) {
        if (b.re > T(0)) return nx_mk(T(0), T(0));
        return nx_mk(nx_nan<T>(), nx_nan<T>());
    }
    if (b.im == T(0) && b.re == trunc(b.re) && fabs(b.re) < T(100)) {
        long long n = (long long)b.re;
        if (n == 1) return a;
        if (n == 2) return nx_cmul(a, a);
        if (n == 3) return nx_cmul(nx_cmul(a, a), a);
        long long m = n < 0 ? -n : n;
        nx_cx<T> acc = one, p = a;
        long long mask = 1;
        for (;;) {
            if (m & mask) acc = nx_cmul(acc, p);
            mask <<= 1;
            if (m < mask) break;
            p = nx_cmul(p, p);
        }
        return b.re < T(0) ? nx_cdiv(one, acc) : acc;
    }
    return nx_cpowc(a, b);
}

// Lexicographic order with NumPy's NaN rules.
template <typename T> __device__ __forceinline__ bool nx_clt(nx_cx<T> x, nx_cx<T> y) {
    return (x.re < y.re && !isnan(x.im) && !isnan(y.im)) || (x.re == y.re && x.im < y.im);
}
template <typename T> __device__ __forceinline__ bool nx_cle(nx_cx<T> x, nx_cx<T> y) {
    return (x.re < y.re && !isnan(x.im) && !isnan(y.im)) || (x.re == y.re && x.im <= y.im);
}
template <typename T> __device__ __forceinline__ bool nx_cgt(nx_cx<T> x, nx_cx<T> y) {
    return (x.re > y.re && !isnan(x.im) && !isnan(y.im)) || (x.re == y.re && x.im > y.im);
}
template <typename T> __device__ __forceinline__ bool nx_cge(nx_cx<T> x, nx_cx<T> y) {
    return (x.re > y.re && !isnan(x.im) && !isnan(y.im)) || (x.re == y.re && x.im >= y.im);
}
template <typename T> __device__ __forceinline__ bool nx_ceq(nx_cx<T> x, nx_cx<T> y) {
    return x.re == y.re && x.im == y.im;
}
template <typename T> __device__ __forceinline__ bool nx_cne(nx_cx<T> x, nx_cx<T> y) {
    return x.re != y.re || x.im != y.im;
}
template <typename T> __device__ __forceinline__ nx_cx<T> nx_cmax(nx_cx<T> x, nx_cx<T> y) {
    return (nx_cge(x, y) || nx_cisnan(x)) ? x : y;
}
template <typename T> __device__ __forceinline__ nx_cx<T> nx_cmin(nx_cx<T> x, nx_cx<T> y) {
    return (nx_cle(x, y) || nx_cisnan(x)) ? x : y;
}

// ---------------------------------------------------------------------------------
// Floats

// maximum/minimum propagate a NaN from either side and, as NumPy, keep the second of
// equal operands (`maximum(-0.0, 0.0)` is 0.0).
template <typename T> __device__ __forceinline__ T nx_max(T x, T y) {
    return (x > y || isnan(x)) ? x : y;
}
template <typename T> __device__ __forceinline__ T nx_min(T x, T y) {
    return (x < y || isnan(x)) ? x : y;
}
template <typename T> __device__ __forceinline__ T nx_sign(T v) {
    return v > T(0) ? T(1) : (v < T(0) ? T(-1) : (v == T(0) ? T(0) : v));
}

// NumPy's npy_divmod: the floor quotient, and the remainder with the divisor's sign.
template <typename T> __device__ T nx_floordiv(T a, T b) {
    T m = fmod(a, b);
    if (b == T(0)) return a / b;
    T div = (a - m) / b;
    if (m != T(0)) {
        if ((b < T(0)) != (m < T(0))) div -= T(1);
    }
    if (div != T(0)) {
        T f = floor(div);
        return div - f > T(0.5) ? f + T(1) : f;
    }
    return copysign(T(0), a / b);
}
template <typename T> __device__ T nx_fmod_py(T a, T b) {
    T m = fmod(a, b);
    if (b == T(0)) return m;
    if (m != T(0)) {
        if ((b < T(0)) != (m < T(0))) m += b;
    } else {
        m = copysign(T(0), b);
    }
    return m;
}

__device__ __forceinline__ float nx_nextafter(float x, float y) {
    if (isnan(x) || isnan(y)) return nx_nan<float>();
    if (x == y) return y;
    if (x == 0.0f) return copysignf(__int_as_float(1), y);
    unsigned int bits = (unsigned int)__float_as_int(x);
    bool up = (y > x) == (x > 0.0f);
    return __int_as_float((int)(up ? bits + 1u : bits - 1u));
}
__device__ __forceinline__ double nx_nextafter(double x, double y) {
    if (isnan(x) || isnan(y)) return nx_nan<double>();
    if (x == y) return y;
    if (x == 0.0) return copysign(__longlong_as_double(1LL), y);
    unsigned long long bits = (unsigned long long)__double_as_longlong(x);
    bool up = (y > x) == (x > 0.0);
    return __longlong_as_double((long long)(up ? bits + 1ull : bits - 1ull));
}

// Float to integer as x86-64's cvttsd2si: NaN and out-of-range values give the minimum.
__device__ __forceinline__ int nx_f2i32(double f) {
    if (isnan(f) || f <= -2147483649.0 || f >= 2147483648.0) return (int)0x80000000u;
    return (int)f;
}
__device__ __forceinline__ long long nx_f2i64(double f) {
    if (isnan(f) || f < -9.223372036854776e18 || f >= 9.223372036854776e18)
        return (long long)0x8000000000000000ull;
    return (long long)f;
}

// ---------------------------------------------------------------------------------
// Integers: NumPy's loops wrap, and give 0 where C would trap or be undefined.

template <typename T> struct nx_unsigned;
template <> struct nx_unsigned<int> { typedef unsigned int type; };
template <> struct nx_unsigned<long long> { typedef unsigned long long type; };

template <typename T> __device__ __forceinline__ T nx_wadd(T x, T y) {
    typedef typename nx_unsigned<T>::type U;
    return (T)((U)x + (U)y);
}
template <typename T> __device__ __forceinline__ T nx_wsub(T x, T y) {
    typedef typename nx_unsigned<T>::type U;
    return (T)((U)x - (U)y);
}
template <typename T> __device__ __forceinline__ T nx_wmul(T x, T y) {
    typedef typename nx_unsigned<T>::type U;
    return (T)((U)x * (U)y);
}
template <typename T> __device__ __forceinline__ T nx_wneg(T x) {
    typedef typename nx_unsigned<T>::type U;
    return (T)((U)0 - (U)x);
}
template <typename T> __device__ __forceinline__ T nx_iabs(T x) { return x < 0 ? nx_wneg(x) : x; }
template <typename T> __device__ __forceinline__ T nx_isign(T x) { return (T)((x > 0) - (x < 0)); }

// Truncating quotient and remainder without the MIN / -1 trap.
template <typename T> __device__ __forceinline__ T nx_tdiv(T x, T y) {
    return y == -1 ? nx_wneg(x) : x / y;
}
template <typename T> __device__ __forceinline__ T nx_trem(T x, T y) { return y == -1 ? 0 : x % y; }

template <typename T> __device__ __forceinline__ T nx_ifloordiv(T x, T y) {
    if (y == 0) return 0;
    T q = nx_tdiv(x, y);
    return (nx_trem(x, y) != 0 && ((x < 0) != (y < 0))) ? q - 1 : q;
}
template <typename T> __device__ __forceinline__ T nx_imod(T x, T y) {
    if (y == 0) return 0;
    T r = nx_trem(x, y);
    return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;
}
template <typename T> __device__ __forceinline__ T nx_ifmod(T x, T y) {
    return y == 0 ? 0 : nx_trem(x, y);
}
template <typename T> __device__ __forceinline__ T nx_shl(T x, T y) {
    typedef typename nx_unsigned<T>::type U;
    return (y >= 0 && y < (T)(8 * sizeof(T))) ? (T)((U)x << y) : 0;
}
template <typename T> __device__ __forceinline__ T nx_shr(T x, T y) {
    return (y >= 0 && y < (T)(8 * sizeof(T))) ? (x >> y) : (x < 0 ? -1 : 0);
}
template <typename T> __device__ __forceinline__ T nx_imax(T x, T y) { return x > y ? x : y; }
template <typename T> __device__ __forceinline__ T nx_imin(T x, T y) { return x < y ? x : y; }

// Integer power by repeated squaring; a negative exponent raises the error flag that the
// host turns into NumPy's ValueError.
template <typename T> __device__ T nx_ipow(T x, T y, int* err) {
    if (y < 0) {
        atomicOr(err, 1);
        return 0;
    }
    T acc = 1, base = x;
    while (y > 0) {
        if (y & 1) acc = nx_wmul(acc, base);
        y >>= 1;
        if (y > 0) base = nx_wmul(base, base);
    }
    return acc;
}

// complex64 functions whose float intermediates overflow near FLT_MAX (|z|**2, z*z):
// glibc's float versions avoid that, so these compute in double and round once.
#define NX_C64_VIA_DOUBLE(fn)                                                        \
    template <> __device__ nx_cx<float> fn<float>(nx_cx<float> z) {                  \
        nx_cx<double> r = fn<double>(nx_mk<double>((double)z.re, (double)z.im));     \
        return nx_mk<float>((float)r.re, (float)r.im);                               \
    }
NX_C64_VIA_DOUBLE(nx_csqrt)
NX_C64_VIA_DOUBLE(nx_clog)
NX_C64_VIA_DOUBLE(nx_casin)
NX_C64_VIA_DOUBLE(nx_cacos)
NX_C64_VIA_DOUBLE(nx_casinh)
NX_C64_VIA_DOUBLE(nx_cacosh)
#undef NX_C64_VIA_DOUBLE
