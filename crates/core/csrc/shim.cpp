// What libtorch's C API (torch-sys) does not offer, written against
// libtorch's C++ API like torch-sys's own shim: generators passed to random
// ops, `t.grad = None`, and the autograd node's name. Each call catches C++
// exceptions and returns their text (malloc'ed, freed by the caller) or null.
#include "guard.h"
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/csrc/autograd/function.h>

#include <cstdlib>
#include <cstring>

namespace {
using torchts::copy_text;
using torchts::guard;

at::TensorOptions options(int kind, int device) {
  auto o = at::TensorOptions().dtype(static_cast<at::ScalarType>(kind));
  return device < 0 ? o.device(at::kCPU) : o.device(at::Device(at::kCUDA, device));
}
} // namespace

extern "C" {

// ---- generators (torch.Generator on the CPU) ----

char *tts_generator_new(at::Generator **out, uint64_t seed) {
  return guard([&] { *out = new at::Generator(at::detail::createCPUGenerator(seed)); });
}

void tts_generator_free(at::Generator *g) { delete g; }

char *tts_generator_manual_seed(at::Generator *g, uint64_t seed) {
  return guard([&] {
    std::lock_guard<std::mutex> lock(g->mutex());
    g->set_current_seed(seed);
  });
}

char *tts_generator_seed(at::Generator *g, uint64_t *out) {
  return guard([&] {
    std::lock_guard<std::mutex> lock(g->mutex());
    *out = g->seed();
  });
}

uint64_t tts_generator_initial_seed(at::Generator *g) { return g->current_seed(); }

char *tts_generator_get_state(at::Generator *g, at::Tensor **out) {
  return guard([&] {
    std::lock_guard<std::mutex> lock(g->mutex());
    *out = new at::Tensor(g->get_state());
  });
}

char *tts_generator_set_state(at::Generator *g, at::Tensor *state) {
  return guard([&] {
    std::lock_guard<std::mutex> lock(g->mutex());
    g->set_state(*state);
  });
}

// ---- random ops that take a generator ----

char *tts_randperm(at::Tensor **out, int64_t n, at::Generator *g, int kind, int device) {
  return guard([&] { *out = new at::Tensor(at::randperm(n, *g, options(kind, device))); });
}

char *tts_randint(at::Tensor **out, int64_t low, int64_t high, const int64_t *size, int dims,
                  at::Generator *g, int kind, int device) {
  return guard([&] {
    *out = new at::Tensor(at::randint(low, high, at::IntArrayRef(size, dims), *g, options(kind, device)));
  });
}

// torch.rand (uniform on [0, 1)) or, with `normal`, torch.randn.
char *tts_rand(at::Tensor **out, const int64_t *size, int dims, at::Generator *g, int kind, int device,
               int normal) {
  return guard([&] {
    at::IntArrayRef shape(size, dims);
    *out = new at::Tensor(normal ? at::randn(shape, *g, options(kind, device))
                                 : at::rand(shape, *g, options(kind, device)));
  });
}

char *tts_multinomial(at::Tensor **out, at::Tensor *weights, int64_t samples, int replacement,
                      at::Generator *g) {
  return guard([&] { *out = new at::Tensor(at::multinomial(*weights, samples, replacement != 0, *g)); });
}

// ---- autograd ----

// `t.grad = None`, as Python does it.
char *tts_set_grad_to_none(at::Tensor *t) {
  return guard([&] {
    if (t->grad().defined()) t->mutable_grad().reset();
  });
}

// The class name of the node that made `t` (`MulBackward0`); "" for leaves.
char *tts_grad_fn_name(at::Tensor *t, char **out) {
  return guard([&] {
    auto node = torch::autograd::impl::grad_fn_unsafe(*t);
    *out = node ? copy_text(node->name().c_str()) : nullptr;
  });
}

} // extern "C"
