#include "nexpr_prelude.cuh"

// func(a: f64, b: f64) -> (result: f64)
//   %0 = input a : f64
//   %1 = input b : f64
//   %2 = mul %0, %1 : f64
//   result = %2
//   reduce sum(result) : f64
extern "C" __global__ void nexpr_kernel(
    const long long n,
    const long long* __restrict__ geom,
    int* __restrict__ err,
    const double* __restrict__ a,
    const double* __restrict__ b,
    double* __restrict__ partial)
{
    __shared__ double sdata[256];
    double acc = 0.0;
    for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n;
         i += (long long)gridDim.x * blockDim.x) {
        double result = 0.0;
        const double t2 = a[i] * b[i];
        result = t2;
        acc = acc + result;
    }
    sdata[threadIdx.x] = acc;
    __syncthreads();
    for (unsigned int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) {
            sdata[threadIdx.x] = sdata[threadIdx.x] + sdata[threadIdx.x + s];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) partial[blockIdx.x] = sdata[0];
}
