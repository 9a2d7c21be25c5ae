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

// Division the way num-complex's `/` does it: the complex functions below are ports of
// num-complex (which the interpreter runs), so they divide like it.
template <typename T> __device__ __forceinline__ nx_cx<T> nx_cdiv_plain(nx_cx<T> a, nx_cx<T> b) {
    T n = b.re * b.re + b.im * b.im;
    return nx_mk((a.re * b.re + a.im * b.im) / n, (a.im * b.re - a.re * b.im) / n);
}

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
    T r = exp(re);
    return nx_mk(r * cos(im), r * sin(im));
}

template <typename T> __device__ __forceinline__ nx_cx<T> nx_clog(nx_cx<T> z) {
    return nx_mk(log(hypot(z.re, z.im)), atan2(z.im, z.re));
}

template <typename T> __device__ nx_cx<T> nx_csqrt(nx_cx<T> z) {
    if (z.im == T(0)) {
        if (!signbit(z.re)) return nx_mk(sqrt(z.re), z.im);
        T im = sqrt(-z.re);
        return signbit(z.im) ? nx_mk(T(0), -im) : nx_mk(T(0), im);
    }
    if (z.re == T(0)) {
        T x = sqrt(fabs(z.im) / T(2));
        return signbit(z.im) ? nx_mk(x, -x) : nx_mk(x, x);
    }
    T r = sqrt(hypot(z.re, z.im));
    T th = atan2(z.im, z.re) / T(2);
    return nx_mk(r * cos(th), r * sin(th));
}

template <typename T> __device__ nx_cx<T> nx_csin(nx_cx<T> z) {
    return nx_mk(sin(z.re) * cosh(z.im), cos(z.re) * sinh(z.im));
}
template <typename T> __device__ nx_cx<T> nx_ccos(nx_cx<T> z) {
    return nx_mk(cos(z.re) * cosh(z.im), -sin(z.re) * sinh(z.im));
}
template <typename T> __device__ nx_cx<T> nx_ctan(nx_cx<T> z) {
    T a = z.re + z.re, b = z.im + z.im;
    T d = cos(a) + cosh(b);
    return nx_mk(sin(a) / d, sinh(b) / d);
}
template <typename T> __device__ nx_cx<T> nx_csinh(nx_cx<T> z) {
    return nx_mk(sinh(z.re) * cos(z.im), cosh(z.re) * sin(z.im));
}
template <typename T> __device__ nx_cx<T> nx_ccosh(nx_cx<T> z) {
    return nx_mk(cosh(z.re) * cos(z.im), sinh(z.re) * sin(z.im));
}
template <typename T> __device__ nx_cx<T> nx_ctanh(nx_cx<T> z) {
    T a = z.re + z.re, b = z.im + z.im;
    T d = cosh(a) + cos(b);
    return nx_mk(sinh(a) / d, sin(b) / d);
}

