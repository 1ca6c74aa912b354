import { Command, CommanderError, Option } from 'commander';
import type { CliIo } from './cli-io.js';
import { ExitCode, type ExitCodeValue } from './exit-code.js';
import { registerCommands } from './commands/register-commands.js';
import { CommandContext, type GlobalFlags } from './internal/context.js';
import { exitCodesHelp } from './internal/describe.js';
import { describeError } from './internal/format-error.js';
import { toJsonValue } from './json-value.js';

/** The version the CLI reports. */
const VERSION = '0.1.0';

const JSON_HELP = `JSON output (--json):
  Exactly one JSON document on stdout, nothing else there; messages and progress go to stderr.
  Without --json, read commands (datoms, pull, log, info) print their results on stdout.
    { "ok": true, "command": "info", "exitCode": 0, "result": { ... } }
    { "ok": false, "command": "info", "exitCode": 1, "error": { "code", "message", "hint", "data" } }
  Keywords are ":ns/name" strings, bigints and big decimals strings, instants ISO strings,
  bytes base64; each command's --help shows its result.`;

/** Builds the `datomkit` command tree for one run. */
function buildProgram(ctx: CommandContext): Command {
  const program = new Command('datomkit');
  program
    .description('Create, inspect, migrate and clone datomkit databases. Databases are URIs: file:./path or a plain path (durable, local files), postgres://user@host/dbname?name=music (durable, PostgreSQL), mem://name (in-process).')
    .version(VERSION, '-V, --version', 'print the version')
    .addOption(new Option('--json', 'print one JSON document on stdout, nothing else'))
    .addOption(new Option('--debug', 'show stack traces of errors'))
    .addOption(new Option('-q, --quiet', 'no human output or progress on stderr (errors still print)'))
    .addOption(new Option('--color', 'force colours on stderr'))
    .addOption(new Option('--no-color', 'no colours (NO_COLOR works too)'))
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
      // Usage errors are printed by run(), on one line, with a hint.
      outputError: () => {},
    });
  program.addHelpText(
    'after',
    () =>
      `\nExamples:\n  $ datomkit create file:./data/music\n  $ datomkit transact file:./data/music schema.edn\n  $ datomkit info file:./data/music --json\n  $ datomkit norm apply file:./data/music ./migrations\n\n${JSON_HELP}\n\n${exitCodesHelp(program)}\n`,
  );
  registerCommands(program, ctx);
  return program;
}

function flagsOf(program: Command): GlobalFlags {
  const o = program.opts<{ json?: boolean; debug?: boolean; quiet?: boolean; color?: boolean }>();
  return { json: o.json === true, debug: o.debug === true, quiet: o.quiet === true, color: o.color };
}

/** Flags as written, for errors raised before commander has parsed them. */
function rawFlags(argv: readonly string[]): GlobalFlags {
  const before = argv.indexOf('--');
  const args = before === -1 ? argv : argv.slice(0, before);
  return {
    json: args.includes('--json'),
    debug: args.includes('--debug'),
    quiet: args.includes('--quiet') || args.includes('-q'),
    color: args.includes('--no-color') ? false : args.includes('--color') ? true : undefined,
  };
}

function usageMessage(err: CommanderError): string {
  return err.message
    .replace(/^error:\s*/i, '')
    .replace(/\s*\n\s*/g, ' ')
    .trim();
}

/**
 * Runs the `datomkit` command line in this process and resolves to its exit code (see
 * {@link ExitCode}); it never calls `process.exit`. `main` is this with the process's streams and
 * Ctrl-C wired to `io.signal`.
 *
 * @example
 * ```ts
 * const out = new PassThrough(), err = new PassThrough()
 * const code = await run(['create', 'mem://music', '--json'], { stdout: out, stderr: err })
 * ```
 */
export async function run(argv: readonly string[], io: CliIo): Promise<ExitCodeValue> {
  let program: Command | null = null;
  let parsed = false;
  const flags = (): GlobalFlags => (program !== null && parsed ? flagsOf(program) : rawFlags(argv));
  const ctx = new CommandContext(io, flags, io.signal ?? new AbortController().signal, argv);
  program = buildProgram(ctx);
  program.hook('preAction', (_root, action) => {
    parsed = true;
    const names: string[] = [];
    for (let c: Command | null = action; c !== null && c.parent !== null; c = c.parent) names.unshift(c.name());
    ctx.command = names.join(' ');
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' && err.exitCode === 0) {
        return ExitCode.ok;
      }
      // A group without its subcommand shows the group's help on stderr: a usage error.
      if (err.code === 'commander.help' || err.code === 'commander.executeSubCommandAsync') {
        return report(ctx, {
          code: 'cli/usage',
          message: `${['datomkit', ...argv.filter((a) => !a.startsWith('-'))].join(' ')} needs a ${argv.length === 0 ? 'command' : 'subcommand'} (listed above)`,
          hint: 'Run `datomkit <command> --help` for one.',
          exitCode: ExitCode.usage,
          data: {},
        }, err);
      }
      return report(ctx, {
        code: 'cli/usage',
        message: usageMessage(err),
        hint: 'Run `datomkit --help` for the commands, or `datomkit <command> --help` for one.',
        exitCode: ExitCode.usage,
        data: { commanderCode: err.code },
      }, err);
    }
    return report(ctx, describeError(err), err);
  }
}

function report(
  ctx: CommandContext,
  e: { code: string; message: string; hint: string | null; exitCode: ExitCodeValue; data: Readonly<Record<string, unknown>> },
  err: unknown,
): ExitCodeValue {
  const flags = ctx.flags;
  if (flags.json) {
    ctx.writeJson({
      ok: false,
      command: ctx.command,
      exitCode: e.exitCode,
      error: { code: e.code, message: e.message, hint: e.hint, data: toPlainData(e.data) },
    });
  }
  const c = ctx.colors;
  const label = e.exitCode === ExitCode.interrupted ? c.yellow('interrupted') : c.red(c.bold('error'));
  const hint = e.hint === null ? '' : ` ${c.dim('→')} ${e.hint}`;
  ctx.io.stderr.write(`${label} ${c.bold(e.code)}: ${e.message}${hint}\n`);
  if (flags.debug && err instanceof Error && err.stack !== undefined) ctx.io.stderr.write(`${err.stack}\n`);
  return e.exitCode;
}

function toPlainData(data: Readonly<Record<string, unknown>>): unknown {
  try {
    return toJsonValue(data);
  } catch {
    return {};
  }
}
