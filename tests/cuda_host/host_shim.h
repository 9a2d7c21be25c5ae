// Lets the device prelude compile as host C++ for tests/cuda_prelude_host.rs.
#pragma once
#include <cmath>
#include <cstring>
#include <cstdint>
using std::isnan; using std::isinf; using std::isfinite; using std::signbit;
#define __device__
#define __forceinline__ inline
#define __align__(n) alignas(n)
static inline float __int_as_float(int i){float f; memcpy(&f,&i,4); return f;}
static inline int __float_as_int(float f){int i; memcpy(&i,&f,4); return i;}
static inline double __longlong_as_double(long long i){double f; memcpy(&f,&i,8); return f;}
static inline long long __double_as_longlong(double f){long long i; memcpy(&i,&f,8); return i;}
static inline int atomicOr(int* p, int v){int o=*p; *p|=v; return o;}
