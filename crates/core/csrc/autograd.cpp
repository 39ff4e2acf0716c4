// Autograd as PyTorch has it, on libtorch's C++ API: custom Functions whose
// backward is JavaScript (a Node subclass that calls back through one
// registered C callback), graph inspection (grad_fn, next_functions,
// AccumulateGrad.variable), tensor hooks, retain_grad, torch.autograd's
// run_backward (grad and backward with inputs), and InferenceMode guards.
// Each extern "C" call catches C++ exceptions and returns their text
// (malloc'ed, freed by the caller) or null, like shim.cpp.
#include "guard.h"
#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/autograd/engine.h>
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/functions/accumulate_grad.h>
#include <torch/csrc/autograd/functions/basic_ops.h>
#include <torch/csrc/autograd/saved_variable.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/csrc/autograd/variable_info.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <unordered_set>

using torch::autograd::Edge;
using torch::autograd::Node;
using torch::autograd::SavedVariable;
using torch::autograd::Variable;
using torch::autograd::variable_list;
using torch::autograd::VariableInfo;

namespace {
using torchts::copy_text;
using torchts::guard;

// The host's callback: kind 0 runs a custom Function's backward (values are
// the output gradients), kind 1 a tensor's hooks (values is the gradient).
// It answers through `tts_autograd_push_result` and returns an error text
// (malloc'ed) or null. It runs on the thread that runs the node; the host
// refuses threads that are not its JavaScript thread.
typedef char *(*js_callback)(int kind, uint64_t id, at::Tensor **values, size_t n, void *sink);
std::atomic<js_callback> callback{nullptr};

variable_list call_js(int kind, uint64_t id, const variable_list &values) {
  auto cb = callback.load();
  TORCH_CHECK(cb, "torchts: no JavaScript autograd callback is registered");
  std::vector<at::Tensor *> owned;
  owned.reserve(values.size());
  for (const auto &v : values) owned.push_back(v.defined() ? new at::Tensor(v) : nullptr);
  variable_list results;
  char *error = cb(kind, id, owned.data(), owned.size(), &results);
  if (error) {
    std::string text(error);
    std::free(error);
    throw std::runtime_error(text);
  }
  return results;
}

// Ids of nodes and hooks that died, per owning thread: a destructor may run
// on any thread and inside garbage collection, so it only queues the id and
// the owner's JavaScript drops its entry later.
std::atomic<uint64_t> next_id{1};
std::mutex released_mutex;
std::unordered_map<std::thread::id, std::vector<uint64_t>> released;

void release_later(std::thread::id owner, uint64_t id) {
  std::lock_guard<std::mutex> lock(released_mutex);
  released[owner].push_back(id);
}

// A custom Function's node: PyTorch's PyNode with the Python calls replaced
// by the JavaScript callback.
struct JsFunctionNode : public Node {
  uint64_t id = next_id.fetch_add(1);
  std::thread::id owner = std::this_thread::get_id();
  std::string name_;
  std::vector<bool> is_variable_input;
  std::vector<VariableInfo> output_info;
  std::vector<SavedVariable> saved;
  bool materialize_grads = true;
  bool has_freed_buffers = false;

  ~JsFunctionNode() override { release_later(owner, id); }

  std::string name() const override { return name_; }

  void release_variables() override {
    saved.clear();
    has_freed_buffers = true;
  }

  variable_list apply(variable_list &&grads) override {
    at::OptionalDeviceGuard device_guard;
    for (size_t i = 0; i < grads.size(); i++) {
      if (!grads[i].defined() && materialize_grads) grads[i] = output_info[i].zeros(device_guard);
    }
    auto results = call_js(0, id, grads);
    grads.clear();
    auto num_forward_inputs = is_variable_input.size();
    auto num_outputs = results.size();
    // Returning too many results is fine as long as the extra ones are None.
    if (num_outputs > num_forward_inputs) {
      bool all_none = true;
      for (size_t i = num_forward_inputs; i < num_outputs; i++) all_none &= !results[i].defined();
      if (all_none) {
        results.resize(num_forward_inputs);
        num_outputs = num_forward_inputs;
      }
    }
    TORCH_CHECK(num_outputs == num_forward_inputs, "function ", name_,
                " returned an incorrect number of gradients (expected ", num_forward_inputs, ", got ",
                num_outputs, ")");
    variable_list edges_grads;
    for (size_t i = 0; i < num_outputs; i++) {
      if (!is_variable_input[i]) {
        TORCH_CHECK(!results[i].defined(), "function ", name_,
                    " returned a gradient different than None at position ", i + 1,
                    ", but the corresponding forward input was not a Variable");
        continue;
      }
      edges_grads.push_back(results[i]);
    }
    return edges_grads;
  }
};

// What `ctx` holds of its node: a weak reference, as the node owns the ctx
// (through the host's registry) and a strong one would keep it alive forever.
struct FunctionCtx {
  std::weak_ptr<JsFunctionNode> node;
};

std::shared_ptr<JsFunctionNode> lock(FunctionCtx *ctx) {
  auto node = ctx->node.lock();
  TORCH_CHECK(node, "the autograd Function's node no longer exists");
  return node;
}

// A tensor's JavaScript hooks (`t.register_hook(fn)`), as Python's
// PyFunctionTensorPreHook: one per tensor, running the host's hooks for
// `key` in order.
struct JsTensorPreHook : public torch::autograd::FunctionPreHook {
  uint64_t key;
  int value_idx;
  std::thread::id owner = std::this_thread::get_id();
  JsTensorPreHook(uint64_t key, int value_idx) : key(key), value_idx(value_idx) {}
  ~JsTensorPreHook() override { release_later(owner, key); }

