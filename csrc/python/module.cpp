// tinytorch._C: the only code joining Python and the C ABI. It holds buffers, turns Python views into
// tt_view structs, runs ops with the GIL released, and turns error codes into Python exceptions.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "tinytorch/tinytorch.h"

namespace nb = nanobind;

void bind_tables(nb::module_& m);  // tables.cpp: the op and attrs descriptions

namespace {

[[noreturn]] void raise_status(tt_status s) {
  std::string msg = tt_last_error();
  switch (s) {
    case TT_ERR_INVALID_ARGUMENT: throw nb::value_error(msg.c_str());
    case TT_ERR_DTYPE: throw nb::type_error(msg.c_str());
    case TT_ERR_INDEX: throw nb::index_error(msg.c_str());
    case TT_ERR_UNSUPPORTED: throw nb::builtin_exception(nb::exception_type::runtime_error, ("not supported: " + msg).c_str());
    default: throw std::runtime_error(msg);
  }
}
inline void check(tt_status s) {
  if (s != TT_OK) raise_status(s);
}

// Owns one reference to a tt_buffer.
struct Buffer {
  tt_buffer* buf = nullptr;
  explicit Buffer(tt_buffer* b) : buf(b) {}
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { tt_buffer_release(buf); }
};

void release_owner(void* ctx) {
  nb::gil_scoped_acquire gil;
  Py_DECREF(static_cast<PyObject*>(ctx));
}

// An attribute by an interned name (no string made per call); a Python error propagates.
nb::object field(PyObject* obj, PyObject* name) {
  PyObject* value = PyObject_GetAttr(obj, name);
  if (!value) throw nb::python_error();
  return nb::steal(value);
}

// A tensor's view, read from its fields: _buf (a Buffer), _offset, _dtype (its .code), _shape and _strides (tuples
// of ints). Reading them here spares the per-op Python tuple that would otherwise carry them.
void to_view(nb::handle tensor, tt_view& v) {
  static PyObject *k_buf = PyUnicode_InternFromString("_buf"), *k_offset = PyUnicode_InternFromString("_offset"),
                  *k_dtype = PyUnicode_InternFromString("_dtype"), *k_code = PyUnicode_InternFromString("code"),
                  *k_shape = PyUnicode_InternFromString("_shape"), *k_strides = PyUnicode_InternFromString("_strides");
  PyObject* t = tensor.ptr();
  v.buf = nb::cast<Buffer*>(field(t, k_buf))->buf;
  v.offset = nb::cast<int64_t>(field(t, k_offset));
  // dtypes are a few long-lived objects: remember the last one's code (holding a reference, so that its address
  // names it) rather than read it each time; the GIL guards these statics
  static PyObject* last_dtype = nullptr;
  static int32_t last_code = 0;
  nb::object dtype = field(t, k_dtype);
  if (dtype.ptr() != last_dtype) {
    last_code = nb::cast<int32_t>(field(dtype.ptr(), k_code));
    Py_XDECREF(last_dtype);
    last_dtype = dtype.inc_ref().ptr();
  }
  v.dtype = last_code;
  nb::object shape = field(t, k_shape), strides = field(t, k_strides);
  if (!PyTuple_Check(shape.ptr()) || !PyTuple_Check(strides.ptr()))
    throw nb::type_error("tinytorch._C: a tensor's shape and strides must be tuples");
  Py_ssize_t nd = PyTuple_GET_SIZE(shape.ptr());
  if (nd > TT_MAX_DIMS || PyTuple_GET_SIZE(strides.ptr()) != nd)
    throw nb::value_error(("tinytorch supports at most " + std::to_string(TT_MAX_DIMS) +
                           " dims, and shape and strides must have one length").c_str());
  v.ndim = int32_t(nd);
  for (Py_ssize_t d = 0; d < nd; ++d) {
    v.shape[d] = nb::cast<int64_t>(nb::handle(PyTuple_GET_ITEM(shape.ptr(), d)));
    v.strides[d] = nb::cast<int64_t>(nb::handle(PyTuple_GET_ITEM(strides.ptr(), d)));
  }
}

constexpr int kMaxOperands = 8;        // the most inputs or outputs any op in tt_ops.def takes
constexpr int64_t kSmallWork = 16384;  // elements in the largest operand below which a kernel keeps the GIL
constexpr int64_t kSmallAlloc = 1 << 16;  // bytes below which a CPU allocation keeps the GIL

void run(int32_t op, nb::handle inputs, nb::handle outputs, nb::bytes attrs) {
  tt_view in[kMaxOperands], out[kMaxOperands];
  auto fill = [](nb::handle seq, tt_view* views, int cap) {
    nb::object items = nb::steal(PySequence_Fast(seq.ptr(), "tinytorch._C.run: inputs and outputs are sequences"));
    if (!items) throw nb::python_error();
    Py_ssize_t n = PySequence_Fast_GET_SIZE(items.ptr());
    if (n > cap) throw nb::value_error("tinytorch._C.run: too many operands");
    for (Py_ssize_t i = 0; i < n; ++i) to_view(PySequence_Fast_GET_ITEM(items.ptr(), i), views[i]);
    return int32_t(n);
  };
  int32_t n_in = fill(inputs, in, kMaxOperands), n_out = fill(outputs, out, kMaxOperands);
  const void* a = attrs.size() ? attrs.c_str() : nullptr;
  size_t a_size = attrs.size();
  // Releasing and retaking the GIL costs as much as a small kernel: only work worth it lets other threads run.
  bool small = true;
  for (int32_t i = 0; i < n_in + n_out && small; ++i) {
    const tt_view& v = i < n_in ? in[i] : out[i - n_in];
    int64_t n = 1;  // each factor is capped, so the product never overflows
    for (int32_t d = 0; d < v.ndim && n > 0 && n < kSmallWork; ++d)
      n = v.shape[d] <= 0 ? 0 : n * std::min(v.shape[d], kSmallWork);
    small = n < kSmallWork;
  }
  tt_status s;
  if (small) {
    s = tt_run(op, in, n_in, out, n_out, a, a_size);
  } else {
    nb::gil_scoped_release nogil;
    s = tt_run(op, in, n_in, out, n_out, a, a_size);
  }
  check(s);
}

// Owns a loaded tt_plan. Buffers bound to it stay alive through the plan's own references (tt_plan_bind retains).
struct Plan {
  tt_plan* plan = nullptr;
  explicit Plan(tt_plan* p) : plan(p) {}
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  ~Plan() { tt_plan_free(plan); }
};

// A plan's inputs or outputs as [(name, dtype, shape, batched)].
nb::list plan_io(const Plan& p, bool inputs) {
  nb::list out;
  int32_t n = inputs ? tt_plan_num_inputs(p.plan) : tt_plan_num_outputs(p.plan);
  for (int32_t i = 0; i < n; ++i) {
    tt_plan_io io;
    check(inputs ? tt_plan_input(p.plan, i, &io) : tt_plan_output(p.plan, i, &io));
    nb::tuple shape = nb::steal<nb::tuple>(PyTuple_New(io.ndim));
    for (int d = 0; d < io.ndim; ++d) PyTuple_SET_ITEM(shape.ptr(), d, PyLong_FromLongLong(io.shape[d]));
    out.append(nb::make_tuple(nb::str(io.name), io.dtype, shape, io.batched != 0));
  }
  return out;
}

void plan_run(Plan& p, nb::handle inputs, nb::handle outputs) {
  if (!PyTuple_Check(inputs.ptr()) || !PyTuple_Check(outputs.ptr()))
    throw nb::type_error("tinytorch._C.Plan.run: inputs and outputs are tuples of tensors");
  Py_ssize_t n_in = PyTuple_GET_SIZE(inputs.ptr()), n_out = PyTuple_GET_SIZE(outputs.ptr());
  std::vector<tt_view> views(size_t(n_in + n_out));
  for (Py_ssize_t i = 0; i < n_in; ++i) to_view(PyTuple_GET_ITEM(inputs.ptr(), i), views[size_t(i)]);
  for (Py_ssize_t i = 0; i < n_out; ++i) to_view(PyTuple_GET_ITEM(outputs.ptr(), i), views[size_t(n_in + i)]);
  tt_status s;
  {
    nb::gil_scoped_release nogil;
    s = tt_plan_run(p.plan, views.data(), int32_t(n_in), views.data() + n_in, int32_t(n_out));
  }
  check(s);
}

}  // namespace

