/**
 * Is Nagios running? The spool writer releases check-result files only while
 * it is (Nagios deletes files it finds too old, so files must not pile up
 * while it is stopped). Two ways to ask, either enough:
 *
 * - its query-handler socket (`query_socket`, Nagios 4) accepts a connection:
 *   works however Nagios was started, including in the foreground as
 *   Debian's nagios4.service runs it, which writes no lock file;
 * - the pid in its `lock_file` is alive: written only by a daemon (-d) Nagios.
 */
import fs from 'node:fs';
import net from 'node:net';
import { pidAlive } from '../../core/process.js';

export interface NagiosLivenessProbe {
  /** Nagios' query_socket (Debian: /var/lib/nagios4/rw/nagios.qh). */
  querySocket?: string;
  /** Nagios' lock_file (only a daemon-mode Nagios writes it). */
  lockFile?: string;
  /** Connect timeout for the socket (ms, default 1000). */
  timeoutMs?: number;
}

export type NagiosLiveness = { running: true } | { running: false; reason: string };

/** Asks the socket, then the lock file; with neither configured, Nagios counts as running. */
export async function nagiosLiveness(probe: NagiosLivenessProbe): Promise<NagiosLiveness> {
  const { querySocket, lockFile } = probe;
  if (querySocket === undefined && lockFile === undefined) return { running: true };
  const reasons: string[] = [];
  if (querySocket !== undefined) {
    const err = await connectError(querySocket, probe.timeoutMs ?? 1000);
    if (err === undefined) return { running: true };
    reasons.push(`query socket ${querySocket}: ${err}`);
  }
  if (lockFile !== undefined) {
    const pid = readPid(lockFile);
    if (pid !== undefined && pidAlive(pid)) return { running: true };
    reasons.push(pid === undefined ? `no pid in lock file ${lockFile}` : `pid ${pid} of lock file ${lockFile} is not running`);
  }
  return { running: false, reason: `Nagios is not running (${reasons.join('; ')})` };
}

/** undefined when a connection to the unix socket opens, else why not. */
function connectError(socketPath: string, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: socketPath });
    const done = (why: string | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(why);
    };
    const timer = setTimeout(() => done(`no answer within ${timeoutMs} ms`), timeoutMs);
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code ?? err.message));
  });
}

function readPid(lockFile: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(lockFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
