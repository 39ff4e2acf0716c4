// Activations whose Scalar arguments libtorch's C API (torch-sys) drops:
// tch can only call them with their defaults. Each calls the same ATen
// function as torch.nn.functional, with Python's float arguments as double
// Scalars, so autograd records the same node (LeakyReluBackward0, ...).
// Errors come back as malloc'ed text (null on success), as in shim.cpp.
#include <ATen/ATen.h>

#include <cstdlib>
#include <cstring>

namespace {
template <typename F> char *guard_nn(F &&f) {
  try {
    f();
    return nullptr;
  } catch (const std::exception &e) {
    const char *what = e.what();
    char *copy = static_cast<char *>(std::malloc(std::strlen(what) + 1));
    if (copy) std::strcpy(copy, what);
    return copy;
  } catch (...) {
    char *copy = static_cast<char *>(std::malloc(32));
    if (copy) std::strcpy(copy, "unknown C++ exception");
    return copy;
  }
}
} // namespace

extern "C" {

char *tts_leaky_relu(at::Tensor **out, at::Tensor *input, double negative_slope) {
  return guard_nn([&] { *out = new at::Tensor(at::leaky_relu(*input, at::Scalar(negative_slope))); });
}

char *tts_elu(at::Tensor **out, at::Tensor *input, double alpha) {
  return guard_nn([&] { *out = new at::Tensor(at::elu(*input, at::Scalar(alpha))); });
}

char *tts_softplus(at::Tensor **out, at::Tensor *input, double beta, double threshold) {
  return guard_nn([&] {
    *out = new at::Tensor(at::softplus(*input, at::Scalar(beta), at::Scalar(threshold)));
  });
}

char *tts_hardtanh(at::Tensor **out, at::Tensor *input, double min_val, double max_val) {
  return guard_nn([&] {
    *out = new at::Tensor(at::hardtanh(*input, at::Scalar(min_val), at::Scalar(max_val)));
  });
}

} // extern "C"
