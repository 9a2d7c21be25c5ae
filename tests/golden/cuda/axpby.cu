#include "nexpr_prelude.cuh"

// func(a: f64, b: f64) -> (result: f64)
//   %0 = input a : f64
//   %1 = const 2.0 : f64
//   %2 = mul %0, %1 : f64
//   %3 = input b : f64
//   %4 = const 3.0 : f64
//   %5 = mul %3, %4 : f64
//   %6 = add %2, %5 : f64
//   result = %6
extern "C" __global__ void nexpr_kernel(
    const long long n,
    const long long* __restrict__ geom,
    int* __restrict__ err,
    const double* __restrict__ a,
    const double* __restrict__ b,
    double* __restrict__ out_result)
{
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        double result = 0.0;
        const double t2 = a[i] * 2.0;
        const double t5 = b[i] * 3.0;
        const double t6 = t2 + t5;
        result = t6;
        out_result[i] = result;
    }
}
