// Calls any ATen operator by name through the dispatcher, boxed: the
// generated TypeScript ops (ts/generated) reach libtorch through this one
// entry point instead of one binding per op. The dispatcher runs the
// Autograd key, so gradients flow as they do for PyTorch's Python calls.
// Arguments arrive as a small tagged array (crates/core/src/dispatch.rs
// mirrors the layout); results leave as a flat tagged array in which a list
// is a header entry followed by its items. Every call catches C++ exceptions
// and returns their text (malloc'ed, freed by the caller) or null.
#include "guard.h"
#include <ATen/ATen.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {
using torchts::copy_text;
using torchts::guard;

// Argument tags (keep in step with `ArgTag` in dispatch.rs).
enum Tag : int32_t {
  NONE = 0,
  TENSOR = 1,
  INT = 2,
  FLOAT = 3,
  BOOL = 4,
  COMPLEX = 5,
  INT_LIST = 6,
  FLOAT_LIST = 7,
  TENSOR_LIST = 8,
  OPT_TENSOR_LIST = 9,
  SCALAR_TYPE = 10,
  LAYOUT = 11,
  DEVICE = 12,
  MEMORY_FORMAT = 13,
  STRING = 14,
  BOOL_LIST = 15,
  // results only
  LIST = 16,
  // arguments only: a JS number where the schema says Tensor (len 0 int, 1 float, 2 bool)
  WRAPPED_NUMBER = 17,
  // a torch.Generator (an at::Generator the host owns)
  GENERATOR = 18,
};
} // namespace

extern "C" {

// One argument: `i` holds ints, bools and enum values (a device's type, with
// its index in `len`); `f`/`f2` floats and complex parts; `p` and `len` a
// list's items or a string's bytes.
struct tts_arg {
  int32_t tag;
  int32_t len;
  int64_t i;
  double f;
  double f2;
  const void *p;
};

// One result: tensors are new heap handles the caller owns; a LIST entry's
// `i` is how many entries follow as its items.
struct tts_result {
  int32_t tag;
  int64_t i;
  double f;
  double f2;
  at::Tensor *t;
};

// Looks an operator up once (the caller caches the handle for the life of
// the process; operators are never unregistered).
char *tts_op_find(const char *name, const char *overload, void **out) {
  return guard([&] {
    auto handle = c10::Dispatcher::singleton().findSchemaOrThrow(name, overload);
    *out = new c10::OperatorHandle(handle);
  });
}

// The schema as PyTorch prints it (for tests and error text).
char *tts_op_schema(void *op, char **out) {
  return guard([&] {
    std::string text = c10::toString(static_cast<c10::OperatorHandle *>(op)->schema());
    *out = copy_text(text.c_str());
  });
}

void tts_results_free(tts_result *results) { std::free(results); }
}

