// What an error message must not be: a JS engine or binding message that
// says neither which argument was wrong nor why (shared by the fuzz campaign
// and the known-bug reproductions in test/fuzz.test.ts).
export const ENGINE_MESSAGES: RegExp[] = [
  /Cannot read propert(y|ies) of (null|undefined)/,
  /Cannot destructure property/,
  /Cannot convert undefined or null to object/,
  /Cannot convert a Symbol value/,
  /Cannot convert a BigInt value/,
  /Cannot mix BigInt and other types/,
  /is not a function/,
  /is not iterable/,
  /is not a constructor/,
  /Create Error reference failed/,
  /Failed to recover `\w+` type from napi value/,
  /Value is not an instance of class `\w+`/,
  /Failed to convert napi value/,
  /Maximum call stack size exceeded/,
  /^undefined$|^null$|^\[object Object\]$/,
];

/** Why `message` fails the "one line that names the problem" rule, or null. */
export function messageProblem(message: string): string | null {
  if (message.trim() === '') return 'empty message';
  if (/[\r\n]/.test(message)) return 'multi-line message';
  const engine = ENGINE_MESSAGES.find((re) => re.test(message));
  return engine ? `engine message (${engine.source})` : null;
}
