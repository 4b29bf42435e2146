/** Messages between the rehearsal (parent) and its site-bridge worker processes (IPC). */
import type { Burst } from './tally.js';

export interface WorkerSite {
  index: number;
  name: string;
  host: string;
  /** The localized site client config (dev network state). */
  clientConfig: string;
  /** Directory for its input file, spool and bridge config. */
  dir: string;
}

export interface WorkerSetup {
  sites: WorkerSite[];
  /** Results per second per site, written as one burst per second. */
  rate: number;
  services: number;
}

export type ToWorker =
  | { type: 'generate'; run: string; durationMs: number }
  | { type: 'stats' }
  | { type: 'shutdown' };

export interface WorkerSiteStats {
  site: number;
  generated: number;
  bursts: Burst[];
  receipted: number;
  spoolRecords: number;
  connected: boolean;
}

export type FromWorker =
  | { type: 'ready'; pid: number }
  /** writerCpuSeconds: CPU the worker spent writing the sites' result lines (playing their Nagios), not bridge work. */
  | { type: 'generated'; run: string; sites: WorkerSiteStats[]; writerCpuSeconds: number }
  | { type: 'stats'; sites: Array<Omit<WorkerSiteStats, 'bursts'>>; rssMb: number; hwmMb: number }
  | { type: 'failed'; error: string }
  | { type: 'stopped' };
