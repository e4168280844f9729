/**
 * Stopping a command that writes a capture on SIGINT, SIGTERM or SIGHUP (what Ctrl-C, `timeout`,
 * systemd, container runtimes, CI runners and a closed terminal send).
 *
 * `guardWriting()` installs one handler for the three signals. The first signal aborts `guard.signal`
 * (reason: the signal's name); the writing loops check it between chunks (they yield to the event
 * loop often enough for the handler to run), stop handing packets to the writer and close it, so the
 * file is a valid capture holding every packet handed over. The command then calls `guard.finish`,
 * which prints one line ("interrupted by SIGTERM: 1234 packets written to f.pcapng") and exits with
 * 128 + the signal's number, as a shell reports a process its signal ended. A second signal does not
 * wait: the capture writers are flushed synchronously (whole records only) and the process exits.
 * SIGKILL cannot be caught: the writers only ever append whole buffers, so the damage is at most one
 * partial record at the end, which `info`, `decode` and `convert` read past (see `allowCutShortTail`).
 */
import { constants } from 'node:os';
import { flushOpenCaptureWritersSync } from '../capture/writer.js';

export type StopSignalName = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
export const STOP_SIGNALS: readonly StopSignalName[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** 128 + the signal's number: the exit code a shell shows for a process ended by it. */
export function exitCodeForSignal(name: StopSignalName): number {
  return 128 + constants.signals[name];
}

export interface StopGuard {
  /** Aborted by the first stop signal; `reason` is its name. Pass it to the writing loop. */
  readonly signal: AbortSignal;
  /** The stop signal received, if any. */
  readonly received: StopSignalName | undefined;
  /**
   * Call when the writer is closed. First lets a signal that came during synchronous work reach its
   * handler; after a stop signal, prints one line saying how many packets `target` holds and exits
   * with 128 + the signal's number. Otherwise removes the handlers and resolves.
   */
  finish(packets: number, target: string): Promise<void>;
  /** Removes the handlers (no exit). */
  release(): void;
}

let active: StopGuard | undefined;

function stopLine(name: StopSignalName, packets: number, target: string): string {
  return `interrupted by ${name}: ${packets} packet${packets === 1 ? '' : 's'} written to ${target}\n`;
}

/** Installs the stop-signal handlers for a writing command (one guard at a time). */
export function guardWriting(): StopGuard {
  active?.release();
  const controller = new AbortController();
  let received: StopSignalName | undefined;
  const onSignal = (name: NodeJS.Signals): void => {
    const stop = name as StopSignalName;
    if (received !== undefined) {
      // Asked twice: no more waiting for the loop. Whole records only, then out.
      flushOpenCaptureWritersSync();
      process.exit(exitCodeForSignal(stop));
    }
    received = stop;
    controller.abort(stop);
  };
  for (const name of STOP_SIGNALS) process.on(name, onSignal);
  const release = (): void => {
    for (const name of STOP_SIGNALS) process.removeListener(name, onSignal);
    if (active === guard) active = undefined;
  };
  const guard: StopGuard = {
    signal: controller.signal,
    get received() {
      return received;
    },
    async finish(packets, target) {
      // Two turns of the loop: an immediate queued from the poll phase runs before the next poll,
      // one queued from the check phase after it, so a signal caught by now reaches its handler.
      await yieldToEventLoop();
      await yieldToEventLoop();
      release();
      if (received === undefined) return;
      process.stderr.write(stopLine(received, packets, target));
      process.exit(exitCodeForSignal(received));
    },
    release,
  };
  active = guard;
  return guard;
}

/** Lets pending I/O and signal handlers run (a writing loop calls it between chunks). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
