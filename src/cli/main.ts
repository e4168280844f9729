#!/usr/bin/env node
/**
 * The pktcraft command line. The only place that prints or exits: user errors (a bad spec, flag,
 * file or field) become one line on stderr and exit code 2; anything else is a bug and shows its stack.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { isUserError } from '../core/errors.js';
import { commands } from './commands.js';

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
};

/** A file the user named cannot be opened: one line, not a stack trace. */
function fileErrorLine(error: unknown): string | undefined {
  const { code, path } = (error ?? {}) as { code?: unknown; path?: unknown };
  if (typeof code !== 'string' || typeof path !== 'string' || !FILE_ERRORS[code]) return undefined;
  return `${path}: ${FILE_ERRORS[code]}`;
}

function failWithUserError(error: unknown): never {
  if (isUserError(error)) {
    process.stderr.write(`pktcraft: ${error.message}\n`);
    process.exit(2);
  }
  const fileLine = fileErrorLine(error);
  if (fileLine) {
    process.stderr.write(`pktcraft: ${fileLine}\n`);
    process.exit(2);
  }
  throw error;
}

async function main(): Promise<void> {
  const cli = yargs(hideBin(process.argv))
    .scriptName('pktcraft')
    .usage(
      '$0 <command> [options]\n\nCraft, decode, capture and inject packets. Run `$0 <command> --help` for a command.',
    )
    .strict()
    .demandCommand(1, 'give a command (see --help)')
    .recommendCommands()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((message, error) => {
      if (error) failWithUserError(error);
      process.stderr.write(`pktcraft: ${message}\n`);
      process.exit(2);
    })
    .help()
    .alias('h', 'help')
    .version();
  for (const command of commands) cli.command(command);
  try {
    await cli.parseAsync();
  } catch (error) {
    failWithUserError(error);
  }
}

await main();
