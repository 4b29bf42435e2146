/**
 * systemd unit files as data, rendered deterministically (pure). Values are
 * escaped for unit-file syntax: `%` (specifiers) doubled, and command-line
 * words quoted when they hold white space or quotes.
 */
export type UnitEntry = [key: string, value: string] | { comment: string };

export interface UnitFile {
  /** Comment lines at the top. */
  header: string[];
  unit: UnitEntry[];
  service: UnitEntry[];
  install: UnitEntry[];
}

/** One word of an Exec*= line. */
export function execWord(word: string): string {
  const escaped = word.replaceAll('%', '%%');
  if (escaped !== '' && !/[\s"'\\;$]/.test(escaped)) return escaped;
  return `"${escaped.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('$', '$$$$')}"`;
}

/** An Exec*= value from its words. */
export const execLine = (words: readonly string[]): string => words.map(execWord).join(' ');

/** A space-separated path list (ReadWritePaths=, RequiresMountsFor=): paths with spaces are quoted. */
export const pathList = (paths: readonly string[]): string => [...new Set(paths)].map((p) => (/\s/.test(p) ? `"${p.replaceAll('%', '%%')}"` : p.replaceAll('%', '%%'))).join(' ');

function section(name: string, entries: UnitEntry[]): string[] {
  const out = [`[${name}]`];
  for (const e of entries) out.push(Array.isArray(e) ? `${e[0]}=${e[1]}` : `# ${e.comment}`);
  return out;
}

export function renderUnit(u: UnitFile): string {
  return [...u.header.map((h) => `# ${h}`.trimEnd()), ...section('Unit', u.unit), '', ...section('Service', u.service), '', ...section('Install', u.install), ''].join('\n');
}

/**
 * Sandboxing shared by every gridmsg service: the process may write only its
 * ReadWritePaths, sees no home directories, no devices, no other /tmp, gets
 * no new privileges and no capabilities (unless `capabilities` are given).
 * MemoryDenyWriteExecute is deliberately absent: the JVM and Node.js compile
 * code at run time (JIT) and need writable code pages.
 */
export function hardening(readWritePaths: readonly string[], capabilities: readonly string[] = []): UnitEntry[] {
  const caps = capabilities.join(' ');
  return [
    { comment: 'Sandbox (docs/deploy.md): write access only below ReadWritePaths.' },
    ['NoNewPrivileges', 'yes'],
    ['ProtectSystem', 'strict'],
    ['ReadWritePaths', pathList(readWritePaths)],
    ['ProtectHome', 'yes'],
    ['PrivateTmp', 'yes'],
    ['PrivateDevices', 'yes'],
    ['ProtectKernelTunables', 'yes'],
    ['ProtectKernelModules', 'yes'],
    ['ProtectKernelLogs', 'yes'],
    ['ProtectControlGroups', 'yes'],
    ['ProtectClock', 'yes'],
    ['ProtectHostname', 'yes'],
    ['RestrictAddressFamilies', 'AF_INET AF_INET6 AF_UNIX'],
    ['RestrictNamespaces', 'yes'],
    ['RestrictRealtime', 'yes'],
    ['RestrictSUIDSGID', 'yes'],
    ['LockPersonality', 'yes'],
    ['SystemCallArchitectures', 'native'],
    ['CapabilityBoundingSet', caps],
    ...(caps ? ([['AmbientCapabilities', caps]] as UnitEntry[]) : []),
    ['UMask', '0027'],
    { comment: 'No MemoryDenyWriteExecute: the JIT compiler (JVM, Node.js) needs writable code pages.' },
  ];
}
