/**
 * How a metric of a given role becomes a Nagios service description, like
 * the grid tools did: an explicit mapping per metric, then an optional suffix
 * per role, so results from different sources (a site's own probes, the
 * NGI's, the central ones) do not collide on one service.
 */
export interface RoleNaming {
  /** Appended to the service description, e.g. `-ngi`. */
  suffix?: string;
  /** metricName -> service description (before the suffix). */
  mapping?: Record<string, string>;
}

export interface NamingRules {
  /** Applies to every role unless the role has its own entry. */
  default?: RoleNaming;
  roles?: Record<string, RoleNaming>;
  /** Roles accepted; absent = any role. */
  allowedRoles?: string[];
}

/** The Nagios service description of a metric reported by a source of `role`. */
export function serviceName(rules: NamingRules, metricName: string, role: string | undefined): string {
  const own = role !== undefined ? rules.roles?.[role] : undefined;
  const mapped = own?.mapping?.[metricName] ?? rules.default?.mapping?.[metricName] ?? metricName;
  const suffix = own?.suffix ?? rules.default?.suffix ?? '';
  return `${mapped}${suffix}`;
}

/** True when results of this role are accepted. */
export function roleAllowed(rules: NamingRules, role: string | undefined): boolean {
  if (rules.allowedRoles === undefined) return true;
  return role !== undefined && rules.allowedRoles.includes(role);
}
