/**
 * A parsed result line plus the bridge's context → a MetricRecord. Pure.
 */
import { isoTimestamp, statusWord, type MetricRecord } from '../format/index.js';
import type { ResultLine } from './line.js';

export interface MappingContext {
  /** Site of the bridge (client config), used when no SITE_NAME custom variable is set. */
  siteName: string;
  role: string;
  nagiosName: string;
  /** Host name of the Nagios machine. */
  gatheredAt: string;
  voName: string;
  serviceFlavour: string;
  /** Metric name of host results without a METRIC_NAME custom variable. */
  hostMetricName: string;
  /** Clock (epoch seconds) for lines without a usable time. */
  now: () => number;
}

/** The first non-empty value. */
function pick(a: string | undefined, b: string | undefined, c = ''): string {
  return a ? a : b ? b : c;
}

function epoch(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n > 0 ? n : undefined;
}

export type Mapped = { ok: true; record: MetricRecord; hostGroups: string[]; service: string } | { ok: false; error: string };

export function toRecord(line: ResultLine, ctx: MappingContext): Mapped {
  const f = line.fields;
  const status = statusWord(line.kind, f.STATE ?? '');
  if (status === undefined) return { ok: false, error: `state "${f.STATE ?? ''}" is not a ${line.kind} state` };
  const time = epoch(f.CHECKTIME) ?? epoch(f.TIMET) ?? ctx.now();
  const hostName = f.HOST!;
  const service = line.kind === 'service' ? f.SERVICE! : '';
  const stateType = f.STATETYPE === 'SOFT' || f.STATETYPE === '0' ? 'SOFT' : 'HARD';
  return {
    ok: true,
    service,
    hostGroups: f.HOSTGROUPS ? f.HOSTGROUPS.split(',').map((g) => g.trim()).filter((g) => g !== '') : [],
    record: {
      kind: line.kind,
      serviceURI: pick(f.URI, f.HOSTURI, hostName),
      hostName,
      serviceFlavour: pick(f.FLAVOUR, f.HOSTFLAVOUR, ctx.serviceFlavour),
      siteName: pick(f.SITE, f.HOSTSITE, ctx.siteName),
      metricStatus: status,
      metricName: pick(f.METRIC, line.kind === 'service' ? service : ctx.hostMetricName),
      summaryData: f.OUTPUT ?? '',
      detailsData: f.LONGOUTPUT ?? '',
      perfData: f.PERFDATA ?? '',
      gatheredAt: ctx.gatheredAt,
      timestamp: isoTimestamp(time),
      nagiosName: ctx.nagiosName,
      role: ctx.role,
      voName: pick(f.VO, f.HOSTVO, ctx.voName),
      stateType,
    },
  };
}
