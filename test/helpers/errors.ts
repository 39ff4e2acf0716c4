// What bad input must give: a TorchError with a one-line message.
import { expect } from 'vitest';
import { TorchError } from '../../ts/errors';

/** The TorchError `fn` throws, checked to be one line; fails the test when `fn` returns. */
export function thrownTorchError(fn: () => unknown): TorchError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TorchError);
    expect((err as Error).message).not.toContain('\n');
    return err as TorchError;
  }
  throw new Error('expected a throw');
}
