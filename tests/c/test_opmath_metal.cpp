// The op maths of csrc/opmath/ as Metal includes it (opmath_as_metal.cpp: no float64, Metal's names) against
// the C library in double: each function within a few ulp over a sweep of inputs and the special values.
#include <cmath>
#include <cstdio>
#include <cstring>

extern "C" float metal_unary(int op, float x);
extern "C" float metal_binary(int op, float a, float b);
extern "C" float metal_adam(float g, float p, float m, float v, float coeff);

namespace {

int failures = 0;

double gelu(double x) { return 0.5 * x * std::erfc(-x / std::sqrt(2.0)); }
double softplus(double x) { return x > 20 ? x : std::log1p(std::exp(x)); }

struct Unary {
  const char* name;
  int op;
  double (*ref)(double);
  double lo, hi, max_ulp;
};

double ulps(float got, double want) {
  if (std::isnan(want)) return std::isnan(got) ? 0 : 1e9;
  if (std::isinf(want) || std::fabs(want) > 3.4e38) return float(want) == got ? 0 : 1e9;
  double tiny = std::ldexp(1.0, -149);  // the smallest subnormal: the ulp of 0 and of every subnormal
  double unit = float(want) == 0 ? tiny : std::fmax(std::ldexp(1.0, std::ilogb(float(want)) - 23), tiny);
  return std::fabs(double(got) - want) / unit;
}

void check_unary(const Unary& u) {
  const double specials[] = {0.0, -0.0, 1.0, -1.0, INFINITY, -INFINITY, NAN, 1e-30, -1e-30, 88.5, -88.5, 20.0};
  double worst = 0, at = 0;
  auto one = [&](double x) {
    float got = metal_unary(u.op, float(x));
    double e = ulps(got, u.ref(double(float(x))));
    if (e > worst) worst = e, at = x;
  };
  for (double x : specials)
    if (std::isnan(x) || (x >= u.lo && x <= u.hi) || std::isinf(x)) one(x);
  for (int i = 0; i <= 200000; ++i) one(u.lo + (u.hi - u.lo) * i / 200000.0);
  bool ok = worst <= u.max_ulp;
  failures += !ok;
  std::printf("%-9s max %.2f ulp (at %g)%s\n", u.name, worst, at, ok ? "" : "  FAILED");
}

void expect(bool ok, const char* what) {
  failures += !ok;
  if (!ok) std::printf("FAILED: %s\n", what);
}

}  // namespace

int main() {
  const Unary unary[] = {
      {"exp", 0, [](double x) { return std::exp(x); }, -110, 90, 4},
      {"log", 1, [](double x) { return std::log(x); }, 0, 1e6, 4},
      {"tanh", 2, [](double x) { return std::tanh(x); }, -12, 12, 4},
      {"sigmoid", 3, [](double x) { return 1 / (1 + std::exp(-x)); }, -87, 90, 4},  // below, subnormal results
      // gelu rounds x / sqrt2 to float first (as torch's float32 gelu): in its tail that half ulp grows by 2 x^2
      {"gelu", 4, gelu, -6, 12, 64},
      {"erf", 5, [](double x) { return std::erf(x); }, -6, 6, 8},
      {"expm1", 6, [](double x) { return std::expm1(x); }, -90, 89, 4},
      {"log1p", 7, [](double x) { return std::log1p(x); }, -0.999, 1e6, 4},
      {"sinh", 8, [](double x) { return std::sinh(x); }, -89, 89, 4},
      {"cosh", 9, [](double x) { return std::cosh(x); }, -89, 89, 4},
      {"sin", 10, [](double x) { return std::sin(x); }, -1e4, 1e4, 2},
      {"silu", 11, [](double x) { return x / (1 + std::exp(-x)); }, -87, 90, 4},
      {"softplus", 12, softplus, -90, 90, 4},
      {"abs", 13, [](double x) { return std::fabs(x); }, -1e3, 1e3, 0},
      {"round", 14, [](double x) { return std::nearbyint(x); }, -1e3, 1e3, 0},
  };
  for (const Unary& u : unary) check_unary(u);

  expect(std::isnan(metal_binary(0, NAN, 1.f)) && std::isnan(metal_binary(0, 1.f, NAN)), "maximum lets NaN through");
  expect(metal_binary(0, -0.5f, 2.f) == 2.f, "maximum");
  expect(metal_binary(1, -7.f, 3.f) == 2.f && metal_binary(1, 7.f, -3.f) == -2.f, "remainder takes the divisor's sign");
  expect(metal_binary(2, -7.f, 2.f) == -4.f, "floor division rounds down");
  // Adam from p = 1, m = v = 0, g = 0.5, 1 - beta1 = 0.1: m = 0.05, v = 0.00025, p = 1 - 0.01 * 0.05 / (sqrt(v) + eps)
  double m = 0.05, v = 0.001 * 0.25, p = 1 - 0.01 * m / (std::sqrt(v) + 1e-8);
  expect(std::fabs(metal_adam(0.5f, 1.f, 0.f, 0.f, 0.1f) - p) < 1e-6, "one Adam step");

  std::printf("%s\n", failures ? "test_opmath_metal: FAILED" : "test_opmath_metal: all passed");
  return failures != 0;
}
