#!/usr/bin/env node
// Generates torchts's ops from PyTorch's own schema, as torchgen generates
// Python's bindings: reads native_functions.yaml, the skip list of
// torchgen's gen_python_functions.py and the docstrings of
// torch/_torch_docs.py and torch/_tensor_docs.py (all from the torch 2.11.0
// wheel), and writes ts/generated/functions.ts (torch.*), methods.ts
// (Tensor methods, installed where no hand-written method exists) and
// docs/OPS.md (coverage, and every excluded op with the reason).
//   node scripts/gen-ops.mjs            write the files
//   node scripts/gen-ops.mjs --check    exit 1 if the committed files differ
// The sources: TORCHTS_TORCH_DIR (a torch 2.11.0 package directory), else the
// torch of TORCHTS_TEST_PYTHON / TORCHTS_PYTHON / python3.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { load as loadYaml } from 'js-yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const VERSION = '2.11.0';
const check = process.argv.includes('--check');

function torchDir() {
  if (process.env.TORCHTS_TORCH_DIR) return process.env.TORCHTS_TORCH_DIR;
  for (const python of [process.env.TORCHTS_TEST_PYTHON, process.env.TORCHTS_PYTHON, 'python3']) {
    if (!python) continue;
    const r = spawnSync(python, ['-c', "import importlib.util as u; s = u.find_spec('torch'); print(s.submodule_search_locations[0] if s else '')"], { encoding: 'utf8' });
    const dir = r.status === 0 ? r.stdout.trim() : '';
    if (dir) return dir;
  }
  return null;
}

const torch = torchDir();
const sources = torch && {
  yaml: path.join(torch, '..', 'torchgen', 'packaged', 'ATen', 'native', 'native_functions.yaml'),
  skip: path.join(torch, '..', 'torchgen', 'packaged', 'autograd', 'gen_python_functions.py'),
  torchDocs: path.join(torch, '_torch_docs.py'),
  tensorDocs: path.join(torch, '_tensor_docs.py'),
  version: path.join(torch, 'version.py'),
};
if (!sources || !Object.values(sources).every((f) => fs.existsSync(f))) {
  const msg = 'gen-ops: torch 2.11.0 sources not found (set TORCHTS_TORCH_DIR or TORCHTS_TEST_PYTHON)';
  if (check) {
    console.log(`${msg}: SKIPPED the staleness check`);
    process.exit(0);
  }
  console.error(msg);
  process.exit(1);
}
const torchVersion = /__version__\s*=\s*['"]([^'"+]+)/.exec(fs.readFileSync(sources.version, 'utf8'))?.[1];
if (torchVersion !== VERSION) {
  console.error(`gen-ops: ${torch} is torch ${torchVersion}, not ${VERSION}`);
  process.exit(1);
}

// ---- PyTorch's skip list (what Python does not bind) ----------------------
const skipText = fs.readFileSync(sources.skip, 'utf8');
const listOf = (name) => {
  const body = new RegExp(`^${name} = \\[([\\s\\S]*?)^\\]`, 'm').exec(skipText)?.[1] ?? '';
  return [...body.matchAll(/^\s*"((?:[^"\\]|\\.)*)",/gm)].map((m) => m[1]);
};
const skipPatterns = listOf('_SKIP_PYTHON_BINDINGS').map((p) => new RegExp(`^${p}$`));
const skipSignatures = new Set(listOf('SKIP_PYTHON_BINDINGS_SIGNATURES'));
if (skipPatterns.length < 20) throw new Error('gen-ops: could not read _SKIP_PYTHON_BINDINGS');

// ---- docstrings -------------------------------------------------------------
/** name -> docstring: the string literals of each call, joined (some are `"""…""" + r"""…"""`). */
function docs(file, re) {
  const map = new Map();
  for (const m of fs.readFileSync(file, 'utf8').matchAll(re)) {
    map.set(m[1], [...m[2].matchAll(/r?"""([\s\S]*?)"""/g)].map((x) => x[1]).join(''));
  }
  return map;
}
const torchDocs = docs(sources.torchDocs, /^add_docstr\(\s*torch\.(\w+),([\s\S]*?)^\)$/gm);
const tensorDocs = docs(sources.tensorDocs, /^add_docstr_all\(\s*"(\w+)",([\s\S]*?)^\)$/gm);

