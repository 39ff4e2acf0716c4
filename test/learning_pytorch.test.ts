// PyTorch's "Learning PyTorch with Examples", ported line for line in
// examples/learning_pytorch/: each program's printed losses and final
// coefficients equal PyTorch 2.11's exactly (test/fixtures/learning_pytorch_fixtures.py).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { polynomialTensor, type PolynomialRun } from '../examples/learning_pytorch/polynomial_tensor';
import { polynomialAutograd } from '../examples/learning_pytorch/polynomial_autograd';
import { polynomialNn } from '../examples/learning_pytorch/polynomial_nn';
import { polynomialOptim } from '../examples/learning_pytorch/polynomial_optim';
import { polynomialModule } from '../examples/learning_pytorch/polynomial_module';
import { dynamicNet } from '../examples/learning_pytorch/dynamic_net';

interface ProgramFixture extends PolynomialRun {
  iterations: number;
}

const fixture = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'learning_pytorch.json'), 'utf8')) as {
  torch_version: string;
  programs: Record<string, ProgramFixture>;
};

const programs: [string, (iterations: number) => PolynomialRun][] = [
  ['polynomial_tensor', polynomialTensor],
  ['polynomial_autograd', polynomialAutograd],
  ['polynomial_nn', polynomialNn],
  ['polynomial_optim', polynomialOptim],
  ['polynomial_module', polynomialModule],
  ['dynamic_net', dynamicNet],
];

describe(`Learning PyTorch with Examples against PyTorch ${fixture.torch_version}`, () => {
  it('has a fixture for every ported program', () => {
    expect(Object.keys(fixture.programs).sort()).toEqual(programs.map(([name]) => name).sort());
  });

  it.each(programs)('%s prints the same losses and ends with the same coefficients, bit for bit', (name, program) => {
    const expected = fixture.programs[name]!;
    const run = program(expected.iterations);
    expect(run.losses).toEqual(expected.losses);
    expect(run.coefficients).toEqual(expected.coefficients);
  }, 120_000);
});
