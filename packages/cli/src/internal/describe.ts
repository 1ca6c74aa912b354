import type { Command } from 'commander';

/** What exit code 3 means for each command that can end with it, by command. */
const PROBLEMS = new WeakMap<Command, string>();

/** The command's name as typed after `datomkit`, e.g. `norm status`. */
function pathOf(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c !== null && c.parent !== null; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function commandsOf(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...commandsOf(c)]);
}

/**
 * The exit codes, as the top-level help lists them: exit code 3 with each command that can end
 * with it and what it means there, read from the commands' own help so that the two agree.
 *
 * @example
 * ```ts
 * program.addHelpText('after', () => exitCodesHelp(program))
 * ```
 */
export function exitCodesHelp(program: Command): string {
  const problems = commandsOf(program)
    .filter((c) => PROBLEMS.has(c))
    .map((c) => `       ${pathOf(c)}: ${PROBLEMS.get(c)}`);
  return [
    'Exit codes:',
    '  0    ok',
    '  1    the operation failed (the error code says why)',
    '  2    usage error (unknown command or option, missing argument)',
    '  3    a check found problems, only from these commands:',
    ...problems,
    '  130  interrupted by Ctrl-C after a clean stop (the message says how to resume)',
  ].join('\n');
}

/**
 * What a command's help shows besides its options: examples, the shape of its `--json` result, what
 * exit code 3 means for it (if it checks something), and how to go on after Ctrl-C.
 *
 * @example
 * ```ts
 * describeCommand(cmd, { examples: ['datomkit info file:./data/music'], json: '{ id, basisT }' })
 * ```
 */
export interface CommandHelp {
  readonly examples: readonly string[];
  /** The `result` of the `--json` document. */
  readonly json: string;
  /** When the command exits 3, e.g. `a norm is pending`. */
  readonly problems?: string;
  /** What to do after Ctrl-C stopped it. */
  readonly interrupted?: string;
}

/**
 * Appends examples, the `--json` shape and the exit codes to a command's `--help`.
 *
 * @example
 * ```ts
 * describeCommand(program.command('create <db>'), { examples: ['datomkit create file:./data/music'], json: '{ uri, created }' })
 * ```
 */
export function describeCommand(cmd: Command, help: CommandHelp): Command {
  const lines = ['', 'Examples:', ...help.examples.map((e) => `  $ ${e}`), ''];
  lines.push('--json prints { ok, command, exitCode, result } on stdout, where result is:', `  ${help.json}`);
  lines.push('and on failure { ok: false, command, exitCode, error: { code, message, hint, data } }.', '');
  lines.push('Exit codes:', '  0    ok', '  1    the operation failed (the error code says why)', '  2    usage error');
  if (help.problems !== undefined) {
    lines.push(`  3    ${help.problems}`);
    PROBLEMS.set(cmd, help.problems);
  }
  lines.push(`  130  stopped by Ctrl-C${help.interrupted === undefined ? '' : `: ${help.interrupted}`}`, '');
  cmd.addHelpText('after', lines.join('\n'));
  return cmd;
}
