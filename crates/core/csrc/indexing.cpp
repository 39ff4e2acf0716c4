// Python's indexing, `t[...]` and `t[...] = v`, through libtorch's own
// at::indexing (the code behind Python's __getitem__/__setitem__): integers,
// slices, None, Ellipsis, booleans and index tensors in any mix, with
// PyTorch's rules for where advanced-indexed dims go. Each call catches C++
// exceptions and returns their text (malloc'ed, freed by the caller) or null.
#include "guard.h"
#include <ATen/ATen.h>
#include <ATen/TensorIndexing.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace {
using torchts::copy_text;
using torchts::guard;

// Kinds, as crates/core/src/indexing.rs encodes them; a slice bound of
// INT64_MIN is None (Python's omitted start/stop).
enum Kind { INT = 0, SLICE = 1, NONE = 2, ELLIPSIS = 3, TENSOR = 4, BOOL = 5 };

std::optional<c10::SymInt> bound(int64_t v) {
  return v == INT64_MIN ? std::nullopt : std::optional<c10::SymInt>(c10::SymInt(v));
}

std::vector<at::indexing::TensorIndex> indices(const int32_t *kinds, const int64_t *values, at::Tensor **tensors, size_t n) {
  using namespace at::indexing;
  std::vector<TensorIndex> out;
  out.reserve(n);
  for (size_t i = 0; i < n; i++) {
    const int64_t *v = values + 3 * i;
    switch (kinds[i]) {
      case INT: out.emplace_back(v[0]); break;
      case SLICE: out.emplace_back(Slice(bound(v[0]), bound(v[1]), std::optional<c10::SymInt>(c10::SymInt(v[2])))); break;
      case NONE: out.emplace_back(None); break;
      case ELLIPSIS: out.emplace_back(Ellipsis); break;
      case TENSOR: out.emplace_back(*tensors[i]); break;
      case BOOL: out.emplace_back(v[0] != 0); break;
      default: throw std::invalid_argument("unknown index kind");
    }
  }
  return out;
}
} // namespace

extern "C" {

char *tts_index(at::Tensor *self, const int32_t *kinds, const int64_t *values, at::Tensor **tensors, size_t n, at::Tensor **out) {
  return guard([&] { *out = new at::Tensor(self->index(indices(kinds, values, tensors, n))); });
}

char *tts_index_put(at::Tensor *self, const int32_t *kinds, const int64_t *values, at::Tensor **tensors, size_t n, at::Tensor *value) {
  return guard([&] { self->index_put_(indices(kinds, values, tensors, n), *value); });
}

} // extern "C"
