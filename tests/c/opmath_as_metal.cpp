// csrc/opmath/ compiled as a Metal kernel includes it: __METAL_VERSION__ defined (by CMake), C++14, and no
// float64 type (the name is made unusable), so that any double left on Metal's path fails to compile. g++ stands in for Metal's
// compiler with tests/c/metal_stub/metal_stdlib. test_opmath_metal.cpp checks what these functions return.
#include <metal_stdlib>

#define double metal_has_no_float64  // after the C library, which the stand-in needs

#include "../../csrc/opmath/optim.h"
#include "../../csrc/opmath/unary.h"

namespace om = tt::om;

extern "C" float metal_unary(int op, float x) {
  switch (op) {
    case 0: return om::Exp{}(x);
    case 1: return om::Log{}(x);
    case 2: return om::Tanh{}(x);
    case 3: return om::Sigmoid{}(x);
    case 4: return om::Gelu{}(x);
    case 5: return om::Erf{}(x);
    case 6: return om::Expm1{}(x);
    case 7: return om::Log1p{}(x);
    case 8: return om::Sinh{}(x);
    case 9: return om::Cosh{}(x);
    case 10: return om::FullRange<om::Sin>{}(x);
    case 11: return om::Silu{}(x);
    case 12: return om::Softplus{}(x);
    case 13: return om::Abs{}(x);
    case 14: return om::Round{}(x);
    default: return 0.f;
  }
}

extern "C" float metal_binary(int op, float a, float b) {
  switch (op) {
    case 0: return om::Maximum{}(a, b);
    case 1: return om::Remainder{}(a, b);
    case 2: return om::FloorDiv{}(a, b);
    default: return 0.f;
  }
}

// One Adam step (weight decay off, no amsgrad) with the factors a host would hand the kernel.
extern "C" float metal_adam(float g, float p, float m, float v, float coeff) {
  om::Adam<float, false, false> adam;
  adam.sign = 1.f;
  adam.decay = 1.f;
  adam.wd = 0.f;
  adam.lerp.coeff = coeff;
  adam.lerp.from_start = true;
  adam.beta2 = 0.999f;
  adam.one_minus_beta2 = 0.001f;
  adam.bc2_sqrt = 1.f;
  adam.eps = 1e-8f;
  adam.neg_step_size = -0.01f;
  float vmax = 0.f;
  adam(g, p, m, v, vmax);
  return p;
}
