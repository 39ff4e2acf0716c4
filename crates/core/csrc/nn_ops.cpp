// Activations whose Scalar arguments libtorch's C API (torch-sys) drops:
// tch can only call them with their defaults. Each calls the same ATen
// function as torch.nn.functional, with Python's float arguments as double
// Scalars, so autograd records the same node (LeakyReluBackward0, ...).
// Errors come back as malloc'ed text (null on success), as in shim.cpp.
#include "guard.h"
#include <ATen/ATen.h>

#include <cstdlib>
#include <cstring>

using torchts::guard;

extern "C" {

char *tts_leaky_relu(at::Tensor **out, at::Tensor *input, double negative_slope) {
  return guard([&] { *out = new at::Tensor(at::leaky_relu(*input, at::Scalar(negative_slope))); });
}

char *tts_elu(at::Tensor **out, at::Tensor *input, double alpha) {
  return guard([&] { *out = new at::Tensor(at::elu(*input, at::Scalar(alpha))); });
}

char *tts_softplus(at::Tensor **out, at::Tensor *input, double beta, double threshold) {
  return guard([&] {
    *out = new at::Tensor(at::softplus(*input, at::Scalar(beta), at::Scalar(threshold)));
  });
}

char *tts_hardtanh(at::Tensor **out, at::Tensor *input, double min_val, double max_val) {
  return guard([&] {
    *out = new at::Tensor(at::hardtanh(*input, at::Scalar(min_val), at::Scalar(max_val)));
  });
}

} // extern "C"