  variable_list operator()(const variable_list &values) override {
    auto results = call_js(1, key, {values[value_idx]});
    variable_list out(values);
    if (!results.empty() && results[0].defined()) out[value_idx] = results[0];
    return out;
  }
};

std::vector<at::Tensor> tensors(at::Tensor **ptrs, size_t n) {
  std::vector<at::Tensor> out;
  out.reserve(n);
  for (size_t i = 0; i < n; i++) out.push_back(ptrs[i] ? *ptrs[i] : at::Tensor());
  return out;
}
} // namespace

extern "C" {

void tts_autograd_set_callback(js_callback cb) { callback.store(cb); }

// The host answers a callback with one result per call, null for None.
void tts_autograd_push_result(void *sink, at::Tensor *t) {
  static_cast<variable_list *>(sink)->push_back(t ? *t : at::Tensor());
}

// Ids released on this thread's nodes and hooks since the last call.
size_t tts_autograd_take_released(uint64_t *out, size_t cap) {
  std::lock_guard<std::mutex> lock(released_mutex);
  auto it = released.find(std::this_thread::get_id());
  if (it == released.end()) return 0;
  auto &ids = it->second;
  size_t n = std::min(cap, ids.size());
  std::copy(ids.end() - n, ids.end(), out);
  ids.resize(ids.size() - n);
  if (ids.empty()) released.erase(it);
  return n;
}

// ---- custom Functions ----

// After `forward` ran: makes the node (when executable), attaches the
// outputs as custom_function.h does (dirty inputs, non-differentiable
// outputs, inputs returned as outputs) and saves `to_save`. `outputs` and
// `to_save` may hold nulls (non-tensors, None). Writes the wrapped outputs,
// the node's id and a ctx handle (null when not executable).
char *tts_function_apply(const char *name, const int *is_tensor_arg, size_t n_args, at::Tensor **inputs,
                         size_t n_inputs, int is_executable, int materialize_grads, at::Tensor **outputs,
                         size_t n_outputs, at::Tensor **dirty, size_t n_dirty, at::Tensor **non_diff,
                         size_t n_non_diff, at::Tensor **to_save, size_t n_save, at::Tensor **wrapped,
                         uint64_t *id_out, void **ctx_out) {
  return guard([&] {
    *ctx_out = nullptr;
    *id_out = 0;
    variable_list input_vars = tensors(inputs, n_inputs);
    std::shared_ptr<JsFunctionNode> node;
    if (is_executable) {
      node = std::shared_ptr<JsFunctionNode>(new JsFunctionNode(), torch::autograd::deleteNode);
      node->name_ = name;
      node->materialize_grads = materialize_grads != 0;
      node->is_variable_input.assign(is_tensor_arg, is_tensor_arg + n_args);
      node->set_next_edges(torch::autograd::collect_next_edges(input_vars));
      node->clear_input_metadata();
    }
    std::unordered_set<at::TensorImpl *> non_differentiable, dirty_inputs;
    for (size_t i = 0; i < n_non_diff; i++) non_differentiable.insert(non_diff[i]->unsafeGetTensorImpl());
    for (size_t i = 0; i < n_dirty; i++) {
      dirty_inputs.insert(dirty[i]->unsafeGetTensorImpl());
      torch::autograd::impl::bump_version(*dirty[i]);
    }
    std::vector<std::optional<Variable>> raw;
    for (size_t i = 0; i < n_outputs; i++) {
      if (outputs[i]) raw.emplace_back(*outputs[i]);
      else raw.emplace_back();
    }
    torch::autograd::_jvp_fn_t jvp = [](const variable_list &, const variable_list &) -> variable_list {
      TORCH_CHECK(false, "jvp is not implemented for torchts custom Functions");
    };
    auto view_as_self = [](const at::Tensor &x) -> at::Tensor { return x.view_as(x); };
    auto results = torch::autograd::_wrap_outputs(input_vars, non_differentiable, dirty_inputs, raw,
                                                  is_executable ? node : nullptr, jvp, {}, view_as_self,
                                                  /*pure_view=*/false);
    std::unordered_set<at::TensorImpl *> output_impls;
    for (size_t i = 0; i < n_outputs; i++) {
      wrapped[i] = results[i].has_value() ? new at::Tensor(*results[i]) : nullptr;
      if (results[i].has_value()) output_impls.insert(results[i]->unsafeGetTensorImpl());
      if (node) {
        if (results[i].has_value()) node->output_info.emplace_back(*results[i]);
        else node->output_info.emplace_back();
      }
    }
    if (!node) return;
    // Saved after wrapping, so saved outputs know their grad_fn (as PyTorch).
    for (size_t i = 0; i < n_save; i++) {
      if (!to_save[i]) {
        node->saved.emplace_back();
      } else {
        bool is_output = output_impls.count(to_save[i]->unsafeGetTensorImpl()) > 0;
        node->saved.emplace_back(*to_save[i], is_output);
      }
    }
    *id_out = node->id;
    *ctx_out = new FunctionCtx{node};
  });
}

void tts_function_ctx_free(void *ctx) { delete static_cast<FunctionCtx *>(ctx); }

char *tts_function_num_saved(void *ctx, size_t *n) {
  return guard([&] {
    auto node = lock(static_cast<FunctionCtx *>(ctx));
    TORCH_CHECK(!node->has_freed_buffers, torch::autograd::ERR_BACKWARD_TWICE);
    *n = node->saved.size();
  });
}

// `ctx.saved_tensors[i]`: checks it was not modified in place since (null for None).
char *tts_function_saved(void *ctx, size_t i, at::Tensor **out) {
  return guard([&] {
    auto node = lock(static_cast<FunctionCtx *>(ctx));
    TORCH_CHECK(!node->has_freed_buffers, torch::autograd::ERR_BACKWARD_TWICE);
    TORCH_CHECK(i < node->saved.size(), "saved tensor index out of range");
    auto t = node->saved[i].unpack(node);
    *out = t.defined() ? new at::Tensor(t) : nullptr;
  });
}

// ---- graph inspection ----

char *tts_grad_fn(at::Tensor *t, void **out) {
  return guard([&] {
    auto fn = t->grad_fn();
    *out = fn ? new std::shared_ptr<Node>(fn) : nullptr;
  });
}

void tts_node_free(void *node) { delete static_cast<std::shared_ptr<Node> *>(node); }

uint64_t tts_node_key(void *node) {
  return reinterpret_cast<uint64_t>(static_cast<std::shared_ptr<Node> *>(node)->get());
}

char *tts_node_name(void *node, char **out) {
  return guard([&] { *out = copy_text((*static_cast<std::shared_ptr<Node> *>(node))->name().c_str()); });
}

size_t tts_node_num_next(void *node) { return (*static_cast<std::shared_ptr<Node> *>(node))->num_outputs(); }

char *tts_node_next(void *node, size_t i, void **out, uint32_t *input_nr) {
  return guard([&] {
    auto &fn = *static_cast<std::shared_ptr<Node> *>(node);
    TORCH_CHECK(i < fn->num_outputs(), "next_functions index out of range");
    const auto &edge = fn->next_edge(i);
    *out = edge.function ? new std::shared_ptr<Node>(edge.function) : nullptr;
    *input_nr = edge.input_nr;
  });
}

// AccumulateGrad's `variable`, or null for other nodes.
char *tts_node_variable(void *node, at::Tensor **out) {
  return guard([&] {
    auto acc = dynamic_cast<torch::autograd::AccumulateGrad *>(static_cast<std::shared_ptr<Node> *>(node)->get());
    *out = acc ? new at::Tensor(acc->variable) : nullptr;
  });
}

// ---- tensor hooks, retain_grad ----

// The key of `t`'s JavaScript hook list, installed on first use (`fresh`
// tells whether it is new): on the grad_fn for outputs, on the tensor for
// leaves (its AccumulateGrad runs them), as Python's register_hook does.
char *tts_tensor_hook_key(at::Tensor *t, uint64_t *key, int *fresh) {
  return guard([&] {
    TORCH_CHECK(t->requires_grad(), "cannot register a hook on a tensor that doesn't require gradient");
    *fresh = 0;
    auto fn = t->grad_fn();
    auto find = [&](const std::vector<std::unique_ptr<torch::autograd::FunctionPreHook>> &hooks) -> bool {
      for (const auto &h : hooks) {
        auto js = dynamic_cast<JsTensorPreHook *>(h.get());
        if (js && (!fn || js->value_idx == static_cast<int>(t->output_nr()))) {
          *key = js->key;
          return true;
        }
      }
      return false;
    };
    if (fn) {
      if (find(fn->tensor_pre_hooks())) return;
      *key = next_id.fetch_add(1);
      fn->add_tensor_pre_hook(std::make_unique<JsTensorPreHook>(*key, t->output_nr()));
    } else {
      auto &hooks = torch::autograd::impl::hooks(*t);
      if (find(hooks)) return;
      *key = next_id.fetch_add(1);
      hooks.push_back(std::make_unique<JsTensorPreHook>(*key, 0));
    }
    *fresh = 1;
  });
}

// PyTorch's check of a hook's replacement gradient ("hook 'double' has
// changed the size of value").
char *tts_check_hook_result(at::Tensor *original, at::Tensor *result, const char *name) {
  return guard([&] {
    TORCH_CHECK(original->defined(), "can't replace a None gradient with a non-None value");
    torch::autograd::check_variable_result(*original, *result, name);
  });
}

char *tts_retain_grad(at::Tensor *t) {
  return guard([&] { t->retain_grad(); });
}

char *tts_retains_grad(at::Tensor *t, int *out) {
  return guard([&] { *out = t->retains_grad() ? 1 : 0; });
}

char *tts_is_inference(at::Tensor *t, int *out) {
  return guard([&] { *out = t->is_inference() ? 1 : 0; });
}

// ---- torch.autograd.backward / grad ----

// Python's Variable._execution_engine.run_backward: `grads` are already made
// (see make_grads in autograd.rs); with inputs, `results` gets their
// gradients (null where unreachable and `allow_unused`).
char *tts_run_backward(at::Tensor **outputs, size_t n, at::Tensor **grads, int keep_graph, int create_graph,
                       at::Tensor **inputs, size_t n_inputs, int allow_unused, int accumulate_grad,
                       at::Tensor **results) {
  return guard([&] {
    torch::autograd::edge_list roots;
    variable_list grad_list;
    for (size_t i = 0; i < n; i++) {
      auto edge = torch::autograd::impl::gradient_edge(*outputs[i]);
      TORCH_CHECK(edge.function, "element ", i, " of tensors does not require grad and does not have a grad_fn");
      roots.push_back(std::move(edge));
      grad_list.push_back(grads[i] ? *grads[i] : at::Tensor());
      if (!grads[i]) {
        TORCH_CHECK(!outputs[i]->requires_grad(), "element ", i,
                    " of gradients tuple is None, but the corresponding Tensor requires grad");
      }
    }
    torch::autograd::edge_list output_edges;
    for (size_t i = 0; i < n_inputs; i++) {
      const auto &input = *inputs[i];
      auto fn = input.grad_fn();
      if (!fn) fn = torch::autograd::impl::try_get_grad_accumulator(input);
      if (accumulate_grad) input.retain_grad();
      TORCH_CHECK(input.requires_grad(), "One of the differentiated Tensors does not require grad");
      if (!fn) output_edges.emplace_back(std::make_shared<torch::autograd::Identity>(), 0);
      else output_edges.emplace_back(fn, input.output_nr());
    }
    auto out = torch::autograd::Engine::get_default_engine().execute(roots, grad_list, keep_graph != 0,
                                                                      create_graph != 0, accumulate_grad != 0,
                                                                      output_edges);
    if (n_inputs == 0 || accumulate_grad) return;
    for (size_t i = 0; i < n_inputs; i++) {
      TORCH_CHECK(allow_unused || out[i].defined(),
                  "One of the differentiated Tensors appears to not have been used in the graph. "
                  "Set allow_unused=True if this is the desired behavior.");
    }
    for (size_t i = 0; i < n_inputs; i++) results[i] = out[i].defined() ? new at::Tensor(out[i]) : nullptr;
  });
}

// ---- inference mode ----

char *tts_inference_mode_enter(int enabled, void **out) {
  return guard([&] { *out = new c10::InferenceMode(enabled != 0); });
}

void tts_inference_mode_exit(void *guard) { delete static_cast<c10::InferenceMode *>(guard); }

int tts_inference_mode_enabled() { return c10::InferenceMode::is_enabled() ? 1 : 0; }

} // extern "C"
