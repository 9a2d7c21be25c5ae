#include "nexpr_prelude.cuh"

// func(maxi: i64, c: c128) -> (escape: i64)
//   var z: c128
//   var escape: i64
//   var i: i64
//   %0 = const (0.0+0.0j) : c128
//   z = %0
//   %1 = input maxi : i64
//   escape = %1
//   %2 = const 1 : i64
//   %3 = input maxi : i64
//   for i in range(%2, %3):
//     %4 = var z : c128
//     %5 = mul %4, %4 : c128
//     %6 = input c : c128
//     %7 = add %5, %6 : c128
//     z = %7
//     %8 = var z : c128
//     %9 = real %8 : f64
//     %10 = mul %9, %9 : f64
//     %11 = imag %8 : f64
//     %12 = mul %11, %11 : f64
//     %13 = add %10, %12 : f64
//     %14 = const 4.0 : f64
//     %15 = gt %13, %14 : bool
//     if %15:
//       %16 = var i : i64
//       escape = %16
//       break
extern "C" __global__ void nexpr_kernel(
    const long long n,
    const long long* __restrict__ geom,
    int* __restrict__ err,
    const long long* __restrict__ maxi,
    const nx_c128* __restrict__ c,
    long long* __restrict__ out_escape)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        nx_c128 z = nx_mk(0.0, 0.0);
        long long escape = 0LL;
        long long i_1 = 0LL;
        z = nx_mk(0.0, 0.0);
        escape = maxi[0];
        const long long k0_end = maxi[0];
        for (long long k0 = 1LL; k0 < k0_end; ++k0) {
            i_1 = k0;
            const nx_c128 t5 = nx_cmul(z, z);
            const nx_c128 t7 = nx_cadd(t5, c[i]);
            z = t7;
            const double t9 = z.re;
            const double t10 = t9 * t9;
            const double t11 = z.im;
            const double t12 = t11 * t11;
            const double t13 = t10 + t12;
            const bool t15 = t13 > 4.0;
            if (t15) {
                escape = i_1;
                break;
            }
        }
        out_escape[i] = escape;
    }
}
