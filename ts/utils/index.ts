// torch.utils: for now the data-loading package, `torch.utils.data`.
export * as data from './data';