/** The first paragraph after the signature lines, as TSDoc. */
function firstParagraph(text) {
  if (!text) return null;
  const paras = text.replace(/\r/g, '').split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  // The docstring opens with the signature(s): `atan2(input: Tensor, other: Tensor, *, out=None) -> Tensor`.
  const body = paras.find((p) => !/^[\w.]+\(/.test(p));
  if (!body) return null;
  return body
    .replace(/\{\{/g, '{').replace(/\}\}/g, '}')
    .replace(/``([^`]+)``/g, '`$1`')
    .replace(/:(?:func|meth|attr|class|ref):`~?([^`<]+?)(?:\s*<[^>]+>)?`/g, '`$1`')
    .replace(/\*\//g, '*\\/')
    .split('\n').map((l) => l.trim()).join(' ');
}

// torch.* names that Python defines in torch/functional.py over the ATen op
// (their Python signatures and results can differ from the schema's).
const functionalPy = fs.readFileSync(path.join(torch, 'functional.py'), 'utf8');
const pythonWrapped = new Set([...(/__all__ = \[([\s\S]*?)\]/.exec(functionalPy)?.[1] ?? '').matchAll(/"(\w+)"/g)].map((m) => m[1]));

// ---- schema parsing ---------------------------------------------------------
function splitArgs(s) {
  const out = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur.trim());
  return out;
}

const camel = (s) => s.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());

/** Kind letter of a schema type (uppercase when optional), or null. */
function kindOf(type) {
  const mutable = /\([a-z]!\)/.test(type);
  const t = type.replace(/\([^)]*\)/g, '');
  const optional = t.endsWith('?');
  const base = optional ? t.slice(0, -1) : t;
  let k;
  let size = 0;
  const sized = /^(\w+)\[(\d+)\]$/.exec(base);
  const b = sized ? `${sized[1]}[]` : base;
  if (sized) size = Number(sized[2]);
  switch (b) {
    case 'Tensor': k = mutable ? 'a' : 't'; break;
    case 'int': case 'SymInt': k = 'i'; break;
    case 'float': k = 'f'; break;
    case 'bool': k = 'b'; break;
    case 'Scalar': k = 's'; break;
    case 'int[]': case 'SymInt[]': k = 'l'; break;
    case 'float[]': k = 'd'; break;
    case 'bool[]': k = 'n'; break;
    case 'Tensor[]': k = mutable ? null : 'v'; break;
    case 'Tensor?[]': k = 'w'; break;
    case 'ScalarType': k = 'y'; break;
    case 'Layout': k = 'o'; break;
    case 'Device': k = 'e'; break;
    case 'MemoryFormat': k = 'm'; break;
    case 'str': k = 'c'; break;
    case 'Generator': k = optional ? 'g' : null; break;
    default: k = null;
  }
  if (k === null) return { kind: null, why: `argument type ${type}` };
  if (mutable && k !== 'a') return { kind: null, why: `mutable argument ${type}` };
  return { kind: optional && k !== 'g' ? k.toUpperCase() : k, size, mutable };
}

function parseDefault(text, kind) {
  const k = kind.toLowerCase();
  if (text === 'None') return { value: null };
  if (text === 'True' || text === 'False') return { value: text === 'True' };
  if (/^-?\d+(\.\d*)?(e-?\d+)?$/.test(text)) return { value: Number(text) };
  if (/^\[[-\d, ]*\]$/.test(text)) return { value: JSON.parse(text) };
  if (/^'[^'\\]*'$|^"[^"\\]*"$/.test(text)) return { value: text.slice(1, -1) };
  // `int reduction=Mean`: Python's argument parser reads an int default with
  // atol(), so 'Mean' becomes 0 (no reduction): torch.kl_div(a, b) is unreduced
  // in Python, and here too.
  if ((text === 'Mean' || text === 'Sum') && k === 'i') return { value: 0 };
  if (text === 'long' && k === 'y') return { value: 'int64' };
  if (text === 'contiguous_format' && k === 'm') return { value: 'contiguous_format' };
  return null;
}

function parseReturns(text) {
  if (text === '()') return { kinds: '' };
  const inner = text.startsWith('(') ? text.slice(1, -1) : text;
  let kinds = '';
  for (const r of splitArgs(inner)) {
    const type = r.split(' ')[0];
    if (/^Tensor\([a-z]!\)$/.test(type)) kinds += 'a';
    else if (/^Tensor(\([a-z]\))?$/.test(type)) kinds += 't';
    else if (/^Tensor(\([a-z]\))?\[\]$/.test(type)) kinds += 'v';
    else if (['int', 'SymInt', 'float', 'Scalar'].includes(type)) kinds += 'n';
    else if (type === 'bool') kinds += 'b';
    else return { kinds: null, why: `returns ${text}` };
  }
  return { kinds };
}

const entries = loadYaml(fs.readFileSync(sources.yaml, 'utf8'));

/** @type {Map<string, { fn: any[], method: any[] }>} public name -> overloads */
const ops = new Map();
/** @type {{ name: string, why: string }[]} */
const excluded = [];
const allNames = new Set();

for (const e of entries) {
  const m = /^([\w]+)(?:\.(\w+))?\((.*)\) -> (.*)$/.exec(e.func);
  if (!m) throw new Error(`gen-ops: cannot parse ${e.func}`);
  const [, name, overload = '', argText, retText] = m;
  const full = overload ? `${name}.${overload}` : name;
  const variants = String(e.variants ?? 'function').split(',').map((s) => s.trim());
  const exclude = (why) => excluded.push({ name: full, why });
  if (name.startsWith('_')) continue; // private: not counted
  if (e.python_module) {
    exclude(`torch.${e.python_module} namespace (not generated yet)`);
    continue;
  }
  allNames.add(name);
  if (/(^|_)out$/.test(overload) || overload.startsWith('out_') || /\bout\)?$/.test(overload)) { exclude('out= overload'); continue; }
  if (skipPatterns.some((re) => re.test(name)) || skipPatterns.some((re) => re.test(full))) { exclude('not bound in Python (torchgen\'s skip list)'); continue; }
  if (skipSignatures.has(e.func)) { exclude('not bound in Python (torchgen\'s skip list)'); continue; }
  const tags = [].concat(e.tags ?? []);
  if (tags.includes('generated') && !tags.includes('view_copy')) { exclude('codegen-only op (tag generated)'); continue; }
  const params = [];
  let kwOnly = false;
  let why = null;
  for (const a of splitArgs(argText)) {
    if (a === '*') { kwOnly = true; continue; }
    const sp = a.lastIndexOf(' ');
    const type = a.slice(0, sp);
    let pname = a.slice(sp + 1);
    let dflt;
    if (pname.includes('=')) [pname, dflt] = [pname.slice(0, pname.indexOf('=')), pname.slice(pname.indexOf('=') + 1)];
    const k = kindOf(type);
    if (!k.kind) { why = k.why; break; }
    if (k.mutable && pname !== 'self') { why = `mutates argument '${pname}'`; break; }
    let flags = (kwOnly ? 1 : 0) | (k.size ? 4 | (k.size << 8) : 0);
    let value;
    if (dflt !== undefined) {
      const d = parseDefault(dflt, k.kind);
      if (!d) { why = `default ${dflt} of '${pname}'`; break; }
      flags |= 2;
      value = d.value;
    }
    if (k.kind === 'g') { flags |= 2; value = null; }
    params.push({ name: pname, kind: k.kind, flags, value, type });
  }
  if (why) { exclude(why); continue; }
  const ret = parseReturns(retText);
  if (ret.kinds === null) { exclude(ret.why); continue; }
  const isFactory = ['dtype', 'layout', 'device', 'pin_memory'].every((n) => params.some((p) => p.name === n));
  const ov = { name, overload, params, ret: ret.kinds, factory: isFactory, func: e.func };
  const slot = ops.get(name) ?? { fn: [], method: [] };
  ops.set(name, slot);
  if (variants.includes('function')) slot.fn.push(ov);
  if (variants.includes('method')) {
    if (params[0]?.name !== 'self' || !['t', 'a'].includes(params[0].kind)) exclude(`method variant without a Tensor self (${full})`);
    else slot.method.push(ov);
  }
}

// ---- what is hand-written -----------------------------------------------------
function read(file) {
  return fs.readFileSync(path.join(ROOT, file), 'utf8');
}
/** Names ts/index.ts exports already (directly or through `export *`). */
function exportedNames() {
  const names = new Set();
  const index = read('ts/index.ts');
  const scan = (text) => {
    for (const m of text.matchAll(/^export\s+(?:declare\s+)?(?:async\s+)?(?:function\*?|const|let|class|enum)\s+(\w+)/gm)) names.add(m[1]);
    for (const m of text.matchAll(/^export\s*\{([^}]*)\}/gm)) {
      for (const part of m[1].split(',')) {
        const n = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/).pop()?.trim();
        if (n) names.add(n);
      }
    }
  };
  scan(index);
  for (const m of index.matchAll(/^export \* from '\.\/([\w/]+)';/gm)) {
    if (m[1].startsWith('generated/')) continue;
    scan(read(`ts/${m[1]}.ts`));
  }
  for (const m of index.matchAll(/^export \* as (\w+) from/gm)) names.add(m[1]);
  return names;
}
/** Members of the hand-written Tensor class. */
function tensorMembers() {
  const text = read('ts/tensor.ts');
  const body = text.slice(text.indexOf('export class Tensor'), text.indexOf('\n}\n', text.indexOf('export class Tensor')));
  const names = new Set(['constructor', 'toString', 'valueOf']);
  for (const m of body.matchAll(/^ {2}(?:(?:get|set|static|override|async)\s+)*\[?([\w.]+)\]?\s*(?:<[^>]*>)?\s*[(:=]/gm)) names.add(m[1]);
  return names;
}
const handFns = exportedNames();
const handMethods = tensorMembers();

// ---- TypeScript types ---------------------------------------------------------
const TS = {
  t: 'Tensor', a: 'Tensor', i: 'number', f: 'number', b: 'boolean', s: 'number | boolean', l: 'number[]', d: 'number[]',
  n: 'boolean[]', v: 'Tensor[]', w: '(Tensor | null)[]', y: 'DTypeLike', o: "'strided'", e: 'DeviceLike',
  m: "'contiguous_format' | 'preserve_format' | 'channels_last' | 'channels_last_3d'", c: 'string', g: 'Generator | null',
};
// Python's argument parser takes a number for these ops' Tensor parameters
// (ts/generated/call.ts NUMBERS_AS_TENSORS says the same at run time).
const NUMBERS_AS_TENSORS = new Set(['add', 'add_', 'div', 'div_', 'divide', 'divide_', 'mul', 'mul_', 'multiply', 'multiply_', 'sub', 'sub_',
  'subtract', 'subtract_', 'true_divide', 'true_divide_', 'floor_divide', 'floor_divide_', 'to', 'copy_']);
function tsTypeOf(p, numbersAsTensors = false) {
  const k = p.kind.toLowerCase();
  let t = TS[k];
  if (numbersAsTensors && p.kind === 't') t = 'Tensor | number | boolean';
  if ((k === 'l' || k === 'd') && p.flags & 4) t = `number | ${t}`;
  if (p.kind !== k) t = `${t} | null`;
  return t;
}
function tsReturn(kinds, self) {
  const one = (k) => ({ t: 'Tensor', a: self, v: 'Tensor[]', n: 'number', b: 'boolean' })[k];
  if (kinds === '') return 'void';
  if (kinds.length === 1) return one(kinds);
  return `[${[...kinds].map(one).join(', ')}]`;
}
const RESERVED = new Set(['function', 'default', 'delete', 'new', 'in', 'var', 'for', 'if', 'do', 'class', 'this', 'return', 'switch', 'with']);
const paramName = (n) => (RESERVED.has(camel(n)) ? `${camel(n)}_` : camel(n));

/** The TS overload signatures of one schema overload. */
function signatures(ov, method) {
  const params = method ? ov.params.slice(1) : ov.params;
  const numbers = NUMBERS_AS_TENSORS.has(ov.name);
  const tsType = (p) => tsTypeOf(p, numbers);
  const named = (p) => (p.name === 'self' ? 'input' : paramName(p.name));
  const required = params.filter((p) => !(p.flags & 1) && !(p.flags & 2));
  const optionalPos = params.filter((p) => !(p.flags & 1) && p.flags & 2 && p.kind !== 'g');
  // Python allows a required parameter after a defaulted one only as keyword; keep the order.
  const firstDefault = params.findIndex((p) => !(p.flags & 1) && p.flags & 2);
  const lateRequired = firstDefault >= 0 && params.slice(firstDefault).some((p) => !(p.flags & 1) && !(p.flags & 2));
  const optionProps = params.filter((p) => p.flags & 2 || p.flags & 1)
    .map((p) => `${camel(p.name)}${p.flags & 2 ? '?' : ''}: ${tsType(p)}`);
  if (ov.factory) optionProps.push('requiresGrad?: boolean');
  const hasRequiredOption = params.some((p) => p.flags & 1 && !(p.flags & 2));
  const opts = optionProps.length ? `options${hasRequiredOption ? '' : '?'}: { ${optionProps.join('; ')} }` : null;
  const ret = tsReturn(ov.ret, method ? 'this' : 'Tensor');
  const req = required.map((p) => `${named(p)}: ${tsType(p)}`);
  const out = [];
  out.push(`(${[...req, ...(opts ? [opts] : [])].join(', ')}): ${ret}`);
  // Python's varargs sizes (x.view(2, 3)) where an int list is the only positional argument.
  const positional = params.filter((p) => !(p.flags & 1));
  if (positional.length === 1 && positional[0].kind === 'l' && required.length === 1) {
    out.push(`(...${named(positional[0])}: number[]): ${ret}`);
  }
  if (optionalPos.length && !lateRequired) {
    out.push(`(${[...req, ...optionalPos.map((p) => `${named(p)}?: ${tsType(p)}`)].join(', ')}): ${ret}`);
  }
  return out;
}

function table(ovs) {
  return `[${ovs.map((ov) => {
    const kinds = ov.params.map((p) => p.kind).join('');
    const params = ov.params.map((p) => {
      const fields = [JSON.stringify(p.name), JSON.stringify(camel(p.name)), JSON.stringify(p.kind), String(p.flags)];
      if (p.flags & 2) fields.push(JSON.stringify(p.value));
      return `[${fields.join(', ')}]`;
    });
    return `\n  [${JSON.stringify(`aten::${ov.name}`)}, ${JSON.stringify(ov.overload)}, ${JSON.stringify(kinds)}, [${params.join(', ')}], ${JSON.stringify(ov.ret)}, ${ov.factory ? 1 : 0}]`;
  }).join(',')}\n]`;
}

function tsdoc(text, indent, fallback, name, ns) {
  const inPlace = name.endsWith('_') && !text ? `In-place version of \`${ns}.${name.slice(0, -1)}\`.` : null;
  const para = firstParagraph(text) ?? inPlace ?? fallback;
  return `${indent}/** ${para} */\n`;
}

const HEADER = `// Generated by scripts/gen-ops.mjs from PyTorch ${VERSION}'s native_functions.yaml
// and docstrings. Do not edit: run \`npm run gen:ops\`.
`;

// ---- torch.* functions ---------------------------------------------------------
const names = [...ops.keys()].sort();
let fnOut = `${HEADER}/* eslint-disable */
import type { Tensor } from '../tensor';
import type { DTypeLike } from '../dtype';
import type { DeviceLike } from '../device';
import type { Generator } from '../generator';
import { callOp, type Overload } from './call';
import './methods';
`;
const generatedFns = [];
const skippedFns = [];
for (const name of names) {
  const { fn } = ops.get(name);
  if (!fn.length) continue;
  const exported = camel(name);
  if (handFns.has(exported)) {
    skippedFns.push(exported);
    continue;
  }
  generatedFns.push(exported);
  // A reserved word (torch.var) is exported under its name from a local one.
  const js = RESERVED.has(exported) ? `${exported}_` : exported;
  const exp = RESERVED.has(exported) ? '' : 'export ';
  fnOut += `\nconst ${js}$: readonly Overload[] = ${table(fn)};\n`;
  const doc = tsdoc(torchDocs.get(name), '', `\`torch.${name}\` (schema: \`${fn[0].func.replace(/\*\//g, '*\\/')}\`).`, name, 'torch');
  const sigs = [...new Set(fn.flatMap((ov) => signatures(ov, false)))];
  for (const s of sigs) fnOut += `${doc}${exp}function ${js}${s};\n`;
  fnOut += `${exp}function ${js}(...args: unknown[]): unknown {\n  return callOp('torch.${name}', ${js}$, undefined, args);\n}\n`;
  if (!exp) fnOut += `export { ${js} as ${exported} };\n`;
}

// ---- Tensor methods --------------------------------------------------------------
let mOut = `${HEADER}/* eslint-disable */
import { Tensor } from '../tensor';
import type { DTypeLike } from '../dtype';
import type { DeviceLike } from '../device';
import type { Generator } from '../generator';
import { callOp, type Overload } from './call';
`;
const methodName = (name) => camel(name) + (name.endsWith('_') && !camel(name).endsWith('_') ? '_' : '');
let decl = '';
let impl = '';
const generatedMethods = [];
const overlapMethods = [];
for (const name of names) {
  const { method } = ops.get(name);
  if (!method.length) continue;
  const js = methodName(name);
  if (handMethods.has(js)) {
    overlapMethods.push(js);
    continue;
  }
  generatedMethods.push(js);
  mOut += `\nconst ${js}$: readonly Overload[] = ${table(method)};\n`;
  const doc = tsdoc(tensorDocs.get(name), '  ', `\`Tensor.${name}\` (schema: \`${method[0].func.replace(/\*\//g, '*\\/')}\`).`, name, 'Tensor');
  const sigs = [...new Set(method.flatMap((ov) => signatures(ov, true)))];
  for (const s of sigs) decl += `${doc}  ${js}${s};\n`;
  impl += `  ${js}(this: Tensor, ...args: unknown[]): unknown {\n    return callOp('Tensor.${name}', ${js}$, this, args);\n  },\n`;
}
mOut += `
/**
 * The generated methods' types: ts/tensor.ts merges this interface into the
 * Tensor class (a \`declare module\` augmentation would not survive the
 * bundled dist/index.d.ts).
 */
export interface GeneratedTensorMethods {
${decl}}

const methods: Record<string, (this: Tensor, ...args: unknown[]) => unknown> = {
${impl}};

/** The methods generated here (tests check that a case exercises one). */
export const generatedMethods: readonly string[] = Object.keys(methods);

// Hand-written methods keep their fast paths: install only the missing ones.
for (const [name, fn] of Object.entries(methods)) {
  if (!(name in Tensor.prototype)) Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true });
}
`;

// ---- docs/OPS.md --------------------------------------------------------------------
const covered = [...allNames].filter((n) => {
  const slot = ops.get(n);
  return (slot && (slot.fn.length || slot.method.length)) || handFns.has(camel(n)) || handMethods.has(methodName(n));
});
const byReason = new Map();
for (const { name, why } of excluded) {
  const list = byReason.get(why) ?? [];
  list.push(name);
  byReason.set(why, list);
}
const exclusionsByName = new Map();
for (const { name, why } of excluded) exclusionsByName.set(name, why);
const fullyExcluded = [...allNames].filter((n) => !covered.includes(n)).sort();
let md = `# Generated ops

Generated by \`scripts/gen-ops.mjs\` from PyTorch ${VERSION}'s \`native_functions.yaml\`
(do not edit; \`npm run gen:ops\` rewrites it, \`node scripts/gen-ops.mjs --check\` fails when it is stale).

Every public (not \`_\`-private) ATen op outside the \`torch.nn/linalg/fft/special/sparse\`
namespaces is counted. An op is covered when at least one of its overloads is callable as a
generated \`torch.*\` function or \`Tensor\` method (or is hand-written under the same name).

- ops covered: **${covered.length} / ${allNames.size}**
- generated \`torch.*\` functions: ${generatedFns.length} (plus ${skippedFns.length} names already hand-written in ts/: ${skippedFns.join(', ')})
- generated \`Tensor\` methods: ${generatedMethods.length} (plus ${overlapMethods.length} hand-written methods kept: ${overlapMethods.join(', ')})
- excluded overloads: ${excluded.length}

Calling convention: required arguments are positional; defaulted and keyword-only ones go
into one trailing options object with camelCase names (\`torch.topk(x, 2, { dim: 0, largest: false })\`),
or positionally in schema order (\`torch.topk(x, 2, 0)\`). Tuples come back as arrays. A JS number
passed as a \`Scalar\` is an int when it is integral, else a float. A random op takes a
\`torch.Generator\` in its options (\`torch.bernoulli(p, { generator })\`); without one it draws from the global generator.

## Python-level wrappers

PyTorch defines these \`torch.*\` names in \`torch/functional.py\` over the ATen op; the generated
functions call the ATen op, so their arguments and results follow the schema instead
(e.g. \`torch.unique_consecutive\` returns \`[output, inverse, counts]\`, \`torch.tensordot\` takes
\`dimsSelf, dimsOther\`): ${[...pythonWrapped].filter((n) => generatedFns.includes(camel(n))).sort().map((n) => `\`${n}\``).join(', ')}.

