// Objects that are called as Python calls them: `model(x)`, `scriptModule(x)`,
// `package(x)`. A class instance cannot be called in JavaScript, so such an
// instance is a function whose prototype is its class's; fields, methods and
// `instanceof` work as on any instance. Calling it runs its `call` method.

/**
 * A callable object with `prototype` and no fields yet (a constructor, or a
 * deep copy, fills them). Its class must define `call(...args)`.
 */
export function callableObject(prototype: object): object {
  const callable = (...args: unknown[]): unknown => Reflect.apply((callable as unknown as { call: (...a: unknown[]) => unknown }).call, callable, args);
  // A function's own `length` and `name` would shadow a subclass's (ModuleList's length).
  Reflect.deleteProperty(callable, 'length');
  Reflect.deleteProperty(callable, 'name');
  Object.setPrototypeOf(callable, prototype);
  return callable;
}

/**
 * Extend this (directly, so that the subclass's own fields are initialised on
 * the returned function) and define `call(...args)`; declare the call
 * signature with an interface of the subclass's name.
 */
export abstract class CallableInstance {
  constructor() {
    return callableObject(new.target.prototype);
  }
}
