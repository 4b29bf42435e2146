import type { ConsumerQueue } from '../../clients/client-config.js';

/**
 * Who may report what. The queue a message came from names the site (the
 * brokers only let that site write it); a message whose destination, header
 * or record names another site is refused, and so is a record whose host is
 * outside the site's `hosts` patterns.
 */

/** A glob (`*` any run, `?` one character, case-insensitive, as DNS names are) as a RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

/** Compiled host patterns of a queue; absent patterns allow any host. */
export function hostMatcher(patterns: readonly string[] | undefined): (host: string) => boolean {
  if (patterns === undefined) return () => true;
  const cached = compiled.get(patterns);
  if (cached !== undefined) return cached;
  const re = patterns.length === 0 ? /(?!)/ : new RegExp(patterns.map((p) => globToRegExp(p).source).join('|'), 'i');
  const match = (host: string): boolean => re.test(host);
  compiled.set(patterns, match);
  return match;
}

/** Matchers per pattern list (a queue's list object lives as long as its configuration). */
const compiled = new WeakMap<readonly string[], (host: string) => boolean>();

/** Site names in destinations have dots turned to `_` (registry naming scheme). */
export function destinationSiteToken(site: string): string {
  return site.replace(/\./g, '_');
}

/**
 * True when a message's destination belongs to the queue's site: it is the
 * queue itself, or a destination whose last dot-separated part is the site's
 * token (the topic the site published to, as ActiveMQ may report it).
 */
export function destinationMatchesSite(destination: string, queue: ConsumerQueue): boolean {
  if (destination === queue.destination) return true;
  const name = destination.replace(/^\/(queue|topic)\//, '');
  const last = name.slice(name.lastIndexOf('.') + 1);
  return last === destinationSiteToken(queue.site);
}

/** Site names compare exactly (they are registry identifiers). */
export function sameSite(claimed: string | undefined, site: string): boolean {
  return claimed === undefined || claimed === site;
}
