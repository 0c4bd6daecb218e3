// The recurrent cells on CUDA (LSTM_CELL, GRU_CELL and their backward steps), float32 and float64: one thread per
// element (b, j) of the state [B, H] computes every gate of that element, with the maths and order of operations
// of cpu/rnn.cpp. Every operand is a matrix [B, k*H] (validated in core/validate.cpp) of any strides; element j of
// gate q of row b sits at column q*H + j.
#include "../core/ops.h"
#include "../opmath/math.h"
#include "common.cuh"

namespace tt {
namespace cu {
namespace {

// K operands, inputs then outputs (the inputs are only read), with their row and column strides.
template <class T, int K>
struct Cell {
  T* p[K];
  int64_t row[K], col[K];
  int64_t H;
};

// Operand k at row b, column q*H + j.
template <class T, int K>
__device__ __forceinline__ T& at(const Cell<T, K>& c, int k, int64_t b, int q, int64_t j) {
  return c.p[k][b * c.row[k] + (q * c.H + j) * c.col[k]];
}

// LSTM_CELL: gx, gh, c -> h', c', act (i, f, g, o activated).
struct Lstm {
  static constexpr int K = 6;
  template <class T>
  __device__ static void step(const Cell<T, K>& c, int64_t b, int64_t j) {
    T i = om::sigmoid(at(c, 0, b, 0, j) + at(c, 1, b, 0, j));
    T f = om::sigmoid(at(c, 0, b, 1, j) + at(c, 1, b, 1, j));
    T g = om::tanh(at(c, 0, b, 2, j) + at(c, 1, b, 2, j));
    T o = om::sigmoid(at(c, 0, b, 3, j) + at(c, 1, b, 3, j));
    T cn = f * at(c, 2, b, 0, j) + i * g;
    at(c, 4, b, 0, j) = cn;
    at(c, 3, b, 0, j) = o * om::tanh(cn);
    at(c, 5, b, 0, j) = i;
    at(c, 5, b, 1, j) = f;
    at(c, 5, b, 2, j) = g;
    at(c, 5, b, 3, j) = o;
  }
};

// LSTM_CELL_BACKWARD: act, c, c', dh', dc' -> dgates, dc; tanh(c') is recomputed rather than stored.
struct LstmBackward {
  static constexpr int K = 7;
  template <class T>
  __device__ static void step(const Cell<T, K>& c, int64_t b, int64_t j) {
    T i = at(c, 0, b, 0, j), f = at(c, 0, b, 1, j), g = at(c, 0, b, 2, j), o = at(c, 0, b, 3, j);
    T tc = om::tanh(at(c, 2, b, 0, j)), dh = at(c, 3, b, 0, j);
    T dct = at(c, 4, b, 0, j) + dh * o * (1 - tc * tc);
    at(c, 5, b, 0, j) = dct * g * i * (1 - i);
    at(c, 5, b, 1, j) = dct * at(c, 1, b, 0, j) * f * (1 - f);
    at(c, 5, b, 2, j) = dct * i * (1 - g * g);
    at(c, 5, b, 3, j) = dh * tc * o * (1 - o);
    at(c, 6, b, 0, j) = dct * f;
  }
};

// GRU_CELL: gi, gh, h -> h', saved (r, z, n, gh_n); n = tanh(gi_n + r gh_n), h' = (h - n) z + n as torch writes it.
struct Gru {
  static constexpr int K = 5;
  template <class T>
  __device__ static void step(const Cell<T, K>& c, int64_t b, int64_t j) {
    T r = om::sigmoid(at(c, 0, b, 0, j) + at(c, 1, b, 0, j));
    T z = om::sigmoid(at(c, 0, b, 1, j) + at(c, 1, b, 1, j));
    T ghn = at(c, 1, b, 2, j);
    T n = om::tanh(at(c, 0, b, 2, j) + r * ghn);
    at(c, 3, b, 0, j) = (at(c, 2, b, 0, j) - n) * z + n;
    at(c, 4, b, 0, j) = r;
    at(c, 4, b, 1, j) = z;
    at(c, 4, b, 2, j) = n;
    at(c, 4, b, 3, j) = ghn;
  }
};

// GRU_CELL_BACKWARD: saved, h, dh' -> dgi, dgh, dh. The r and z columns of dgi and dgh are equal; the n columns
// differ by the factor r that scales gh_n.
struct GruBackward {
  static constexpr int K = 6;
  template <class T>
  __device__ static void step(const Cell<T, K>& c, int64_t b, int64_t j) {
    T r = at(c, 0, b, 0, j), z = at(c, 0, b, 1, j), n = at(c, 0, b, 2, j), ghn = at(c, 0, b, 3, j);
    T d = at(c, 2, b, 0, j);
    T dpn = d * (1 - z) * (1 - n * n);
    T dpz = d * (at(c, 1, b, 0, j) - n) * z * (1 - z);
    T dpr = dpn * ghn * r * (1 - r);
    at(c, 3, b, 0, j) = dpr;
    at(c, 4, b, 0, j) = dpr;
    at(c, 3, b, 1, j) = dpz;
    at(c, 4, b, 1, j) = dpz;
    at(c, 3, b, 2, j) = dpn;
    at(c, 4, b, 2, j) = dpn * r;
    at(c, 5, b, 0, j) = d * z;
  }
};

template <class Op, class T>
__global__ void cell_kernel(Cell<T, Op::K> c, int64_t n) {
  TT_GRID_STRIDE(i, n) {
    int64_t b = i / c.H, j = i - b * c.H;
    Op::step(c, b, j);
  }
}

template <class Op, class T>
void launch(const Call& c) {
  Cell<T, Op::K> cell;
  for (int k = 0; k < Op::K; ++k) {
    const tt_view& v = k < c.n_in ? c.in[k] : c.out[k - c.n_in];
    cell.p[k] = data_ptr<T>(v);
    cell.row[k] = v.strides[0];
    cell.col[k] = v.strides[1];
  }
  const tt_view& state = c.op == TT_OP_GRU_CELL_BACKWARD ? c.in[1] : c.in[2];
  cell.H = state.shape[1];
  const int64_t n = state.shape[0] * cell.H;
  if (n > 0) cell_kernel<Op, T><<<blocks_for(n), kThreads>>>(cell, n);
}

template <class Op>
tt_status rnn_cell(const Call& c) {
  if (tt_status s = use_device_of(c)) return s;
  switch (c.in[0].dtype) {
    case TT_FLOAT32: launch<Op, float>(c); break;
    case TT_FLOAT64: launch<Op, double>(c); break;
    default: return fail(TT_ERR_DTYPE, "%s: unsupported dtype %s", tt_op_name(c.op), tt_dtype_name(c.in[0].dtype));
  }
  return launched(c);
}

}  // namespace

void register_rnn(Kernel* t) {
  t[TT_OP_LSTM_CELL] = rnn_cell<Lstm>;
  t[TT_OP_LSTM_CELL_BACKWARD] = rnn_cell<LstmBackward>;
  t[TT_OP_GRU_CELL] = rnn_cell<Gru>;
  t[TT_OP_GRU_CELL_BACKWARD] = rnn_cell<GruBackward>;
}

}  // namespace cu
}  // namespace tt
