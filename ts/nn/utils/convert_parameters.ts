// torch.nn.utils.parameters_to_vector / vector_to_parameters.
import { Tensor } from '../../tensor';
import { cat } from '../../ops';
import { noGrad } from '../../autograd';
import { argumentError } from '../../errors';
import { describe } from '../../validate';

/** PyTorch refuses parameters spread over devices (its TypeError). */
function checkSameDevice(params: Tensor[]): void {
  const first = params[0] && String(params[0].device);
  if (params.some((p) => String(p.device) !== first)) {
    throw argumentError('Found two parameters on different devices, this is currently not supported.');
  }
}

/** Every parameter flattened and concatenated, in order (differentiable, as in PyTorch). */
export function parametersToVector(parameters: Iterable<Tensor>): Tensor {
  const params = [...parameters];
  checkSameDevice(params);
  return cat(params.map((p) => p.view(-1)));
}

/**
 * Writes consecutive slices of `vec` into the parameters, in order. (PyTorch
 * rebinds `param.data` to a view of `vec`; here the values are copied in, so
 * the parameters do not alias `vec`.)
 */
export function vectorToParameters(vec: Tensor, parameters: Iterable<Tensor>): void {
  if (!(vec instanceof Tensor)) throw argumentError(`expected torch.Tensor, but got: ${describe(vec)}`);
  const params = [...parameters];
  checkSameDevice(params);
  let pointer = 0;
  noGrad(() => {
    for (const param of params) {
      const count = param.numel();
      param.copy_(vec.slice(0, pointer, pointer + count).view(param.shape));
      pointer += count;
    }
  });
}
