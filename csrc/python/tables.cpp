// The op descriptions Python reads at import, generated from the public tt_ops.def and tt_attrs.def: each op's
// arity and attrs struct, and each attrs struct's size and field offsets (offsetof), from which tinytorch._core
// builds its packing formats. Nothing here is written per op.
#include <nanobind/nanobind.h>

#include <cstddef>
#include <cstdint>

#include "tinytorch/tinytorch.h"

namespace nb = nanobind;

namespace {

// The struct module's code of a field type.
template <class T> constexpr char kFormat = '?';
template <> constexpr char kFormat<int32_t> = 'i';
template <> constexpr char kFormat<uint32_t> = 'I';
template <> constexpr char kFormat<int64_t> = 'q';
template <> constexpr char kFormat<uint64_t> = 'Q';
template <> constexpr char kFormat<double> = 'd';

template <class T>
nb::tuple field(const char* name, size_t offset, int count, bool counter) {
  static_assert(kFormat<T> != '?', "tt_attrs.def uses a field type the binding cannot pack");
  return nb::make_tuple(name, offset, nb::str(&kFormat<T>, 1), count, counter);
}

// {name: (size, [(field, offset, format, count, is_counter), ...])}
nb::dict attrs_layouts() {
  nb::dict layouts;
#define TT_FIELD(type, name) fields.append(field<type>(#name, offsetof(S, name), 1, false));
#define TT_ARRAY(type, name, count) fields.append(field<type>(#name, offsetof(S, name), count, false));
#define TT_COUNTER(type, name) fields.append(field<type>(#name, offsetof(S, name), 1, true));
#define TT_PAD(type, name)  // packed as zero bytes
#define TT_ATTRS(aname, entries)                           \
  {                                                        \
    using S = tt_##aname##_attrs;                          \
    nb::list fields;                                       \
    entries layouts[#aname] = nb::make_tuple(sizeof(S), fields); \
  }
#include "tinytorch/tt_attrs.def"
#undef TT_ATTRS
#undef TT_PAD
#undef TT_COUNTER
#undef TT_ARRAY
#undef TT_FIELD
  return layouts;
}

// [(name, family, n_in, n_out, attrs)] in op-number order; attrs is "none" or a key of attrs_layouts().
nb::list op_table() {
  nb::list ops;
#define TT_OP(name, number, family, n_in, n_out, attrs) ops.append(nb::make_tuple(#name, #family, n_in, n_out, #attrs));
#include "tinytorch/tt_ops.def"
#undef TT_OP
  return ops;
}

}  // namespace

void bind_tables(nb::module_& m) {
  m.def("attrs_layouts", &attrs_layouts, "{name: (sizeof, [(field, offsetof, struct format, count, is_counter)])}");
  m.def("op_table", &op_table, "[(name, family, n_inputs, n_outputs, attrs)] in op-number order");
  m.def("op_supported",
        [](int32_t op, int32_t device_type, int32_t device_index, int32_t dtype) {
          return tt_op_supported(op, tt_device{device_type, device_index}, dtype) != 0;
        },
        nb::arg("op"), nb::arg("device_type"), nb::arg("device_index"), nb::arg("dtype"),
        "Whether the device has a kernel for op computing in dtype (tt_op_supported)");
}
