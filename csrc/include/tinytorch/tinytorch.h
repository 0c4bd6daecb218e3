/* tinytorch: the stable C ABI.
 *
 * Pure C. Opaque handles, plain structs, status codes and a thread-local last-error message; no C++ type
 * or exception crosses this boundary. Evolution is additive: new ops are new numbers in tt_ops.def, new
 * attrs fields go at the end of their struct (tt_run receives the struct's size).
 */
#ifndef TINYTORCH_H
#define TINYTORCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define TT_API __declspec(dllexport)
#else
#define TT_API __attribute__((visibility("default")))
#endif

#define TT_ABI_VERSION 1
#define TT_MAX_DIMS 8

typedef enum tt_status {
  TT_OK = 0,
  TT_ERR_INVALID_ARGUMENT = 1, /* null pointer, bad attrs, bad dtype code ... */
  TT_ERR_SHAPE = 2,            /* shapes or strides that disagree or leave the buffer */
  TT_ERR_DTYPE = 3,            /* a dtype the op does not take, or operands that disagree */
  TT_ERR_INDEX = 4,            /* an index value out of range */
  TT_ERR_OUT_OF_MEMORY = 5,
  TT_ERR_UNSUPPORTED = 6,      /* the backend has no kernel for this op */
  TT_ERR_DEVICE = 7,           /* a device that is absent, or operands on different devices */
  TT_ERR_INTERNAL = 8
} tt_status;

typedef enum tt_dtype {
  TT_FLOAT32 = 0,
  TT_FLOAT64 = 1,
  TT_FLOAT16 = 2,
  TT_BFLOAT16 = 3,
  TT_INT32 = 4,
  TT_INT64 = 5,
  TT_UINT8 = 6,
  TT_BOOL = 7,
  TT_DTYPE_COUNT = 8
} tt_dtype;

typedef enum tt_device_type { TT_CPU = 0, TT_CUDA = 1, TT_METAL = 2, TT_DEVICE_TYPE_COUNT = 3 } tt_device_type;

typedef struct tt_device {
  int32_t type;  /* tt_device_type */
  int32_t index; /* 0 for the CPU */
} tt_device;

typedef enum tt_op {
#define TT_OP(name, number, family, n_in, n_out, attrs) TT_OP_##name = number,
#include "tt_ops.def"
#undef TT_OP
  TT_OP_COUNT
} tt_op;

/* A reference-counted block of device memory, typed by nothing: views give it meaning. */
typedef struct tt_buffer tt_buffer;

/* A strided view: element offset and element strides (negative strides are allowed). */
typedef struct tt_view {
  tt_buffer* buf;
  int64_t offset;
  int32_t dtype; /* tt_dtype */
  int32_t ndim;
  int64_t shape[TT_MAX_DIMS];
  int64_t strides[TT_MAX_DIMS];
} tt_view;

/* ---- attrs: one plain struct per kind of op, declared from tt_attrs.def (read it for the fields) ---- */
#define TT_FIELD(type, name) type name;
#define TT_ARRAY(type, name, count) type name[count];
#define TT_COUNTER(type, name) type name;
#define TT_PAD(type, name) type name;
#define TT_ATTRS(name, fields) typedef struct tt_##name##_attrs { fields } tt_##name##_attrs;
#include "tt_attrs.def"
#undef TT_ATTRS
#undef TT_PAD
#undef TT_COUNTER
#undef TT_ARRAY
#undef TT_FIELD

/* ---- library ---- */
TT_API int32_t tt_abi_version(void);
/* The message of the last error on this thread ("" if none). Valid until the next failing call on this thread. */
TT_API const char* tt_last_error(void);
TT_API const char* tt_op_name(int32_t op);
TT_API const char* tt_dtype_name(int32_t dtype);
TT_API int64_t tt_dtype_size(int32_t dtype); /* 0 for an unknown dtype */

/* CPU: the instruction set in use ("scalar", "avx2", "avx512", "neon") and the worker threads. */
TT_API const char* tt_cpu_isa(void);
/* Force an instruction set ("scalar", "avx2", ...); fails if this CPU or build lacks it. */
TT_API tt_status tt_set_cpu_isa(const char* isa);
TT_API tt_status tt_set_num_threads(int32_t n);
TT_API int32_t tt_get_num_threads(void);
/* Number of usable devices of a type: 1 for the CPU, 0 where a backend is not built or finds no device. */
TT_API int32_t tt_device_count(int32_t device_type);
/* 1 when the backend was compiled into this library. */
TT_API int32_t tt_backend_built(int32_t device_type);
/* Gives the memory a backend keeps cached for reuse (freed buffers' blocks) back to the system. */
TT_API tt_status tt_empty_cache(int32_t device_type);

/* A device's memory in bytes: held by live buffers (allocated) and taken from the system, caches included
   (reserved), each with its peak since the start or the last tt_device_reset_peak. Wrapped memory is not counted. */
typedef struct tt_memory_stats {
  int64_t allocated, max_allocated, reserved, max_reserved;
} tt_memory_stats;
TT_API tt_status tt_device_memory(tt_device device, tt_memory_stats* out);
TT_API tt_status tt_device_reset_peak(tt_device device);
/* Waits until every kernel and copy queued on the device has finished. */
TT_API tt_status tt_device_synchronize(tt_device device);

/* ---- buffers ---- */
TT_API tt_status tt_buffer_new(tt_device device, int64_t nbytes, tt_buffer** out);
/* Wraps memory the caller owns (CPU only); deleter(ctx), if not null, runs when the last reference goes. The
 * library never frees wrapped memory itself. */
