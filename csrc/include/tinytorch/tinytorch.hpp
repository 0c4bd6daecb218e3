// tinytorch.hpp: a header-only C++17 wrapper over the C ABI of tinytorch.h.
//
// It adds ownership (RAII buffers and plans), exceptions in place of status codes, and typed access to data.
// It compiles inline into the program, so the only binary boundary stays the C ABI.
//
//   tinytorch::Plan plan = tinytorch::Plan::load("model.ttp");
//   tinytorch::Tensor x = tinytorch::Tensor::from(pixels, {8, 1, 28, 28});
//   std::vector<tinytorch::TensorView> out = plan.run({x});
//   const float* logits = out[0].data<float>();
#ifndef TINYTORCH_HPP
#define TINYTORCH_HPP

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tinytorch.h"

namespace tinytorch {

// A failed tinytorch call: status() is the C ABI's code, what() the library's message.
class Error : public std::runtime_error {
 public:
  Error(tt_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  tt_status status() const noexcept { return status_; }

 private:
  tt_status status_;
};

namespace detail {
inline void check(tt_status s) {
  if (s != TT_OK) throw Error(s, tt_last_error());
}
// A header compiled against one ABI must not drive a library of another: struct layouts could differ.
inline void check_abi() {
  static const bool ok = [] {
    if (tt_abi_version() != TT_ABI_VERSION)
      throw Error(TT_ERR_UNSUPPORTED, "tinytorch: this program was compiled for ABI version " +
                                          std::to_string(TT_ABI_VERSION) + " but the library has version " +
                                          std::to_string(tt_abi_version()));
    return true;
  }();
  (void)ok;
}
}  // namespace detail

inline tt_device cpu() { return tt_device{TT_CPU, 0}; }
inline tt_device cuda(int32_t index = 0) { return tt_device{TT_CUDA, index}; }

// The tt_dtype of a C++ element type (float16 and bfloat16 have none: reach them through data_ptr()).
template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr tt_dtype value = TT_FLOAT32; };
template <> struct dtype_of<double> { static constexpr tt_dtype value = TT_FLOAT64; };
template <> struct dtype_of<int32_t> { static constexpr tt_dtype value = TT_INT32; };
template <> struct dtype_of<int64_t> { static constexpr tt_dtype value = TT_INT64; };
template <> struct dtype_of<uint8_t> { static constexpr tt_dtype value = TT_UINT8; };
template <> struct dtype_of<bool> { static constexpr tt_dtype value = TT_BOOL; };

// One reference to a tt_buffer.
class Buffer {
 public:
  Buffer() = default;
  static Buffer create(int64_t nbytes, tt_device device = cpu()) {
    detail::check_abi();
    Buffer b;
    detail::check(tt_buffer_new(device, nbytes, &b.buf_));
    return b;
  }
  // Takes a new reference to a buffer someone else owns.
  static Buffer retain(tt_buffer* buf) {
    tt_buffer_retain(buf);
    Buffer b;
    b.buf_ = buf;
    return b;
  }
  Buffer(Buffer&& o) noexcept : buf_(std::exchange(o.buf_, nullptr)) {}
  Buffer& operator=(Buffer&& o) noexcept {
    std::swap(buf_, o.buf_);
    return *this;
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { tt_buffer_release(buf_); }

  tt_buffer* get() const { return buf_; }
  int64_t nbytes() const { return tt_buffer_nbytes(buf_); }
  tt_device device() const { return tt_buffer_device(buf_); }
  void write(int64_t offset, const void* src, int64_t nbytes) { detail::check(tt_buffer_write(buf_, offset, src, nbytes)); }
  void read(int64_t offset, void* dst, int64_t nbytes) const { detail::check(tt_buffer_read(buf_, offset, dst, nbytes)); }

 private:
  tt_buffer* buf_ = nullptr;
};

// A non-owning strided view over a buffer: it is valid while the buffer lives (for a plan's outputs: until the
// plan's next run).
class TensorView {
 public:
  TensorView() { std::memset(&v_, 0, sizeof v_); }
  explicit TensorView(const tt_view& v) : v_(v) {}

