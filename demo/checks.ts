/**
 * The handful of checks every demo site runs: check_dummy with fixed states
 * (one of each, so the central view shows OK, WARNING, CRITICAL and UNKNOWN)
 * and outputs that carry the time Nagios ran them, so a fresh result is
 * visibly fresh at the central end. Pure data.
 */
export type CheckState = 0 | 1 | 2 | 3;

export const STATE_WORDS = ['OK', 'WARNING', 'CRITICAL', 'UNKNOWN'] as const;

export interface DemoCheckTemplate {
  /** Which of the site's demo hosts runs it. */
  host: 'ce' | 'se';
  service: string;
  state: CheckState;
  /** Plugin text (check_dummy prints `<STATE>: <text>`); no `!`, `$`, `"` or `;` (Nagios argument syntax). */
  text: string;
  /** Performance data after the `|`, or empty. */
  perfdata: string;
}

export const DEMO_CHECKS: readonly DemoCheckTemplate[] = [
  { host: 'ce', service: 'org.sam.CE-JobSubmit', state: 0, text: 'test job submitted and finished in 41 s', perfdata: 'time=41s' },
  { host: 'ce', service: 'org.sam.CE-CertLifetime', state: 1, text: 'host certificate expires in 12 days', perfdata: 'days=12' },
  { host: 'ce', service: 'org.sam.CE-InfoPublished', state: 3, text: 'resource BDII did not answer within 10 s', perfdata: '' },
  { host: 'se', service: 'org.sam.SRM-Put', state: 2, text: 'put of a 1 MB test file failed: connection refused by port 8446', perfdata: '' },
  { host: 'se', service: 'org.sam.SRM-Ls', state: 0, text: 'listed the test directory in 0.4 s', perfdata: 'time=0.4s' },
];

/** Nagios command the demo checks use: check_dummy with the run time appended (the `$TIME$` macro). */
export const DEMO_CHECK_COMMAND = 'gridmsg_demo_check';

export function demoCheckCommandDefinition(pluginDir: string): string {
  return `define command {\n  command_name ${DEMO_CHECK_COMMAND}\n  command_line ${pluginDir}/check_dummy $ARG1$ "$ARG2$ (run at $TIME$)$ARG3$"\n}\n`;
}

/** The check_command of a demo check: `gridmsg_demo_check!state!text! | perfdata`. */
export function demoCheckCommand(check: Pick<DemoCheckTemplate, 'state' | 'text' | 'perfdata'>): string {
  for (const part of [check.text, check.perfdata]) {
    if (/[!$";\\]/.test(part)) throw new Error(`demo check text ${JSON.stringify(part)} holds a character Nagios would read as syntax`);
  }
  return `${DEMO_CHECK_COMMAND}!${check.state}!${check.text}!${check.perfdata === '' ? '' : ` | ${check.perfdata}`}`;
}

/** What the plugin prints for a check, before the run time: `WARNING: host certificate ...`. */
export function expectedOutputPrefix(check: Pick<DemoCheckTemplate, 'state' | 'text'>): string {
  return `${STATE_WORDS[check.state]}: ${check.text} (run at `;
}
