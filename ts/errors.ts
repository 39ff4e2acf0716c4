// The error every failing torchts call throws: a one-line message, with
// libtorch's full text (C++ trace included) kept in `detail`.
import { native } from './native';

export type TorchErrorCode = 'TORCH_ERROR' | 'INVALID_ARGUMENT' | 'ABORT_ERR' | 'CALLBACK_ERROR' | 'BUSY' | 'DISPOSED';

export class TorchError extends Error {
  override name = 'TorchError';
  /** Where the error came from: libtorch itself, or an argument check. */
  readonly code: TorchErrorCode;
  /** libtorch's whole message, when it had more than the first line. */
  readonly detail: string;

  constructor(message: string, code: TorchErrorCode = 'INVALID_ARGUMENT', detail = message) {
    super(message);
    this.code = code;
    this.detail = detail;
  }
}

/** Argument checks made in TypeScript, where libtorch's message would be cryptic. */
export function argumentError(message: string): TorchError {
  return new TorchError(message, 'INVALID_ARGUMENT');
}

// Native calls build their errors through this, so they are TorchErrors too.
native.registerErrorFactory((code, message, detail) => new TorchError(message, code as TorchErrorCode, detail));
