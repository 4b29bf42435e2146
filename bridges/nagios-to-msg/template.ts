/**
 * The result-line format gridmsg asks Nagios to write (perfdata file
 * template) and the OCSP/OCHP handler appends: one line per result,
 * tab-separated `LABEL::value` fields, first field `GRIDMSG1::SERVICE` or
 * `GRIDMSG1::HOST`.
 *
 * Perfdata-file lines (`GRIDMSG1`) carry Nagios' macro values verbatim: a tab
 * inside a value is recognised because the next token does not start with a
 * known, not yet seen `LABEL::`. Nagios escapes the long output itself
 * (`\n` for a newline, `\\` for a backslash).
 * Handler lines (`GRIDMSG1E`) escape every value: `\\`, `\t`, `\n`, `\r`.
 */
import type { CheckKind } from '../format/index.js';

export const LINE_MARKER = 'GRIDMSG1';
export const ESCAPED_LINE_MARKER = 'GRIDMSG1E';

/** Field labels, in template order. */
export const LABELS = [
  'TIMET',
  'CHECKTIME',
  'HOST',
  'SERVICE',
  'STATE',
  'STATETYPE',
  'ATTEMPT',
  'HOSTGROUPS',
  'SITE',
  'HOSTSITE',
  'URI',
  'HOSTURI',
  'FLAVOUR',
  'HOSTFLAVOUR',
  'VO',
  'HOSTVO',
  'METRIC',
  'OUTPUT',
  'PERFDATA',
  'LONGOUTPUT',
] as const;
export type Label = (typeof LABELS)[number];

/** Custom variables a site may set on hosts and services (name in the object definition, without the `_`). */
export const CUSTOM_VARIABLES = {
  SITE_NAME: 'site name (registry name); default: the site of the bridge client config',
  SERVICE_URI: 'URI of the grid service the check is about; default: the host name',
  SERVICE_FLAVOUR: 'service flavour (e.g. CREAM-CE, SRM, ARC-CE); default: defaults.serviceFlavour or empty',
  VO_NAME: 'VO the check ran for (e.g. ops); default: defaults.voName or empty',
  METRIC_NAME: 'metric name; default: the service description (host results: defaults.hostMetricName)',
} as const;

type MacroTable = Partial<Record<Label, string>>;

/** Nagios macro for each label, per check kind. Service custom variables fall back to host ones. */
export function templateMacros(kind: CheckKind): MacroTable {
  if (kind === 'service') {
    return {
      TIMET: '$TIMET$',
      CHECKTIME: '$LASTSERVICECHECK$',
      HOST: '$HOSTNAME$',
      SERVICE: '$SERVICEDESC$',
      STATE: '$SERVICESTATE$',
      STATETYPE: '$SERVICESTATETYPE$',
      ATTEMPT: '$SERVICEATTEMPT$',
      HOSTGROUPS: '$HOSTGROUPNAMES$',
      SITE: '$_SERVICESITE_NAME$',
      HOSTSITE: '$_HOSTSITE_NAME$',
      URI: '$_SERVICESERVICE_URI$',
      HOSTURI: '$_HOSTSERVICE_URI$',
      FLAVOUR: '$_SERVICESERVICE_FLAVOUR$',
      HOSTFLAVOUR: '$_HOSTSERVICE_FLAVOUR$',
      VO: '$_SERVICEVO_NAME$',
      HOSTVO: '$_HOSTVO_NAME$',
      METRIC: '$_SERVICEMETRIC_NAME$',
      OUTPUT: '$SERVICEOUTPUT$',
      PERFDATA: '$SERVICEPERFDATA$',
      LONGOUTPUT: '$LONGSERVICEOUTPUT$',
    };
  }
  return {
    TIMET: '$TIMET$',
    CHECKTIME: '$LASTHOSTCHECK$',
    HOST: '$HOSTNAME$',
    STATE: '$HOSTSTATE$',
    STATETYPE: '$HOSTSTATETYPE$',
    ATTEMPT: '$HOSTATTEMPT$',
    HOSTGROUPS: '$HOSTGROUPNAMES$',
    HOSTSITE: '$_HOSTSITE_NAME$',
    HOSTURI: '$_HOSTSERVICE_URI$',
    HOSTFLAVOUR: '$_HOSTSERVICE_FLAVOUR$',
    HOSTVO: '$_HOSTVO_NAME$',
    METRIC: '$_HOSTMETRIC_NAME$',
    OUTPUT: '$HOSTOUTPUT$',
    PERFDATA: '$HOSTPERFDATA$',
    LONGOUTPUT: '$LONGHOSTOUTPUT$',
  };
}

/** `service_perfdata_file_template` / `host_perfdata_file_template` value (with `\t` as Nagios wants it). */
export function perfdataTemplate(kind: CheckKind): string {
  const macros = templateMacros(kind);
  const fields = [`${LINE_MARKER}::${kind === 'service' ? 'SERVICE' : 'HOST'}`];
  for (const label of LABELS) {
    const macro = macros[label];
    if (macro !== undefined) fields.push(`${label}::${macro}`);
  }
  return fields.join('\\t');
}

/** Environment variable Nagios sets for a macro (`$_SERVICESITE_NAME$` → `NAGIOS__SERVICESITE_NAME`). */
export function macroEnvironmentVariable(macro: string): string {
  return `NAGIOS_${macro.slice(1, -1)}`;
}