NB_MODULE(_C, m) {
  m.doc() = "tinytorch's binding to its C ABI";
  // Buffers that other libraries still hold at exit (through DLPack or NumPy) are not leaks of ours.
  nb::set_leak_warnings(false);
  m.attr("ABI_VERSION") = TT_ABI_VERSION;
  m.attr("MAX_DIMS") = TT_MAX_DIMS;
  if (tt_abi_version() != TT_ABI_VERSION) throw std::runtime_error("tinytorch: the library's ABI version differs from its header");

  nb::class_<Buffer>(m, "Buffer", nb::is_weak_referenceable())  // jit recordings watch buffers die
      .def_static(
          "new",
          [](int32_t device_type, int32_t device_index, int64_t nbytes) {
            tt_buffer* b = nullptr;
            tt_status s;
            if (device_type == TT_CPU && nbytes < kSmallAlloc) {  // a malloc: quicker than handing the GIL over
              s = tt_buffer_new(tt_device{device_type, device_index}, nbytes, &b);
            } else {
              nb::gil_scoped_release nogil;
              s = tt_buffer_new(tt_device{device_type, device_index}, nbytes, &b);
            }
            check(s);
            return new Buffer(b);
          },
          "Allocates nbytes on a device.")
      .def_static(
          "wrap",
          [](uintptr_t address, int64_t nbytes, nb::object owner) {
            // The buffer keeps `owner` (a NumPy array) alive and lets it go when the last view dies.
            tt_buffer* b = nullptr;
            PyObject* o = owner.release().ptr();
            tt_status s = tt_buffer_wrap(tt_device{TT_CPU, 0}, reinterpret_cast<void*>(address), nbytes,
                                         release_owner, o, &b);
            if (s != TT_OK) {
              Py_DECREF(o);
              raise_status(s);
            }
            return new Buffer(b);
          },
          "Wraps host memory owned by a Python object, without copying.")
      .def_prop_ro("nbytes", [](const Buffer& b) { return tt_buffer_nbytes(b.buf); })
      .def_prop_ro("address", [](const Buffer& b) { return reinterpret_cast<uintptr_t>(tt_buffer_data(b.buf)); })
      .def_prop_ro("device", [](const Buffer& b) {
        tt_device d = tt_buffer_device(b.buf);
        return std::make_tuple(d.type, d.index);
      })
      .def("write",
           [](Buffer& b, int64_t offset, nb::bytes data) {
             check(tt_buffer_write(b.buf, offset, data.c_str(), int64_t(data.size())));
           })
      .def("write_from",
           [](Buffer& b, int64_t offset, uintptr_t address, int64_t nbytes) {
             nb::gil_scoped_release nogil;
             check(tt_buffer_write(b.buf, offset, reinterpret_cast<const void*>(address), nbytes));
           })
      .def("read_into",
           [](const Buffer& b, int64_t offset, uintptr_t address, int64_t nbytes) {
             nb::gil_scoped_release nogil;
             check(tt_buffer_read(b.buf, offset, reinterpret_cast<void*>(address), nbytes));
           })
      .def("copy_from", [](Buffer& dst, int64_t dst_offset, const Buffer& src, int64_t src_offset, int64_t nbytes) {
        nb::gil_scoped_release nogil;
        check(tt_buffer_copy(dst.buf, dst_offset, src.buf, src_offset, nbytes));
      });

  nb::class_<Plan>(m, "Plan")
      .def_static(
          "load",
          [](nb::bytes data, int32_t device_type, int32_t device_index) {
            tt_plan* p = nullptr;
            tt_status s;
            {
              nb::gil_scoped_release nogil;
              s = tt_plan_load_memory(data.c_str(), int64_t(data.size()), tt_device{device_type, device_index}, &p);
            }
            check(s);
            return new Plan(p);
          },
          nb::arg("data"), nb::arg("device_type"), nb::arg("device_index"),
          "Loads and validates a .ttp plan image on a device.")
      .def("bind", [](Plan& p, int32_t index, const Buffer& b) { check(tt_plan_bind(p.plan, index, b.buf)); },
           nb::arg("index"), nb::arg("buffer"), "Gives an external constant its buffer (the plan keeps a reference).")
      .def("run", &plan_run, nb::arg("inputs"), nb::arg("outputs"),
           "Runs the plan: inputs are views copied in; outputs are views to copy the results into, or ().")
      .def("inputs", [](const Plan& p) { return plan_io(p, true); }, "[(name, dtype, shape, batched)]")
      .def("outputs", [](const Plan& p) { return plan_io(p, false); }, "[(name, dtype, shape, batched)]")
      .def("memory",
           [](const Plan& p) {
             int64_t c = 0, i = 0, w = 0;
             check(tt_plan_memory(p.plan, &c, &i, &w));
             return std::make_tuple(c, i, w);
           },
           "(constant_bytes, input_bytes, work_bytes)")
      .def_prop_ro("max_batch", [](const Plan& p) { return tt_plan_max_batch(p.plan); });

  m.def("run", &run, nb::arg("op"), nb::arg("inputs"), nb::arg("outputs"), nb::arg("attrs"),
        "Runs one op on tuples of tensors (their fields give the views); attrs is the packed attrs struct.");
  bind_tables(m);
  m.def("cpu_isa", [] { return std::string(tt_cpu_isa()); });
  m.def("set_cpu_isa", [](const std::string& isa) { check(tt_set_cpu_isa(isa.c_str())); });
  m.def("set_num_threads", [](int32_t n) { check(tt_set_num_threads(n)); });
  m.def("get_num_threads", [] { return tt_get_num_threads(); });
  m.def("device_count", [](int32_t type) { return tt_device_count(type); });
  m.def("backend_built", [](int32_t type) { return tt_backend_built(type) != 0; });
  m.def("empty_cache", [](int32_t type) { check(tt_empty_cache(type)); });
  m.def("device_memory", [](int32_t type, int32_t index) {
    tt_memory_stats m;
    check(tt_device_memory(tt_device{type, index}, &m));
    return nb::make_tuple(m.allocated, m.max_allocated, m.reserved, m.max_reserved);
  });
  m.def("reset_peak_memory", [](int32_t type, int32_t index) { check(tt_device_reset_peak(tt_device{type, index})); });
  m.def("synchronize", [](int32_t type, int32_t index) {
    tt_status s;
    {
      nb::gil_scoped_release nogil;  // a long queue must not stop other Python threads
      s = tt_device_synchronize(tt_device{type, index});
    }
    check(s);
  });
  m.def("abi_version", [] { return tt_abi_version(); });
}
