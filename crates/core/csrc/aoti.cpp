// AOTInductor packages (.pt2 from torch._inductor.aoti_compile_and_package)
// for crates/core/src/aoti.rs, through libtorch's AOTIModelPackageLoader.
// Each call catches C++ exceptions and returns their text (malloc'ed, freed
// by the caller) or null, as csrc/shim.cpp does.
//
// A package's model library checks its inputs (count, dtype, sizes, strides,
// device) only when AOTI_RUNTIME_CHECK_INPUTS is set, and then reports what
// failed on std::cerr alone, throwing a message that says only "API call
// failed". So loading sets the variable (unless the user set it), and a run
// routes what the library writes to std::cerr on its own thread into the
// error it returns.
#include "guard.h"
#include <ATen/ATen.h>
#include <ATen/DynamicLibrary.h>
#include <torch/csrc/inductor/aoti_package/model_package_loader.h>

#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>
#include <streambuf>
#include <string>
#include <vector>

using torch::inductor::AOTIModelPackageLoader;

namespace {
using torchts::copy_text;

// What this thread's run captured from std::cerr (null: not capturing).
thread_local std::string *captured = nullptr;

// std::cerr's buffer once installed: this thread's text goes to `captured`
// while a run captures it, everything else to the original buffer.
class RoutedBuf : public std::streambuf {
public:
  explicit RoutedBuf(std::streambuf *original) : original_(original) {}

protected:
  int overflow(int c) override {
    if (c == traits_type::eof()) return traits_type::not_eof(c);
    if (captured) {
      captured->push_back(static_cast<char>(c));
      return c;
    }
    return original_ ? original_->sputc(static_cast<char>(c)) : c;
  }
  std::streamsize xsputn(const char *s, std::streamsize n) override {
    if (captured) {
      captured->append(s, static_cast<size_t>(n));
      return n;
    }
    return original_ ? original_->sputn(s, n) : n;
  }
  int sync() override { return original_ ? original_->pubsync() : 0; }

private:
  std::streambuf *original_;
};

void prepare_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    setenv("AOTI_RUNTIME_CHECK_INPUTS", "1", 0);
    // Never freed: std::cerr may be written to during static destruction.
    std::cerr.rdbuf(new RoutedBuf(std::cerr.rdbuf()));
  });
}

// A package's model library lists libtorch.so as NEEDED, which the dynamic
// loader finds only by name among loaded libraries or on the system's paths.
// A dlopen made from libtorch_cpu.so's own code also searches its RPATH
// ($ORIGIN), so asking it (through at::DynamicLibrary) to open "libtorch.so"
// finds the one beside it (the real one, or a symlink to libtorch_cpu.so)
// and registers the name. Failing that, the system's paths are tried as the
// model library would try them; if nothing loads, this throws before the
// loader extracts the package (it leaves its temporary directory behind
// when it fails).
void provide_libtorch_name() {
  auto loaded = [] {
    void *h = dlopen("libtorch.so", RTLD_LAZY | RTLD_NOLOAD);
    if (h) dlclose(h);
    return h != nullptr;
  };
  if (loaded()) return;
  try {
    at::DynamicLibrary lib("libtorch.so", nullptr, /*leak_handle=*/true);
  } catch (...) {
  }
  if (loaded()) return;
  if (dlopen("libtorch.so", RTLD_LAZY | RTLD_GLOBAL)) return; // kept loaded
  const char *why = dlerror();
  throw std::runtime_error(std::string("libtorch.so: cannot open shared object file (") + (why ? why : "not found") +
                           ")");
}

// The library's own report (its last "Error: ..." line) in front of the
// runner's "API call failed" text.
std::string with_report(const std::string &what, const std::string &report) {
  std::string last;
  size_t start = 0;
  while (start < report.size()) {
    size_t end = report.find('\n', start);
    if (end == std::string::npos) end = report.size();
    std::string line = report.substr(start, end - start);
    if (!line.empty()) last = line;
    start = end + 1;
  }
  if (last.rfind("Error: ", 0) == 0) last = last.substr(7);
  return last.empty() ? what : last + "\n" + what;
}

template <typename F> char *guard(F &&f) {
  std::string report;
  std::string *outer = captured;
  captured = &report;
  try {
    f();
    captured = outer;
    return nullptr;
  } catch (const std::exception &e) {
    captured = outer;
    return copy_text(with_report(e.what(), report));
  } catch (...) {
    captured = outer;
    return copy_text(with_report("unknown C++ exception", report));
  }
}
} // namespace

extern "C" {

char *tts_aoti_load(AOTIModelPackageLoader **out, const char *path, const char *model_name, size_t num_runners) {
  prepare_once();
  return guard([&] {
    provide_libtorch_name();
    *out = new AOTIModelPackageLoader(std::string(path), std::string(model_name), false, num_runners, -1);
  });
}

void tts_aoti_free(AOTIModelPackageLoader *p) { delete p; }

// Runs the model on `n` inputs; `*outputs` (new[]) holds `*n_out` tensors.
char *tts_aoti_run(AOTIModelPackageLoader *p, at::Tensor **inputs, size_t n, at::Tensor ***outputs, size_t *n_out) {
  return guard([&] {
    std::vector<at::Tensor> args;
    args.reserve(n);
    for (size_t i = 0; i < n; ++i) args.push_back(*inputs[i]);
    std::vector<at::Tensor> result = p->run(args);
    *n_out = result.size();
    *outputs = new at::Tensor *[result.size()];
    for (size_t i = 0; i < result.size(); ++i) (*outputs)[i] = new at::Tensor(std::move(result[i]));
  });
}

void tts_aoti_free_outputs(at::Tensor **outputs) { delete[] outputs; }

// The package's metadata as "key\tvalue" lines.
char *tts_aoti_metadata(AOTIModelPackageLoader *p, char **out) {
  return guard([&] {
    std::string text;
    for (const auto &kv : p->get_metadata()) {
      if (!text.empty()) text += '\n';
      text += kv.first + '\t' + kv.second;
    }
    *out = copy_text(text);
  });
}

} // extern "C"
