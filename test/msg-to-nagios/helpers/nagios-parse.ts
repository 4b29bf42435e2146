/**
 * Test-side models of how Nagios 4 reads what the bridge writes, written from
 * Nagios' own parsing rules (process_external_command1 with my_strtok,
 * unescape_check_result_output, mmap_fgets_multiline, process_check_result_file).
 * Used to check that whatever the bridge writes reads back as intended.
 */

export interface ParsedResult {
  time?: number;
  command?: string;
  host: string;
  service?: string;
  code: number;
  output: string;
}

/** Nagios' unescape_check_result_output. */
export function nagiosUnescape(raw: string): string {
  let out = '';
  for (let x = 0; x < raw.length; x++) {
    if (raw[x] === '\\' && raw[x + 1] === '\\') {
      x++;
      out += '\\';
    } else if (raw[x] === '\\' && raw[x + 1] === 'n') {
      x++;
      out += '\n';
    } else out += raw[x];
  }
  return out;
}

/** my_strtok: like strtok but without skipping leading delimiters. Returns [token, rest]. */
function myStrtok(s: string, delim: string): [string, string | undefined] {
  const i = s.indexOf(delim);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/** One command line as Nagios reads it (without the newline), or undefined when Nagios would refuse it. */
export function parseCommandLine(line: string): ParsedResult | undefined {
  const cmd = line.replace(/[\s]+$/, ''); // strip()
  const [, afterBracket] = myStrtok(cmd, '[');
  if (afterBracket === undefined) return undefined;
  const [ts, afterTs] = myStrtok(afterBracket, ']');
  if (afterTs === undefined) return undefined;
  const [cmdToken, args] = myStrtok(afterTs, ';');
  const command = cmdToken.slice(1);
  const a = args ?? '';
  if (command === 'PROCESS_SERVICE_CHECK_RESULT') {
    const [host, r1] = myStrtok(a, ';');
    if (r1 === undefined) return undefined;
    const [service, r2] = myStrtok(r1, ';');
    if (r2 === undefined) return undefined;
    const [code, r3] = myStrtok(r2, ';');
    return { time: Number(ts), command, host, service, code: Number.parseInt(code, 10), output: nagiosUnescape(r3 ?? '') };
  }
  if (command === 'PROCESS_HOST_CHECK_RESULT') {
    const [host, r1] = myStrtok(a, ';');
    if (r1 === undefined) return undefined;
    const [code, r2] = myStrtok(r1, ';');
    return { time: Number(ts), command, host, code: Number.parseInt(code, 10), output: nagiosUnescape(r2 ?? '') };
  }
  return { time: Number(ts), command, host: '', code: -1, output: '' };
}

/** All lines of a command stream, parsed. */
export function parseCommandStream(text: string): Array<ParsedResult | undefined> {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map(parseCommandLine);
}

/** mmap_fgets_multiline over a whole file: logical lines, continuation rules included. */
function multilineLines(text: string): string[] {
  const physical = text.split(/(?<=\n)/); // keep the newlines
  const out: string[] = [];
  let i = 0;
  while (i < physical.length) {
    let buf = '';
    for (;;) {
      const tmp = physical[i++];
      if (tmp === undefined) break;
      buf += tmp;
      const len = buf.length;
      let end: number;
      if (len >= 2 && buf[len - 2] === '\r') end = len - 3;
      else if (len >= 1 && buf[len - 1] === '\n') end = len - 2;
      else end = len - 1;
      if (end >= 1 && buf[end - 1] === '\\' && buf[end] === '\\') {
        buf = buf.slice(0, end) + '\n';
        break;
      } else if (end > 0 && buf[end] === '\\') {
        buf = buf.slice(0, end);
      } else break;
    }
    out.push(buf);
  }
  return out;
}

/** process_check_result_file: the results Nagios takes from a check-result file. */
export function parseCheckResultFile(text: string): ParsedResult[] {
  const results: ParsedResult[] = [];
  let cr: Partial<ParsedResult> & { type?: 'service' | 'host' } = {};
  const finish = (): void => {
    if (cr.host !== undefined && cr.output !== undefined) {
      const r: ParsedResult = { host: cr.host, code: cr.code ?? 0, output: cr.output };
      if (cr.service !== undefined) r.service = cr.service;
      if (cr.time !== undefined) r.time = cr.time;
      results.push(r);
    }
    cr = {};
  };
  for (const input of multilineLines(text)) {
    if (input.startsWith('#')) continue;
    if (input.startsWith('\n')) {
      finish();
    }
    const eq = input.indexOf('=');
    if (eq < 0) continue;
    const variable = input.slice(0, eq);
    if (eq + 1 >= input.length) continue; // my_strtok returns NULL at the end of the string
    const nl = input.indexOf('\n', eq + 1);
    const val = nl < 0 ? input.slice(eq + 1) : input.slice(eq + 1, nl);
    if (variable === 'host_name') cr.host = val;
    else if (variable === 'service_description') cr.service = val;
    else if (variable === 'return_code') cr.code = Number.parseInt(val, 10);
    else if (variable === 'start_time') cr.time = Number.parseInt(val, 10);
    else if (variable === 'output') cr.output = nagiosUnescape(val);
  }
  finish();
  return results;
}
