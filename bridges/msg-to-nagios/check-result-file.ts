import crypto from 'node:crypto';
import { escapeOutput, fitEscapedOutput } from './output-text.js';
import type { PreparedResult } from './types.js';

/**
 * The check-result spool file format Nagios 4 reads from check_result_path
 * (process_check_result_file): `key=value` lines, `#` comments, a blank line
 * between results, output escaped onto one line (`\n`, `\\`). Nagios only
 * reads a file `cXXXXXX` once `cXXXXXX.ok` exists, then deletes both.
 */

/** First line of every file the bridge writes: lets it find its own orphans. */
export function spoolMarker(instanceId: string): string {
  return `### gridmsg msg-to-nagios ${instanceId} ###`;
}

/** Spool file contents for a list of results. `now` (epoch s) becomes file_time. */
export function formatCheckResultFile(results: readonly PreparedResult[], instanceId: string, now: number, maxOutputBytes: number): string {
  const out: string[] = [spoolMarker(instanceId), `file_time=${Math.floor(now)}`, ''];
  for (const r of results) {
    const ts = Math.floor(r.timestamp);
    out.push(r.kind === 'service' ? '### Nagios Service Check Result ###' : '### Nagios Host Check Result ###');
    out.push(`host_name=${r.host}`);
    if (r.kind === 'service') out.push(`service_description=${r.service ?? ''}`);
    out.push(
      'check_type=1',
      'check_options=0',
      'scheduled_check=0',
      'reschedule_check=0',
      'latency=0.0',
      `start_time=${ts}.0`,
      `finish_time=${ts}.0`,
      'early_timeout=0',
      'exited_ok=1',
      `return_code=${r.code}`,
      `output=${fitEscapedOutput(escapeOutput(r.output), maxOutputBytes).text}`,
      '',
    );
  }
  return out.join('\n');
}

const NAME_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random `cXXXXXX` name (the mkstemp pattern Nagios expects: 7 characters, starting with `c`). */
export function randomSpoolName(): string {
  const bytes = crypto.randomBytes(6);
  let name = 'c';
  for (const b of bytes) name += NAME_CHARS[b % NAME_CHARS.length];
  return name;
}

/** True for a name Nagios treats as a check-result file. */
export function isSpoolName(name: string): boolean {
  return name.length === 7 && name.startsWith('c') && !name.includes('.');
}
