/**
 * Plugin output as the Nagios plugin guidelines define it:
 *
 *   TEXT OUTPUT | OPTIONAL PERFDATA
 *   LONG TEXT LINE 1
 *   LONG TEXT LINE 2 | PERFDATA LINE 2
 *   PERFDATA LINE 3
 *
 * The first `|` of the first line starts that line's perfdata; in the long
 * text, the first line holding a `|` ends the long text and everything after
 * that `|` (and every following line) is perfdata. Mirrors Nagios' own split.
 */
export interface PluginOutput {
  /** First line, before its `|`, trimmed. */
  summary: string;
  /** Long output lines (without the perfdata part), joined by `\n`. */
  longOutput: string;
  /** All perfdata, space-joined. */
  perfData: string;
}

export function parsePluginOutput(raw: string): PluginOutput {
  const text = raw.replace(/\r\n/g, '\n');
  const nl = text.indexOf('\n');
  const firstLine = nl < 0 ? text : text.slice(0, nl);
  const rest = nl < 0 ? undefined : text.slice(nl + 1);
  const perf: string[] = [];
  const bar = firstLine.indexOf('|');
  const summary = (bar < 0 ? firstLine : firstLine.slice(0, bar)).trim();
  if (bar >= 0) perf.push(firstLine.slice(bar + 1).trim());
  let longOutput = '';
  if (rest !== undefined) {
    const bar2 = rest.indexOf('|');
    if (bar2 < 0) {
      longOutput = rest;
    } else {
      longOutput = rest.slice(0, bar2);
      perf.push(
        rest
          .slice(bar2 + 1)
          .split('\n')
          .map((l) => l.trim())
          .join(' ')
          .trim(),
      );
    }
  }
  return { summary, longOutput: longOutput.replace(/\n+$/, ''), perfData: perf.filter((p) => p !== '').join(' ') };
}

/** The raw plugin output that parses back into these parts (what a passive result submits). */
export function formatPluginOutput(parts: PluginOutput): string {
  let out = parts.summary;
  if (parts.perfData !== '') out += ' | ' + parts.perfData;
  if (parts.longOutput !== '') out += '\n' + parts.longOutput;
  return out;
}
