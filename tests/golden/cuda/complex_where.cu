#include "nexpr_prelude.cuh"

// func(z: c128, a: f64) -> (result: c128)
//   %0 = input z : c128
//   %1 = abs %0 : f64
//   %2 = input a : f64
//   %3 = gt %1, %2 : bool
//   %4 = const (0.0+1.0j) : c128
//   %5 = add %0, %4 : c128
//   %6 = div %0, %5 : c128
//   %7 = sqrt %0 : c128
//   %8 = mul %7, %7 : c128
//   %9 = where %3, %6, %8 : c128
//   result = %9
extern "C" __global__ void nexpr_kernel(
    const long long n,
    const long long* __restrict__ geom,
    int* __restrict__ err,
    const nx_c128* __restrict__ z,
    const double* __restrict__ a,
    nx_c128* __restrict__ out_result)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        nx_c128 result = nx_mk(0.0, 0.0);
        const double t1 = nx_cabs(z[i]);
        const bool t3 = t1 > a[i];
        const nx_c128 t5 = nx_cadd(z[i], nx_mk(0.0, 1.0));
        const nx_c128 t6 = nx_cdiv(z[i], t5);
        const nx_c128 t7 = nx_csqrt(z[i]);
        const nx_c128 t8 = nx_cmul(t7, t7);
        const nx_c128 t9 = t3 ? t6 : t8;
        result = t9;
        out_result[i] = result;
    }
}
