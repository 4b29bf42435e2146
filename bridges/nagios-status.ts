/**
 * Parser for Nagios' status.dat (the only reliable view of current state:
 * nagios.log shows the previous state on passive results).
 */
export interface StatusBlock {
  type: string;
  fields: Record<string, string>;
}

export interface ServiceStatus {
  host: string;
  service: string;
  currentState: number;
  pluginOutput: string;
  longPluginOutput: string;
  lastCheck: number;
  checkType: number;
}

/** Splits status.dat text into its `type { key=value ... }` blocks. */
export function parseStatusBlocks(text: string): StatusBlock[] {
  const blocks: StatusBlock[] = [];
  let current: StatusBlock | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (current === undefined) {
      const m = /^(\w+)\s*\{$/.exec(line);
      if (m) current = { type: m[1]!, fields: {} };
      continue;
    }
    if (line === '}') {
      blocks.push(current);
      current = undefined;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) current.fields[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return blocks;
}

/** All servicestatus blocks, keyed `host;service`. */
export function parseServiceStatus(text: string): Map<string, ServiceStatus> {
  const out = new Map<string, ServiceStatus>();
  for (const b of parseStatusBlocks(text)) {
    if (b.type !== 'servicestatus') continue;
    const f = b.fields;
    const s: ServiceStatus = {
      host: f['host_name'] ?? '',
      service: f['service_description'] ?? '',
      currentState: Number(f['current_state'] ?? -1),
      pluginOutput: f['plugin_output'] ?? '',
      longPluginOutput: f['long_plugin_output'] ?? '',
      lastCheck: Number(f['last_check'] ?? 0),
      checkType: Number(f['check_type'] ?? 0),
    };
    out.set(`${s.host};${s.service}`, s);
  }
  return out;
}
