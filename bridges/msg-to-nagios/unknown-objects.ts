import { writeFileAtomic } from '../../core/files.js';
import type { UnknownObject } from './message-plan.js';

/**
 * Hosts and services that results named but the central Nagios does not
 * define: counted, logged once each, and optionally written as ready-to-paste
 * object definitions (a suggestions file) using the passive templates that
 * `gridmsg nagios-config central` prints.
 */
export const PASSIVE_HOST_TEMPLATE = 'gridmsg-passive-host';
export const PASSIVE_SERVICE_TEMPLATE = 'gridmsg-passive-service';

export class UnknownObjects {
  /** host -> services ('' for the host itself). Bounded by maxObjects. */
  private readonly seen = new Map<string, Set<string>>();
  private size = 0;
  private dirty = false;
  count = 0;

  constructor(
    private readonly maxObjects = 10_000,
    private readonly onFirstSeen: (o: UnknownObject) => void = () => {},
  ) {}

  add(o: UnknownObject): void {
    this.count++;
    let services = this.seen.get(o.host);
    const svc = o.service ?? '';
    if (services?.has(svc)) return;
    if (this.size >= this.maxObjects) return;
    if (services === undefined) this.seen.set(o.host, (services = new Set()));
    services.add(svc);
    this.size++;
    this.dirty = true;
    this.onFirstSeen(o);
  }

  /** Nagios object definitions for everything seen, sorted (stable file content). */
  suggestions(knownHosts: ReadonlySet<string> = new Set()): string {
    const out: string[] = [
      '# Objects that results named but the central Nagios does not define.',
      '# Written by gridmsg msg-to-nagios; review before adding to the Nagios configuration.',
      '',
    ];
    for (const host of [...this.seen.keys()].sort()) {
      if (!knownHosts.has(host)) {
        out.push('define host {', `  use                  ${PASSIVE_HOST_TEMPLATE}`, `  host_name            ${host}`, '}', '');
      }
      for (const svc of [...this.seen.get(host)!].filter((s) => s !== '').sort()) {
        out.push('define service {', `  use                  ${PASSIVE_SERVICE_TEMPLATE}`, `  host_name            ${host}`, `  service_description  ${svc}`, '}', '');
      }
    }
    return out.join('\n');
  }

  /** Rewrites the suggestions file when something new was seen. */
  flush(file: string | undefined, knownHosts?: ReadonlySet<string>): boolean {
    if (file === undefined || !this.dirty) return false;
    writeFileAtomic(file, this.suggestions(knownHosts));
    this.dirty = false;
    return true;
  }
}
