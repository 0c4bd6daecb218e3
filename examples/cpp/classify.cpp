// classify: runs an image classifier exported by tinytorch.export over a file of labelled images, with the C++
// wrapper tinytorch.hpp. classify.c is the same program in C.
//
//   classify <model.ttp> <images.bin> [--logits out.bin] [--repeat N]
//
// images.bin (little-endian): char magic[4] = "TTIM"; u32 n, c, h, w; n*c*h*w float32 pixels; n int64 labels.
// The plan's input 0 is the image batch [B, c, h, w] (float32), its output 0 the logits [B, classes] (float32).
#include <tinytorch/tinytorch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace tt = tinytorch;

struct Images {
  int64_t n = 0, c = 0, h = 0, w = 0;
  std::vector<float> pixels;
  std::vector<int64_t> labels;
};

[[noreturn]] static void fail(const std::string& message) { throw std::runtime_error(message); }

static Images read_images(const std::string& path) {
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  if (!f) fail("cannot open " + path);
  const uint64_t size = static_cast<uint64_t>(f.tellg());
  f.seekg(0);
  char magic[4];
  uint32_t dims[4];
  if (!f.read(magic, 4) || !f.read(reinterpret_cast<char*>(dims), sizeof dims) || std::memcmp(magic, "TTIM", 4) != 0)
    fail(path + ": not an images file (it must start with \"TTIM\" and four u32 sizes)");
  Images im;
  im.n = dims[0], im.c = dims[1], im.h = dims[2], im.w = dims[3];
  // each size is below 2^32: divide rather than multiply so that a hostile header cannot overflow the check
  const uint64_t room = size - 20, per_image = uint64_t(im.c) * uint64_t(im.h);
  if (im.n == 0 || per_image == 0 || im.w == 0) fail(path + ": no images, or an image of zero size");
  const bool fits = per_image <= room / 4 / uint64_t(im.w);
  const uint64_t record = fits ? per_image * uint64_t(im.w) * 4 + 8 : 1;  // one image and its label
  if (!fits || room % record != 0 || room / record != uint64_t(im.n))
    fail(path + ": " + std::to_string(size) + " bytes do not hold " + std::to_string(im.n) + " images of " +
         std::to_string(im.c) + "x" + std::to_string(im.h) + "x" + std::to_string(im.w) + " and their labels");
  im.pixels.resize(static_cast<size_t>(im.n * im.c * im.h * im.w));
  im.labels.resize(static_cast<size_t>(im.n));
  f.read(reinterpret_cast<char*>(im.pixels.data()), std::streamsize(im.pixels.size() * sizeof(float)));
  f.read(reinterpret_cast<char*>(im.labels.data()), std::streamsize(im.labels.size() * sizeof(int64_t)));
  if (!f) fail(path + ": read error");
  return im;
}

static int run(int argc, char** argv) {
  if (argc < 3) fail("usage: classify <model.ttp> <images.bin> [--logits out.bin] [--repeat N]");
  std::string logits_path;
  long repeat = 0;
  for (int i = 3; i < argc; i++) {
    const std::string arg = argv[i];
    if (arg == "--logits" && i + 1 < argc) {
      logits_path = argv[++i];
    } else if (arg == "--repeat" && i + 1 < argc) {
      repeat = std::strtol(argv[++i], nullptr, 10);
      if (repeat <= 0) fail("--repeat takes a positive count");
    } else {
      fail("unknown argument " + arg);
    }
  }

  tt::Plan plan = tt::Plan::load(argv[1]);
  const Images im = read_images(argv[2]);
  if (plan.inputs().size() != 1 || plan.outputs().empty()) fail("the plan must take one input and give an output");
  const tt::IoInfo& in = plan.inputs()[0];
  const tt::IoInfo& out = plan.outputs()[0];
  if (in.dtype != TT_FLOAT32 || in.shape.size() != 4 || in.shape[1] != im.c || in.shape[2] != im.h ||
      in.shape[3] != im.w)
    fail("the plan's input '" + in.name + "' is not a float32 batch of " + std::to_string(im.c) + "x" +
         std::to_string(im.h) + "x" + std::to_string(im.w) + " images");
  if (out.dtype != TT_FLOAT32 || out.shape.size() != 2 || out.shape[0] != in.shape[0] || out.shape[1] < 1)
    fail("the plan's output '" + out.name + "' is not float32 logits [batch, classes]");
  const int64_t batch = in.shape[0], classes = out.shape[1], per_image = im.c * im.h * im.w;
  // a static plan takes exactly `batch` images: the last batch is padded with zeros and its padding ignored
  const bool pad = !(plan.max_batch() > 0 && in.batched);

  tt::Tensor x = tt::Tensor::empty({batch, im.c, im.h, im.w});
  std::vector<float> logits(static_cast<size_t>(im.n * classes));
  int64_t correct = 0;
  for (int64_t start = 0; start < im.n; start += batch) {
    const int64_t rows = std::min(batch, im.n - start), b = pad ? batch : rows;
    float* px = x.data<float>();
    std::copy_n(&im.pixels[start * per_image], rows * per_image, px);
    std::fill(px + rows * per_image, px + b * per_image, 0.0f);
    tt_view v = x.view();
    v.shape[0] = b;
    const tt::TensorView y = plan.run({tt::TensorView(v)})[0];
    if (y.shape() != std::vector<int64_t>{b, classes}) fail("the plan gave logits of an unexpected shape");
    const float* p = y.data<float>();
    const int64_t s0 = y.strides()[0], s1 = y.strides()[1];
    for (int64_t i = 0; i < rows; i++) {
      const int64_t label = im.labels[start + i];
      if (label < 0 || label >= classes) fail("label " + std::to_string(label) + " of image " +
                                              std::to_string(start + i) + " is not a class of the plan");
      int64_t best = 0;
      for (int64_t k = 0; k < classes; k++) {
        logits[(start + i) * classes + k] = p[i * s0 + k * s1];
        if (p[i * s0 + k * s1] > p[i * s0 + best * s1]) best = k;
      }
      correct += best == label;
    }
  }
  std::printf("accuracy %.4f (%lld images)\n", double(correct) / im.n, static_cast<long long>(im.n));

  if (!logits_path.empty()) {
    std::ofstream f(logits_path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(logits.data()), std::streamsize(logits.size() * sizeof(float)));
    if (!f) fail("cannot write " + logits_path);
  }
  if (repeat > 0) {  // x still holds the last batch; a full batch keeps the timing comparable across files
    tt_view v = x.view();
    std::vector<double> us;
    for (long r = 0; r < repeat; r++) {
      const auto t0 = std::chrono::steady_clock::now();
      plan.run({tt::TensorView(v)});
      us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    }
    std::nth_element(us.begin(), us.begin() + us.size() / 2, us.end());
    std::printf("per-run microseconds: %.1f\n", us[us.size() / 2]);
  }
  return 0;
}

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const tt::Error& e) {
    std::fprintf(stderr, "classify: tinytorch error %d: %s\n", static_cast<int>(e.status()), e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "classify: %s\n", e.what());
  }
  return 1;
}
