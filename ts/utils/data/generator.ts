// torch.utils.data takes `torch.Generator`s (ts/generator.ts); re-exported
// here so `torch.utils.data.Generator` keeps working.
export { Generator } from '../../generator';
