// The C boundary's error convention, shared by every shim: a call returns
// null, or the text of the C++ exception it caught, malloc'ed (the Rust side
// frees it), so no exception ever crosses into Rust.
#pragma once

#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

namespace torchts {

inline char *copy_text(const std::string &what) {
  char *copy = static_cast<char *>(std::malloc(what.size() + 1));
  if (copy) std::memcpy(copy, what.c_str(), what.size() + 1);
  return copy;
}

template <typename F> char *guard(F &&f) {
  try {
    f();
    return nullptr;
  } catch (const std::exception &e) {
    return copy_text(e.what());
  } catch (...) {
    return copy_text("unknown C++ exception");
  }
}

} // namespace torchts
