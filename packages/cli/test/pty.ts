import { execFileSync, spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** True when tmux is installed; the pseudo-terminal tests need it (CI must install it). */
export const HAS_TMUX = spawnSync('tmux', ['-V'], { encoding: 'utf8' }).status === 0;

/** The name of the placeholder test shown, as skipped, when tmux is missing. */
export const NO_TMUX = 'pseudo-terminal test skipped: tmux is not installed (apt-get install -y tmux); the tests install nothing themselves';

/**
 * A command running in a detached tmux session on its own server socket: a real pseudo-terminal,
 * so stderr is a TTY, and `C-c` goes through the terminal driver as a real Ctrl-C.
 */
export class TmuxSession {
  readonly #socket: string;
  readonly #name = 'datomkit';

  constructor(command: string, cwd: string) {
    this.#socket = `datomkit-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    execFileSync('tmux', ['-L', this.#socket, '-f', '/dev/null', 'new-session', '-d', '-s', this.#name, '-x', '160', '-y', '40', '-c', cwd, 'bash', '--norc', '--noprofile']);
    this.send(`${command}; echo "EXIT=$?"`, 'Enter');
  }

  /** Types keys into the terminal (tmux key names such as `C-c` and `Enter`). */
  send(...keys: string[]): void {
    execFileSync('tmux', ['-L', this.#socket, 'send-keys', '-t', this.#name, ...keys]);
  }

  /** What the terminal shows now. */
  screen(): string {
    return execFileSync('tmux', ['-L', this.#socket, 'capture-pane', '-p', '-J', '-t', this.#name], { encoding: 'utf8' });
  }

  /** Polls the screen until `test` matches it; fails after `timeoutMs`. */
  async waitFor(test: RegExp, timeoutMs = 30_000, intervalMs = 25): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.screen().match(test);
      if (m !== null) return m;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${test} on the terminal:\n${this.screen()}`);
      await sleep(intervalMs);
    }
  }

  kill(): void {
    spawnSync('tmux', ['-L', this.#socket, 'kill-server']);
  }
}