  const tt_view& view() const { return v_; }
  tt_dtype dtype() const { return static_cast<tt_dtype>(v_.dtype); }
  int32_t ndim() const { return v_.ndim; }
  std::vector<int64_t> shape() const { return std::vector<int64_t>(v_.shape, v_.shape + v_.ndim); }
  std::vector<int64_t> strides() const { return std::vector<int64_t>(v_.strides, v_.strides + v_.ndim); }
  int64_t numel() const {
    int64_t n = 1;
    for (int32_t d = 0; d < v_.ndim; d++) n *= v_.shape[d];
    return n;
  }
  bool is_contiguous() const {
    int64_t expected = 1;
    for (int32_t d = v_.ndim - 1; d >= 0; d--) {
      if (v_.shape[d] != 1 && v_.strides[d] != expected) return false;
      expected *= v_.shape[d];
    }
    return true;
  }
  tt_device device() const { return tt_buffer_device(v_.buf); }
  // The address of the view's first element: a host pointer on the CPU, a device pointer elsewhere.
  void* data_ptr() const { return static_cast<char*>(tt_buffer_data(v_.buf)) + v_.offset * tt_dtype_size(v_.dtype); }

  // Host access with the element type checked; index it with strides() (or directly when is_contiguous()).
  template <class T> T* data() const {
    if (dtype_of<T>::value != v_.dtype)
      throw Error(TT_ERR_DTYPE, std::string("tinytorch: data<") + tt_dtype_name(dtype_of<T>::value) +
                                    ">() of a " + tt_dtype_name(v_.dtype) + " tensor");
    if (device().type != TT_CPU) throw Error(TT_ERR_DEVICE, "tinytorch: data<T>() of a tensor that is not on the CPU");
    return static_cast<T*>(data_ptr());
  }
  // A copy of a contiguous view's elements, from any device.
  template <class T> std::vector<T> to_vector() const {
    if (dtype_of<T>::value != v_.dtype) throw Error(TT_ERR_DTYPE, "tinytorch: to_vector<T>() with the wrong T");
    if (!is_contiguous()) throw Error(TT_ERR_SHAPE, "tinytorch: to_vector<T>() of a non-contiguous view");
    std::vector<T> out(static_cast<size_t>(numel()));
    detail::check(tt_buffer_read(v_.buf, v_.offset * int64_t(sizeof(T)), out.data(), numel() * int64_t(sizeof(T))));
    return out;
  }

 protected:
  tt_view v_;
};

// A contiguous tensor that owns its buffer. It is a TensorView, so it goes wherever views go.
class Tensor : public TensorView {
 public:
  static Tensor empty(const std::vector<int64_t>& shape, tt_dtype dtype = TT_FLOAT32, tt_device device = cpu()) {
    if (shape.size() > TT_MAX_DIMS) throw Error(TT_ERR_SHAPE, "tinytorch: more than TT_MAX_DIMS dimensions");
    Tensor t;
    t.v_.dtype = dtype;
    t.v_.ndim = static_cast<int32_t>(shape.size());
    int64_t stride = 1;
    for (int32_t d = t.v_.ndim - 1; d >= 0; d--) {
      if (shape[d] < 0) throw Error(TT_ERR_SHAPE, "tinytorch: a negative dimension");
      t.v_.shape[d] = shape[d];
      t.v_.strides[d] = stride;
      stride *= shape[d];
    }
    t.buf_ = Buffer::create(stride * tt_dtype_size(dtype), device);
    t.v_.buf = t.buf_.get();
    return t;
  }
  // A tensor holding a copy of host data, on any device.
  template <class T>
  static Tensor from(const std::vector<T>& data, const std::vector<int64_t>& shape, tt_device device = cpu()) {
    Tensor t = empty(shape, dtype_of<T>::value, device);
    if (t.numel() != static_cast<int64_t>(data.size()))
      throw Error(TT_ERR_SHAPE, "tinytorch: Tensor::from: " + std::to_string(data.size()) +
                                    " elements for a shape of " + std::to_string(t.numel()));
    t.buf_.write(0, data.data(), t.numel() * int64_t(sizeof(T)));
    return t;
  }
  const Buffer& buffer() const { return buf_; }

