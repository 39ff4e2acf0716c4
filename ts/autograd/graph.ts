// The autograd graph as PyTorch shows it: `t.gradFn` is a Node with
// `name()` and `nextFunctions`; AccumulateGrad nodes (leaves) have
// `variable`. The same native node always gives the same Node object while
// either lives.
import { inspect } from 'node:util';
import { native } from '../native';
import { Tensor } from '../tensor';

const live = new Map<number, WeakRef<Node>>();
const forget = new FinalizationRegistry<number>((key) => {
  // A newer Node may hold the key by now (the native address was reused).
  if (!live.get(key)?.deref()) live.delete(key);
});

/** An autograd node (`torch.autograd.graph.Node`): what `t.gradFn` returns. */
export class Node {
  /** @internal the native node, kept alive while this object lives. */
  readonly _h: object;
  /** @internal */
  readonly _key: number;

  /** @internal use `t.gradFn`. */
  constructor(handle: object, key: number) {
    this._h = handle;
    this._key = key;
  }

  /** The node's class name, e.g. `MulBackward0`, `MyFnBackward`, `torch::autograd::AccumulateGrad`. */
  name(): string {
    return native.nodeName(this._h);
  }

  /** `[node, inputNr]` for each input of the forward op; the node is null where no gradient flows. */
  get nextFunctions(): [Node | null, number][] {
    const nodes = native.nodeNextFunctions(this._h);
    const nrs = native.nodeNextInputNrs(this._h);
    return nodes.map((n, i) => [wrapNode(n), nrs[i]!]);
  }

  /** The leaf an AccumulateGrad node accumulates into (undefined for other nodes). */
  get variable(): Tensor | undefined {
    const v = native.nodeVariable(this._h);
    return v ? new Tensor(v) : undefined;
  }

  toString(): string {
    return `<${this.name()} object at 0x${this._key.toString(16)}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** The Node for a native node handle: the existing object if there is one. */
export function wrapNode(handle: object | null): Node | null {
  if (handle === null) return null;
  const key = native.nodeKey(handle);
  const existing = live.get(key)?.deref();
  if (existing) return existing;
  const node = new Node(handle, key);
  live.set(key, new WeakRef(node));
  forget.register(node, key);
  return node;
}

/** `t.grad_fn`. */
export function gradFnOf(t: Tensor): Node | null {
  return wrapNode(native.gradFn(t._n));
}
