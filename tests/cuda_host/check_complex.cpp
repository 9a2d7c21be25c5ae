// The device prelude's complex functions, compiled for the host (tests/cuda_prelude_host.rs)
// and compared with the C library's, whose C99 Annex G special values NumPy inherits and
// the interpreter calls. Prints "<bad> of <total> differ".
#include "host_shim.h"
#include "prelude.cuh"
struct dcs{double re, im;};
extern "C" {
dcs csqrt(dcs);
dcs cexp(dcs);
dcs clog(dcs);
dcs csin(dcs);
dcs ccos(dcs);
dcs ctan(dcs);
dcs csinh(dcs);
dcs ccosh(dcs);
dcs ctanh(dcs);
dcs casin(dcs);
dcs cacos(dcs);
dcs catan(dcs);
dcs casinh(dcs);
dcs cacosh(dcs);
dcs catanh(dcs);
}
#include <cstdio>
#include <vector>
typedef dcs dc; static double creal(dc z){return z.re;} static double cimag(dc z){return z.im;}
static bool same(double a, double b){ if (isnan(a)||isnan(b)) return isnan(a)&&isnan(b); if (isinf(a)||isinf(b)) return a==b; double t=1e-11*fmax(1.0,fmax(fabs(a),fabs(b))); return fabs(a-b)<=t; }
int main(){
  std::vector<double> v={0.9,-0.999,1.0000001,2e-5,-3e-8,0.07,-0.2,3.3,-7.7,45,123.4,-0.6,0.8,0.0,-0.0,1e-300,1e-10,1e-3,0.3,0.5,1.0,-1.0,1.5,-2.5,10,-30,700,-710,1e10,1e200,-1e300,INFINITY,-INFINITY,NAN};
  int bad=0,total=0;
  const char* names[]={"sqrt","exp","log","sin","cos","tan","sinh","cosh","tanh","asin","acos","atan","asinh","acosh","atanh"};
  for(int f=0;f<15;f++) for(double x: v) for(double y: v){
    nx_c128 z=nx_mk(x,y); dc w = {x, y};
    nx_c128 a; dc b;
    switch(f){case 0:a=nx_csqrt(z);b=csqrt(w);break;case 1:a=nx_cexp(z);b=cexp(w);break;case 2:a=nx_clog(z);b=clog(w);break;
    case 3:a=nx_csin(z);b=csin(w);break;case 4:a=nx_ccos(z);b=ccos(w);break;case 5:a=nx_ctan(z);b=ctan(w);break;
    case 6:a=nx_csinh(z);b=csinh(w);break;case 7:a=nx_ccosh(z);b=ccosh(w);break;case 8:a=nx_ctanh(z);b=ctanh(w);break;
    case 9:a=nx_casin(z);b=casin(w);break;case 10:a=nx_cacos(z);b=cacos(w);break;case 11:a=nx_catan(z);b=catan(w);break;
    case 12:a=nx_casinh(z);b=casinh(w);break;case 13:a=nx_cacosh(z);b=cacosh(w);break;case 14:a=nx_catanh(z);b=catanh(w);break;}
    total++;
    if(!same(a.re,creal(b))||!same(a.im,cimag(b))){ if(bad<400) printf("%s(%g%+gj): mine %.17g%+.17gj glibc %.17g%+.17gj\n",names[f],x,y,a.re,a.im,creal(b),cimag(b)); bad++;}
  }
  printf("%d of %d differ\n",bad,total);
}