namespace {
c10::IValue to_ivalue(const tts_arg &a) {
  switch (a.tag) {
  case NONE:
    return c10::IValue();
  case GENERATOR:
    return c10::IValue(*static_cast<const at::Generator *>(a.p));
  case WRAPPED_NUMBER: {
    // As Python's argument parser passes a number to add/sub/mul/div's Tensor
    // overload: a 0-dim tensor flagged as a wrapped number, which type
    // promotion treats as a scalar.
    at::Tensor t = at::scalar_to_tensor(a.len == 1 ? at::Scalar(a.f) : a.len == 2 ? at::Scalar(a.i != 0) : at::Scalar(a.i));
    t.unsafeGetTensorImpl()->set_wrapped_number(true);
    return c10::IValue(t);
  }
  case TENSOR:
    return c10::IValue(*static_cast<const at::Tensor *>(a.p));
  case INT:
    return c10::IValue(a.i);
  case FLOAT:
    return c10::IValue(a.f);
  case BOOL:
    return c10::IValue(a.i != 0);
  case COMPLEX:
    return c10::IValue(c10::complex<double>(a.f, a.f2));
  case INT_LIST: {
    auto data = static_cast<const int64_t *>(a.p);
    return c10::IValue(c10::List<int64_t>(std::vector<int64_t>(data, data + a.len)));
  }
  case FLOAT_LIST: {
    auto data = static_cast<const double *>(a.p);
    return c10::IValue(c10::List<double>(std::vector<double>(data, data + a.len)));
  }
  case BOOL_LIST: {
    auto data = static_cast<const uint8_t *>(a.p);
    c10::List<bool> list;
    for (int32_t k = 0; k < a.len; k++) list.push_back(data[k] != 0);
    return c10::IValue(list);
  }
  case TENSOR_LIST: {
    auto data = static_cast<const at::Tensor *const *>(a.p);
    c10::List<at::Tensor> list;
    list.reserve(a.len);
    for (int32_t k = 0; k < a.len; k++) list.push_back(*data[k]);
    return c10::IValue(list);
  }
  case OPT_TENSOR_LIST: {
    auto data = static_cast<const at::Tensor *const *>(a.p);
    c10::List<std::optional<at::Tensor>> list;
    list.reserve(a.len);
    for (int32_t k = 0; k < a.len; k++) {
      list.push_back(data[k] ? std::optional<at::Tensor>(*data[k]) : std::nullopt);
    }
    return c10::IValue(list);
  }
  case SCALAR_TYPE:
    return c10::IValue(static_cast<c10::ScalarType>(a.i));
  case LAYOUT:
    return c10::IValue(static_cast<c10::Layout>(a.i));
  case DEVICE:
    return c10::IValue(c10::Device(static_cast<c10::DeviceType>(a.i),
                                   static_cast<c10::DeviceIndex>(a.len)));
  case MEMORY_FORMAT:
    return c10::IValue(static_cast<c10::MemoryFormat>(a.i));
  case STRING:
    return c10::IValue(std::string(static_cast<const char *>(a.p), a.len));
  default:
    throw std::invalid_argument("dispatch: unknown argument tag " + std::to_string(a.tag));
  }
}

void push_result(std::vector<tts_result> &out, const c10::IValue &v) {
  tts_result r{NONE, 0, 0.0, 0.0, nullptr};
  if (v.isNone()) {
  } else if (v.isTensor()) {
    const auto &t = v.toTensor();
    if (t.defined()) {
      // torchts tensors are strided (sizes, strides and storage are read for
      // every handle); a sparse or MKL-DNN result is refused with its layout.
      if (t.layout() != c10::kStrided) {
        throw std::invalid_argument(std::string("the result has layout ") + c10::toString(t.layout()) +
                                    "; torchts supports strided tensors only");
      }
      r.tag = TENSOR;
      r.t = new at::Tensor(t);
    }
  } else if (v.isBool()) {
    r.tag = BOOL;
    r.i = v.toBool();
  } else if (v.isInt()) {
    r.tag = INT;
    r.i = v.toInt();
  } else if (v.isDouble()) {
    r.tag = FLOAT;
    r.f = v.toDouble();
  } else if (v.isComplexDouble()) {
    auto c = v.toComplexDouble();
    r.tag = COMPLEX;
    r.f = c.real();
    r.f2 = c.imag();
  } else if (v.isSymInt()) {
    r.tag = INT;
    r.i = v.toSymInt().guard_int(__FILE__, __LINE__);
  } else if (v.isSymFloat()) {
    r.tag = FLOAT;
    r.f = v.toSymFloat().guard_float(__FILE__, __LINE__);
  } else if (v.isList() || v.isTuple()) {
    auto items = v.isList() ? v.toListRef().vec() : v.toTupleRef().elements().vec();
    r.tag = LIST;
    r.i = static_cast<int64_t>(items.size());
    out.push_back(r);
    for (const auto &item : items) push_result(out, item);
    return;
  } else {
    throw std::runtime_error(std::string("dispatch: unsupported result type ") + v.tagKind());
  }
  out.push_back(r);
}

void free_tensors(std::vector<tts_result> &results) {
  for (auto &r : results) delete r.t;
}
} // namespace

extern "C" {
// Calls `op` with `n` arguments; on success `*out` holds `*count` results
// (malloc'ed; free with tts_results_free, after taking the tensors).
char *tts_op_call(void *op, const tts_arg *args, int32_t n, tts_result **out, int32_t *count) {
  std::vector<tts_result> results;
  char *error = guard([&] {
    auto handle = static_cast<c10::OperatorHandle *>(op);
    // A short stack would be read out of bounds by the boxed kernel.
    const auto &schema = handle->schema();
    if (static_cast<size_t>(n) != schema.arguments().size()) {
      throw std::invalid_argument(schema.name() + "." + schema.overload_name() + " takes " +
                                  std::to_string(schema.arguments().size()) +
                                  " arguments, got " + std::to_string(n));
    }
    torch::jit::Stack stack;
    stack.reserve(n);
    for (int32_t k = 0; k < n; k++) stack.push_back(to_ivalue(args[k]));
    handle->callBoxed(stack);
    for (const auto &v : stack) push_result(results, v);
    auto buffer = static_cast<tts_result *>(std::malloc(sizeof(tts_result) * (results.size() + 1)));
    if (!buffer) throw std::bad_alloc();
    std::memcpy(buffer, results.data(), sizeof(tts_result) * results.size());
    *out = buffer;
    *count = static_cast<int32_t>(results.size());
  });
  if (error) free_tensors(results);
  return error;
}
}
