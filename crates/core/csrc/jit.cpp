// TorchScript modules (torch.jit.load) for crates/core/src/jit.rs: what
// torch-sys's `atm_*` functions lack. Arguments are built untyped (lists of
// Any, dicts of Any) and then fitted to the method's schema here, as Python's
// toIValue fits a Python object to it: a JS number becomes an int only where
// the schema says int, an array becomes a tuple where it says Tuple, a dict's
// keys become ints where it says Dict[int, _]. What cannot be fitted is passed
// on unchanged, so libtorch's own schema check names the argument and type.
// Each call catches C++ exceptions and returns their text (malloc'ed, freed by
// the caller) or null, as csrc/shim.cpp does.
#include "guard.h"
#include <ATen/ATen.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/serialization/import.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using torch::jit::IValue;

namespace {
using torchts::copy_text;
using torchts::guard;

IValue take(IValue *v) {
  IValue out = std::move(*v);
  delete v;
  return out;
}

c10::Device device_of(int device) {
  return device < 0 ? c10::Device(c10::kCPU) : c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(device));
}

bool fits(const IValue &v, const c10::TypePtr &t) { return v.type()->isSubtypeOf(*t); }

// `v` fitted to `t` where a JS value maps to it (see the header); otherwise
// `v` unchanged.
IValue fit(const IValue &v, const c10::TypePtr &t) {
  switch (t->kind()) {
  case c10::TypeKind::IntType:
    if (v.isDouble()) {
      double d = v.toDouble();
      if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) <= 9007199254740992.0)
        return IValue(static_cast<int64_t>(d));
    }
    return v;
  case c10::TypeKind::FloatType:
    return v.isInt() ? IValue(static_cast<double>(v.toInt())) : v;
  case c10::TypeKind::OptionalType:
    return v.isNone() ? v : fit(v, t->expectRef<c10::OptionalType>().getElementType());
  case c10::TypeKind::UnionType: {
    for (const auto &option : t->expectRef<c10::UnionType>().containedTypes()) {
      IValue fitted = fit(v, option);
      if (fits(fitted, option)) return fitted;
    }
    return v;
  }
  case c10::TypeKind::ListType: {
    if (!v.isList()) return v;
    auto element = t->expectRef<c10::ListType>().getElementType();
    c10::impl::GenericList out(element);
    for (const IValue &item : v.toListRef()) {
      IValue fitted = fit(item, element);
      if (!fits(fitted, element)) return v;
      out.push_back(std::move(fitted));
    }
    return IValue(std::move(out));
  }
  case c10::TypeKind::TupleType: {
    const auto &elements = t->expectRef<c10::TupleType>().elements();
    std::vector<IValue> items;
    if (v.isList()) {
      for (const IValue &item : v.toListRef()) items.push_back(item);
    } else if (v.isTuple()) {
      items = v.toTupleRef().elements().vec();
    } else {
      return v;
    }
    if (items.size() != elements.size()) return v;
    for (size_t i = 0; i < items.size(); ++i) items[i] = fit(items[i], elements[i]);
    return IValue(c10::ivalue::Tuple::create(std::move(items)));
  }
  case c10::TypeKind::DictType: {
    if (!v.isGenericDict()) return v;
    const auto &dict_type = t->expectRef<c10::DictType>();
    auto key_type = dict_type.getKeyType();
    auto value_type = dict_type.getValueType();
    c10::impl::GenericDict out(key_type, value_type);
    for (const auto &entry : v.toGenericDict()) {
      IValue key = entry.key();
      // A plain JS object's keys are strings: "3" is the int key 3 where the
      // schema wants int keys.
      if (key_type->kind() == c10::TypeKind::IntType && key.isString()) {
        const std::string &text = key.toStringRef();
        char *end = nullptr;
        long long parsed = std::strtoll(text.c_str(), &end, 10);
        if (!text.empty() && end && *end == '\0' && std::to_string(parsed) == text) key = IValue(static_cast<int64_t>(parsed));
      } else {
        key = fit(key, key_type);
      }
      IValue value = fit(entry.value(), value_type);
      if (!fits(key, key_type) || !fits(value, value_type)) return v;
      out.insert(std::move(key), std::move(value));
    }
    return IValue(std::move(out));
  }
  default:
    return v;
  }
}

