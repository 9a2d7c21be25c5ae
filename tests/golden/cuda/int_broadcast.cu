#include "nexpr_prelude.cuh"

// func(x: i32, y: i32, k: i64) -> (result: i64)
//   %0 = input x : i32
//   %1 = input y : i32
//   %2 = floordiv %0, %1 : i32
//   %3 = input k : i64
//   %4 = cast %2 : i64
//   %5 = mod %4, %3 : i64
//   %6 = const 2 : i32
//   %7 = shl %0, %6 : i32
//   %8 = cast %7 : i64
//   %9 = add %5, %8 : i64
//   result = %9
extern "C" __global__ void nexpr_kernel(
    const long long n,
    const long long* __restrict__ geom,
    int* __restrict__ err,
    const int* __restrict__ x,
    const int* __restrict__ y,
    const long long* __restrict__ k,
    long long* __restrict__ out_result)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        long long off_x = 0, off_y = 0;
        {
            const int ndim = (int)geom[0];
            long long rem = i;
            for (int d = ndim - 1; d >= 0; --d) {
                const long long q = rem / geom[1 + d];
                const long long coord = rem - q * geom[1 + d];
                off_x += coord * geom[1 + 1 * ndim + d];
                off_y += coord * geom[1 + 2 * ndim + d];
                rem = q;
            }
        }
        long long result = 0LL;
        const int t2 = nx_ifloordiv(x[off_x], y[off_y]);
        const long long t4 = (long long)t2;
        const long long t5 = nx_imod(t4, k[0]);
        const int t7 = nx_shl(x[off_x], 2);
        const long long t8 = (long long)t7;
        const long long t9 = nx_wadd(t5, t8);
        result = t9;
        out_result[i] = result;
    }
}
