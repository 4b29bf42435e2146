/**
 * The rehearsal's central side, written to files: a private Nagios 4 set up
 * with what `gridmsg nagios-config central` prints (passive templates, spool
 * mode settings), one host per site with its services, and a perfdata file
 * the rehearsal reads to see every result Nagios processed (its output is the
 * result's identity); plus the central bridge config that command prints.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { ConsumerClientConfig } from '../../clients/client-config.js';
import { NAGIOS_PLUGINS, nagiosPaths, writeNagiosInstance, type NagiosHost, type NagiosPaths } from '../../bridges/nagios-instance.js';
import { centralBridgeConfig, centralMainConfig, centralObjects, PASSIVE_HOST_TEMPLATE, PASSIVE_SERVICE_TEMPLATE, type CentralSnippetOptions } from '../../bridges/msg-to-nagios/index.js';
import { mainConfigSettings } from '../../demo/central-setup.js';
import { serviceOf } from './result-line.js';
import { siteHost } from './registry.js';

export interface CentralBench {
  nagios: NagiosPaths;
  bridgeConfig: string;
  /** Where the central Nagios writes one line (the plugin output) per result it processed. */
  processedFile: string;
}

export function writeCentralBench(dir: string, consumer: ConsumerClientConfig, consumerFile: string, sites: number, services: number, mode: 'spool' | 'pipe'): CentralBench {
  const nagiosDir = path.join(dir, 'nagios');
  const processedFile = path.join(dir, 'processed');
  const snippet: CentralSnippetOptions = {
    consumer,
    consumerFile,
    mode,
    commandFile: path.join(nagiosDir, 'rw', 'nagios.cmd'),
    checkResultPath: path.join(nagiosDir, 'checkresults'),
    objectCache: path.join(nagiosDir, 'objects.cache'),
    querySocket: nagiosPaths(nagiosDir).querySocket,
    stateDir: path.join(dir, 'bridge-state'),
    freshnessSeconds: 0,
    pluginDir: NAGIOS_PLUGINS,
  };
  const hosts: NagiosHost[] = Array.from({ length: sites }, (_, i) => ({
    name: siteHost(i),
    directives: { use: PASSIVE_HOST_TEMPLATE, contacts: 'nobody' },
    services: Array.from({ length: services }, (_, s) => ({ description: serviceOf(s, services), directives: { use: PASSIVE_SERVICE_TEMPLATE, contacts: 'nobody', notification_interval: '0' } })),
  }));
  const nagios = writeNagiosInstance(nagiosDir, {
    hosts,
    extraMainConfig: {
      ...mainConfigSettings(centralMainConfig(snippet)),
      // The reaper every second (the snippet says 2): the latency goal is 2 s end to end.
      check_result_reaper_frequency: 1,
      max_check_result_reaper_time: 30,
      // Thousands of services: status.dat and retention every second would cost more than the results.
      status_update_interval: 15,
      retain_state_information: 0,
      // The rehearsal's probe: every processed service result written out with its output; the file is flushed every second.
      process_performance_data: 1,
      service_perfdata_file: processedFile,
      service_perfdata_file_template: '$SERVICEOUTPUT$',
      service_perfdata_file_mode: 'a',
      service_perfdata_file_processing_interval: 1,
      service_perfdata_file_processing_command: 'bench_flush_processed',
    },
    extraObjects: `${centralObjects(snippet)}\ndefine command {\n  command_name bench_flush_processed\n  command_line /bin/true\n}\n`,
  });
  const doc = parseDocument(centralBridgeConfig(snippet));
  doc.setIn(['reporting', 'summaryIntervalSeconds'], 5);
  const bridgeConfig = path.join(dir, 'msg-to-nagios.yaml');
  fs.writeFileSync(bridgeConfig, doc.toString({ lineWidth: 0 }));
  return { nagios, bridgeConfig, processedFile };
}