using NamedTensorCallback = void (*)(void *, const char *, at::Tensor *);

// Python's repr of a loaded module (nn.Module.__repr__ over
// RecursiveScriptModule, whose extra_repr is "original_name=<class>").
std::string repr(const torch::jit::Module &m) {
  std::string out = "RecursiveScriptModule(";
  std::string extra = "original_name=" + m.type()->name()->name();
  std::vector<std::string> children;
  for (const auto &child : m.named_children()) {
    std::string text = repr(child.value);
    // _addindent: every line after the first, two more spaces.
    std::string indented;
    for (char c : text) {
      indented += c;
      if (c == '\n') indented += "  ";
    }
    children.push_back("(" + child.name + "): " + indented);
  }
  if (children.empty()) return out + extra + ")";
  out += "\n  " + extra;
  for (const auto &c : children) out += "\n  " + c;
  return out + "\n)";
}
} // namespace

extern "C" {

// ---- values ----

char *tts_iv_none(IValue **out) {
  return guard([&] { *out = new IValue(); });
}
char *tts_iv_bool(IValue **out, int value) {
  return guard([&] { *out = new IValue(value != 0); });
}
char *tts_iv_int(IValue **out, int64_t value) {
  return guard([&] { *out = new IValue(value); });
}
char *tts_iv_double(IValue **out, double value) {
  return guard([&] { *out = new IValue(value); });
}
char *tts_iv_string(IValue **out, const char *text, size_t len) {
  return guard([&] { *out = new IValue(std::string(text, len)); });
}
char *tts_iv_device(IValue **out, int device) {
  return guard([&] { *out = new IValue(device_of(device)); });
}
char *tts_iv_tensor(IValue **out, at::Tensor *t) {
  return guard([&] { *out = new IValue(*t); });
}
// A list (or, with `tuple`, a tuple) of `items`, which it takes.
char *tts_iv_list(IValue **out, IValue **items, size_t n, int tuple) {
  std::vector<IValue> values;
  values.reserve(n);
  for (size_t i = 0; i < n; ++i) values.push_back(take(items[i]));
  return guard([&] {
    if (tuple) {
      *out = new IValue(c10::ivalue::Tuple::create(std::move(values)));
    } else {
      c10::impl::GenericList list(c10::AnyType::get());
      for (auto &v : values) list.push_back(std::move(v));
      *out = new IValue(std::move(list));
    }
  });
}
// A dict from `n` keys and then `n` values (2n items), which it takes.
char *tts_iv_dict(IValue **out, IValue **items, size_t n) {
  std::vector<IValue> values;
  values.reserve(2 * n);
  for (size_t i = 0; i < 2 * n; ++i) values.push_back(take(items[i]));
  return guard([&] {
    c10::impl::GenericDict dict(c10::AnyType::get(), c10::AnyType::get());
    for (size_t i = 0; i < n; ++i) dict.insert_or_assign(values[i], values[n + i]);
    *out = new IValue(std::move(dict));
  });
}

void tts_iv_free(IValue *v) { delete v; }

// 0 None, 1 bool, 2 int, 3 double, 4 string, 5 tensor, 6 list, 7 tuple,
// 8 dict, 9 device, -1 anything else (its type's name in `name`).
char *tts_iv_kind(IValue *v, int *kind, char **name) {
  return guard([&] {
    *name = nullptr;
    if (v->isNone()) *kind = 0;
    else if (v->isBool()) *kind = 1;
    else if (v->isInt()) *kind = 2;
    else if (v->isDouble()) *kind = 3;
    else if (v->isString()) *kind = 4;
    else if (v->isTensor()) *kind = 5;
    else if (v->isList()) *kind = 6;
    else if (v->isTuple()) *kind = 7;
    else if (v->isGenericDict()) *kind = 8;
    else if (v->isDevice()) *kind = 9;
    else {
      *kind = -1;
      *name = copy_text(v->type()->repr_str());
    }
  });
}

char *tts_iv_scalar(IValue *v, int64_t *i, double *d) {
  return guard([&] {
    if (v->isBool()) *i = v->toBool();
    else if (v->isInt()) *i = v->toInt();
    else if (v->isDouble()) *d = v->toDouble();
    else if (v->isDevice()) *i = v->toDevice().is_cpu() ? -1 : v->toDevice().index();
  });
}

char *tts_iv_string_value(IValue *v, char **out) {
  return guard([&] { *out = copy_text(v->isDevice() ? v->toDevice().str() : v->toStringRef()); });
}

char *tts_iv_tensor_value(IValue *v, at::Tensor **out) {
  return guard([&] { *out = new at::Tensor(v->toTensor()); });
}

// Items of a list or tuple (n), or a dict's keys then values (2n).
char *tts_iv_len(IValue *v, size_t *n) {
  return guard([&] {
    if (v->isList()) *n = v->toListRef().size();
    else if (v->isTuple()) *n = v->toTupleRef().elements().size();
    else *n = v->toGenericDict().size();
  });
}

char *tts_iv_items(IValue *v, IValue **out) {
  return guard([&] {
    if (v->isList()) {
      size_t i = 0;
      for (const IValue &item : v->toListRef()) out[i++] = new IValue(item);
    } else if (v->isTuple()) {
      size_t i = 0;
      for (const IValue &item : v->toTupleRef().elements()) out[i++] = new IValue(item);
    } else {
      auto dict = v->toGenericDict();
      size_t n = dict.size(), i = 0;
      for (const auto &entry : dict) {
        out[i] = new IValue(entry.key());
        out[n + i] = new IValue(entry.value());
        ++i;
      }
    }
  });
}

// ---- modules ----

char *tts_jit_load(torch::jit::Module **out, const char *path, int device) {
  return guard([&] { *out = new torch::jit::Module(torch::jit::load(std::string(path), device_of(device))); });
}

void tts_jit_free(torch::jit::Module *m) { delete m; }

char *tts_jit_save(torch::jit::Module *m, const char *path) {
  return guard([&] { m->save(std::string(path)); });
}

// The module's methods, one per line (forward and @torch.jit.export ones).
char *tts_jit_method_names(torch::jit::Module *m, char **out) {
  return guard([&] {
    std::string names;
    for (const auto &method : m->get_methods()) {
      if (!names.empty()) names += '\n';
      names += method.name();
    }
    *out = copy_text(names);
  });
}

char *tts_jit_repr(torch::jit::Module *m, char **out) {
  return guard([&] { *out = copy_text(repr(*m)); });
}

// `m.name(*args)`: takes `args`; the arguments are fitted to its schema.
char *tts_jit_call(torch::jit::Module *m, const char *name, IValue **args, size_t n, IValue **out) {
  std::vector<IValue> values;
  values.reserve(n);
  for (size_t i = 0; i < n; ++i) values.push_back(take(args[i]));
  return guard([&] {
    auto method = m->get_method(name);
    const auto &schema = method.function().getSchema();
    // Argument 0 is `self`, which the method binds.
    const auto &params = schema.arguments();
    for (size_t i = 0; i < values.size() && i + 1 < params.size(); ++i) values[i] = fit(values[i], params[i + 1].type());
    *out = new IValue(method(std::move(values)));
  });
}

char *tts_jit_set_training(torch::jit::Module *m, int on) {
  return guard([&] { m->train(on != 0); });
}

char *tts_jit_is_training(torch::jit::Module *m, int *out) {
  return guard([&] { *out = m->is_training() ? 1 : 0; });
}

char *tts_jit_to(torch::jit::Module *m, int device) {
  return guard([&] { m->to(device_of(device)); });
}

// What a state dict holds, in nn.Module.state_dict's order (each module's
// parameters, then its buffers, then its children's, depth first); with
// `which` 1 only parameters, 2 only buffers.
char *tts_jit_named_tensors(torch::jit::Module *m, int which, void *ctx, NamedTensorCallback f) {
  return guard([&] {
    for (const auto &sub : m->named_modules()) {
      std::string prefix = sub.name.empty() ? "" : sub.name + ".";
      if (which != 2)
        for (const auto &p : sub.value.named_parameters(false)) f(ctx, (prefix + p.name).c_str(), new at::Tensor(p.value));
      if (which != 1)
        for (const auto &b : sub.value.named_buffers(false)) f(ctx, (prefix + b.name).c_str(), new at::Tensor(b.value));
    }
  });
}

} // extern "C"