// arcsin(z) = -i ln(sqrt(1 - z^2) + iz)
template <typename T> __device__ nx_cx<T> nx_casin(nx_cx<T> z) {
    nx_cx<T> i = nx_mk(T(0), T(1)), one = nx_mk(T(1), T(0));
    nx_cx<T> w = nx_cadd(nx_csqrt(nx_csub(one, nx_cmul(z, z))), nx_cmul(i, z));
    return nx_cmul(nx_cneg(i), nx_clog(w));
}
// arccos(z) = -i ln(i sqrt(1 - z^2) + z)
template <typename T> __device__ nx_cx<T> nx_cacos(nx_cx<T> z) {
    nx_cx<T> i = nx_mk(T(0), T(1)), one = nx_mk(T(1), T(0));
    nx_cx<T> w = nx_cadd(nx_cmul(i, nx_csqrt(nx_csub(one, nx_cmul(z, z)))), z);
    return nx_cmul(nx_cneg(i), nx_clog(w));
}
// arctan(z) = (ln(1 + iz) - ln(1 - iz)) / 2i
template <typename T> __device__ nx_cx<T> nx_catan(nx_cx<T> z) {
    nx_cx<T> i = nx_mk(T(0), T(1)), one = nx_mk(T(1), T(0));
    if (z.re == T(0) && z.im == T(1)) return nx_mk(T(0), nx_inf<T>());
    if (z.re == T(0) && z.im == T(-1)) return nx_mk(T(0), -nx_inf<T>());
    nx_cx<T> iz = nx_cmul(i, z);
    nx_cx<T> two_i = nx_cmul(nx_mk(T(2), T(0)), i);
    return nx_cdiv_plain(nx_csub(nx_clog(nx_cadd(one, iz)), nx_clog(nx_csub(one, iz))), two_i);
}
// arcsinh(z) = ln(z + sqrt(1 + z^2))
template <typename T> __device__ nx_cx<T> nx_casinh(nx_cx<T> z) {
    nx_cx<T> one = nx_mk(T(1), T(0));
    return nx_clog(nx_cadd(z, nx_csqrt(nx_cadd(one, nx_cmul(z, z)))));
}
// arccosh(z) = 2 ln(sqrt((z + 1) / 2) + sqrt((z - 1) / 2))
template <typename T> __device__ nx_cx<T> nx_cacosh(nx_cx<T> z) {
    nx_cx<T> one = nx_mk(T(1), T(0)), two = nx_mk(T(2), T(0));
    nx_cx<T> s = nx_cadd(nx_csqrt(nx_cdiv_plain(nx_cadd(z, one), two)),
                         nx_csqrt(nx_cdiv_plain(nx_csub(z, one), two)));
    return nx_cmul(two, nx_clog(s));
}
// arctanh(z) = (ln(1 + z) - ln(1 - z)) / 2
template <typename T> __device__ nx_cx<T> nx_catanh(nx_cx<T> z) {
    nx_cx<T> one = nx_mk(T(1), T(0)), two = nx_mk(T(2), T(0));
    if (z.re == T(1) && z.im == T(0)) return nx_mk(nx_inf<T>(), T(0));
    if (z.re == T(-1) && z.im == T(0)) return nx_mk(-nx_inf<T>(), T(0));
    return nx_cdiv_plain(nx_csub(nx_clog(nx_cadd(one, z)), nx_clog(nx_csub(one, z))), two);
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
template <typename T> __device__ nx_cx<T> nx_csign(nx_cx<T> z) {
    if (isnan(z.re) || isnan(z.im)) return nx_mk(nx_nan<T>(), nx_nan<T>());
    if (isinf(z.re)) {
        if (isinf(z.im)) return nx_mk(nx_nan<T>(), nx_nan<T>());
        return nx_mk(z.re > T(0) ? T(1) : T(-1), T(0));
    }
    if (isinf(z.im)) return nx_mk(T(0), z.im > T(0) ? T(1) : T(-1));
    if (z.re == T(0) && z.im == T(0)) return nx_mk(T(0), T(0));
    T a = hypot(z.re, z.im);
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

// num-complex's powc: exp(b ln a).
template <typename T> __device__ nx_cx<T> nx_cpowc(nx_cx<T> a, nx_cx<T> b) {
    if (b.re == T(0) && b.im == T(0)) return nx_mk(T(1), T(0));
    return nx_cexp(nx_cmul(b, nx_clog(a)));
}

// NumPy's complex power: exact repeated multiplication for small integer exponents.
template <typename T> __device__ nx_cx<T> nx_cpow(nx_cx<T> a, nx_cx<T> b) {
    nx_cx<T> one = nx_mk(T(1), T(0));
    if (b.re == T(0) && b.im == T(0)) return one;
    if (a.re == T(0) && a.im == T(0)) {
        if (b.re > T(0) && b.im == T(0)) return nx_mk(T(0), T(0));
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

// maximum/minimum propagate a NaN from either side.
template <typename T> __device__ __forceinline__ T nx_max(T x, T y) {
    return (x >= y || isnan(x)) ? x : y;
}
template <typename T> __device__ __forceinline__ T nx_min(T x, T y) {
    return (x <= y || isnan(x)) ? x : y;
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
