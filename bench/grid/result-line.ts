/**
 * What a simulated site's Nagios writes (pure): one perfdata-file line per
 * result in the format `gridmsg nagios-config site` asks Nagios for, whose
 * plugin output carries the result's identity and the time it was written:
 * `bench <run> <site index> <seq> <written at, epoch ms>`. At the central end
 * the central Nagios writes that output back out (its own perfdata file), so
 * every result Nagios processed can be told apart.
 */
import { LINE_MARKER } from '../../bridges/nagios-to-msg/index.js';

export interface ResultId {
  run: string;
  site: number;
  seq: number;
  writtenAt: number;
}

export function serviceOf(seq: number, services: number): string {
  return `bench.probe-${seq % services}`;
}

export function resultLine(host: string, service: string, id: ResultId): string {
  const t = Math.floor(id.writtenAt / 1000);
  return [
    `${LINE_MARKER}::SERVICE`,
    `TIMET::${t}`,
    `CHECKTIME::${t}`,
    `HOST::${host}`,
    `SERVICE::${service}`,
    'STATE::OK',
    'STATETYPE::HARD',
    'ATTEMPT::1',
    'HOSTGROUPS::',
    'SITE::$_SERVICESITE_NAME$',
    'HOSTSITE::$_HOSTSITE_NAME$',
    'URI::$_SERVICESERVICE_URI$',
    `OUTPUT::bench ${id.run} ${id.site} ${id.seq} ${id.writtenAt}`,
    'PERFDATA::',
    'LONGOUTPUT::',
  ].join('\t');
}

const OUTPUT = /^bench (\S+) (\d+) (\d+) (\d+)$/;

/** The identity in a plugin output, or undefined for anything else. */
export function parseOutput(output: string): ResultId | undefined {
  const m = OUTPUT.exec(output.trim());
  return m ? { run: m[1]!, site: Number(m[2]), seq: Number(m[3]), writtenAt: Number(m[4]) } : undefined;
}