 private:
  Buffer buf_;
};

// An input or output of a plan. For a dynamic plan, shape is the one at the largest batch.
struct IoInfo {
  std::string name;
  tt_dtype dtype;
  std::vector<int64_t> shape;
  bool batched;
};

struct PlanMemory {
  int64_t constant_bytes, input_bytes, work_bytes;
};

// A loaded .ttp plan. One run at a time: serialise the calls of one plan across threads.
class Plan {
 public:
  static Plan load(const std::string& path, tt_device device = cpu()) {
    detail::check_abi();
    Plan p;
    detail::check(tt_plan_load(path.c_str(), device, &p.plan_));
    p.describe();
    return p;
  }
  static Plan from_memory(const void* data, int64_t nbytes, tt_device device = cpu()) {
    detail::check_abi();
    Plan p;
    detail::check(tt_plan_load_memory(data, nbytes, device, &p.plan_));
    p.describe();
    return p;
  }
  Plan(Plan&& o) noexcept
      : plan_(std::exchange(o.plan_, nullptr)), inputs_(std::move(o.inputs_)), outputs_(std::move(o.outputs_)) {}
  Plan& operator=(Plan&& o) noexcept {
    std::swap(plan_, o.plan_);
    std::swap(inputs_, o.inputs_);
    std::swap(outputs_, o.outputs_);
    return *this;
  }
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  ~Plan() { tt_plan_free(plan_); }

  tt_plan* get() const { return plan_; }
  const std::vector<IoInfo>& inputs() const { return inputs_; }
  const std::vector<IoInfo>& outputs() const { return outputs_; }
  int64_t max_batch() const { return tt_plan_max_batch(plan_); }  // 0: a static plan
  PlanMemory memory() const {
    PlanMemory m{};
    detail::check(tt_plan_memory(plan_, &m.constant_bytes, &m.input_bytes, &m.work_bytes));
    return m;
  }
  // Gives an external constant its buffer (the plan keeps its own reference).
  void bind(int32_t buffer_index, const Buffer& buf) { detail::check(tt_plan_bind(plan_, buffer_index, buf.get())); }

  // Runs once; the outputs are views into the plan's memory, valid until the next run or the plan's end.
  std::vector<TensorView> run(const std::vector<TensorView>& inputs) {
    run_into(inputs, nullptr, 0);
    std::vector<TensorView> out(outputs_.size());
    for (size_t i = 0; i < out.size(); i++) {
      tt_view v;
      detail::check(tt_plan_output_view(plan_, static_cast<int32_t>(i), &v));
      out[i] = TensorView(v);
    }
    return out;
  }
  // Runs once, copying the outputs into the caller's views (one per output, of its shape at this batch).
  void run(const std::vector<TensorView>& inputs, const std::vector<TensorView>& outputs) {
    std::vector<tt_view> outs;
    for (const TensorView& o : outputs) outs.push_back(o.view());
    run_into(inputs, outs.data(), static_cast<int32_t>(outs.size()));
  }

 private:
  Plan() = default;
  void run_into(const std::vector<TensorView>& inputs, const tt_view* outs, int32_t n_outs) {
    std::vector<tt_view> ins;
    for (const TensorView& i : inputs) ins.push_back(i.view());
    detail::check(tt_plan_run(plan_, ins.data(), static_cast<int32_t>(ins.size()), outs, n_outs));
  }
  void describe() {
    for (int32_t i = 0; i < tt_plan_num_inputs(plan_); i++) inputs_.push_back(io(tt_plan_input, i));
    for (int32_t i = 0; i < tt_plan_num_outputs(plan_); i++) outputs_.push_back(io(tt_plan_output, i));
  }
  IoInfo io(tt_status (*get)(const tt_plan*, int32_t, tt_plan_io*), int32_t i) const {
    tt_plan_io d;
    detail::check(get(plan_, i, &d));
    return IoInfo{d.name, static_cast<tt_dtype>(d.dtype), std::vector<int64_t>(d.shape, d.shape + d.ndim),
                  d.batched != 0};
  }

  tt_plan* plan_ = nullptr;
  std::vector<IoInfo> inputs_, outputs_;
};

}  // namespace tinytorch

#endif  // TINYTORCH_HPP