## Ops with no generated overload (${fullyExcluded.length})

| op | reason(s) |
|---|---|
${fullyExcluded.map((n) => {
  const reasons = [...new Set(excluded.filter((x) => x.name === n || x.name.startsWith(`${n}.`)).map((x) => x.why))];
  return `| \`${n}\` | ${reasons.join('; ') || 'no function or method variant'} |`;
}).join('\n')}

## Every excluded overload, by reason

${[...byReason.entries()].sort((a, b) => b[1].length - a[1].length).map(([why, list]) =>
  `### ${why} (${list.length})\n\n${list.map((n) => `\`${n}\``).join(', ')}\n`).join('\n')}`;

const outputs = {
  'ts/generated/functions.ts': fnOut,
  'ts/generated/methods.ts': mOut,
  'docs/OPS.md': md,
};

let stale = [];
for (const [file, text] of Object.entries(outputs)) {
  const full = path.join(ROOT, file);
  const old = fs.existsSync(full) ? fs.readFileSync(full, 'utf8') : null;
  if (check) {
    if (old !== text) stale.push(file);
  } else if (old !== text) {
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
  }
}
if (check) {
  if (stale.length) {
    console.error(`gen-ops: ${stale.join(', ')} differ from what scripts/gen-ops.mjs writes; run \`npm run gen:ops\` and commit them`);
    process.exit(1);
  }
  console.log(`gen-ops: generated ops are up to date (${covered.length}/${allNames.size} ops)`);
} else {
  console.log(`gen-ops: ${covered.length}/${allNames.size} ops covered; ${generatedFns.length} functions, ${generatedMethods.length} methods; ${excluded.length} overloads excluded`);
}