TT_API tt_status tt_buffer_wrap(tt_device device, void* data, int64_t nbytes, void (*deleter)(void* ctx), void* ctx,
                                tt_buffer** out);
TT_API void tt_buffer_retain(tt_buffer* buf);
TT_API void tt_buffer_release(tt_buffer* buf); /* null is allowed */
TT_API int64_t tt_buffer_nbytes(const tt_buffer* buf);
TT_API tt_device tt_buffer_device(const tt_buffer* buf);
/* The base address: a host pointer for the CPU, a device pointer otherwise. */
TT_API void* tt_buffer_data(const tt_buffer* buf);
/* Copies nbytes between two buffers on any devices (host <-> device included). Synchronous. */
TT_API tt_status tt_buffer_copy(tt_buffer* dst, int64_t dst_offset, const tt_buffer* src, int64_t src_offset,
                                int64_t nbytes);
/* Host memory <-> buffer on any device. */
TT_API tt_status tt_buffer_write(tt_buffer* dst, int64_t dst_offset, const void* src, int64_t nbytes);
TT_API tt_status tt_buffer_read(const tt_buffer* src, int64_t src_offset, void* dst, int64_t nbytes);

/* ---- ops ---- */
/* Runs one op on views that all live on one device. Outputs are written, never allocated.
 * attrs points at the op family's struct (NULL for families without one); attrs_size is its sizeof. */
TT_API tt_status tt_run(int32_t op, const tt_view* inputs, int32_t n_inputs, const tt_view* outputs,
                        int32_t n_outputs, const void* attrs, size_t attrs_size);

/* 1 when `device` (present and built) has a kernel for `op` on `dtype`, the dtype the op computes in: its first
 * input's (the source of SCATTER*, whose first input is the index), or its output's for ops with no input (FILL,
 * ARANGE, RAND_*). 0 otherwise, and for any argument out of range. Callers choose a composite of other ops where
 * this says 0. */
TT_API int32_t tt_op_supported(int32_t op, tt_device device, int32_t dtype);

/* ---- plans: a recorded list of tt_run calls with every shape resolved (docs/plan-format.md) ----
 * A plan is loaded from a .ttp file written by tinytorch.export (or by tinytorch.jit in memory), validated whole
 * before anything runs, and run any number of times. A plan runs one call at a time: calls of one plan from
 * several threads must be serialised by the caller; different plans run concurrently. */
typedef struct tt_plan tt_plan;

/* An input or output of a plan. name stays valid while the plan lives. */
typedef struct tt_plan_io {
  const char* name;
  int32_t dtype; /* tt_dtype */
  int32_t ndim;
  int64_t shape[TT_MAX_DIMS]; /* for a dynamic plan: the shape at its largest batch */
  int32_t batched;            /* 1: the shape depends on the batch size (dim 0 of the batched inputs) */
  int32_t reserved;
} tt_plan_io;

/* Loads and validates a plan; its constants and working memory are allocated on `device`. */
TT_API tt_status tt_plan_load(const char* path, tt_device device, tt_plan** out);
TT_API tt_status tt_plan_load_memory(const void* data, int64_t nbytes, tt_device device, tt_plan** out);
TT_API void tt_plan_free(tt_plan* plan); /* null is allowed */

TT_API int32_t tt_plan_num_inputs(const tt_plan* plan);  /* -1 for a null plan */
TT_API int32_t tt_plan_num_outputs(const tt_plan* plan); /* -1 for a null plan */
TT_API tt_status tt_plan_input(const tt_plan* plan, int32_t i, tt_plan_io* out);
TT_API tt_status tt_plan_output(const tt_plan* plan, int32_t i, tt_plan_io* out);
/* The largest batch a dynamic plan takes; 0 for a plan whose shapes are all static. */
TT_API int64_t tt_plan_max_batch(const tt_plan* plan);
/* Bytes the plan holds: its constants (weights), its input buffers, and its working memory (intermediates, laid
 * out by a liveness pass so that buffers whose lifetimes do not overlap share memory). Any pointer may be null. */
TT_API tt_status tt_plan_memory(const tt_plan* plan, int64_t* constant_bytes, int64_t* input_bytes,
                                int64_t* work_bytes);

/* Gives an external constant (one stored without data) its buffer; the plan keeps a reference. The buffer must be
 * on the plan's device and hold at least the constant's bytes. A plan runs only when every external is bound. */
TT_API tt_status tt_plan_bind(tt_plan* plan, int32_t buffer_index, tt_buffer* buf);

/* Runs the plan once. inputs: one view per plan input, of its dtype and shape (batched inputs: dim 0 is the batch,
 * 1 <= batch <= max batch, the same for all of them); they are copied in, so any strides are fine. outputs: either
 * none (n_outputs == 0; read them with tt_plan_output_view) or one view per plan output, of its dtype and its shape
 * at this batch, into which the results are copied. */
TT_API tt_status tt_plan_run(tt_plan* plan, const tt_view* inputs, int32_t n_inputs, const tt_view* outputs,
                             int32_t n_outputs);
/* Output i of the last run, as a view into the plan's own memory: valid until the next run or tt_plan_free. */
TT_API tt_status tt_plan_output_view(const tt_plan* plan, int32_t i, tt_view* out);

#ifdef __cplusplus
}
#endif
#endif /* TINYTORCH_H */
