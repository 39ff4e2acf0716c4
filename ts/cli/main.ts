// The `torchts` command.
import path from 'node:path';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { UsageError } from './args';

const HELP = `Usage: torchts <command> [options]

Commands:
  circles            train the PyTorch two-circles tutorial (torchts circles --help)
  doctor             versions, where libtorch was found, devices, and a self-test
  install-libtorch   download libtorch 2.11.0 (CPU) into the per-user cache;
                     --cuda adds the CUDA build (~3 GB), loaded at run time on NVIDIA machines;
                     --force installs again
  help               this help

Environment:
  TORCHTS_LIBTORCH        a libtorch 2.11.0 directory to use instead of the per-user cache
  TORCHTS_CUDA_LIBTORCH   a CUDA libtorch 2.11.0 lib directory (holding libtorch_cuda.so)
  TORCHTS_PYTHON          the Python whose torch 2.11.0 may serve as libtorch
  TORCHTS_DISABLE_CUDA    set to skip loading CUDA
`;

function packageRoot(): string {
  // dist/cli.cjs → the package root one level up.
  return path.resolve(__dirname, '..');
}

function version(): string {
  try {
    return JSON.parse(fs.readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')).version as string;
  } catch {
    return 'unknown';
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(HELP);
      return command === undefined ? 1 : 0;
    case '--version':
    case '-v':
      process.stdout.write(`${version()}\n`);
      return 0;
    case 'install-libtorch': {
      const { values } = parseArgs({ args: rest, strict: true, options: { force: { type: 'boolean' }, cuda: { type: 'boolean' } } });
      const force = values.force ?? false;
      const script = pathToFileURL(path.join(packageRoot(), 'scripts', 'install-libtorch.mjs')).href;
      const installer = (await import(script)) as {
        installLibtorch: (o: { force: boolean }) => Promise<string>;
        installCudaLibtorch: (o: { force: boolean }) => string;
      };
      if (values.cuda) process.stdout.write(`${installer.installCudaLibtorch({ force })}\n`);
      process.stdout.write(`${await installer.installLibtorch({ force })}\n`);
      return 0;
    }
    case 'circles': {
      const { circlesCommand } = await import('./circles');
      return circlesCommand(rest);
    }
    case 'doctor': {
      parseArgs({ args: rest, strict: true, options: {} });
      const { doctorCommand } = await import('./doctor');
      return doctorCommand(version());
    }
    default:
      throw new UsageError(`unknown command '${command}'`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError || (err instanceof Error && 'code' in err && String((err as { code: unknown }).code).startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(`torchts: ${err.message}\nRun 'torchts help' for usage.\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`torchts: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  },
);
