/**
 * The demo's pure parts: the plan (sites, hosts inside the registry's host
 * patterns, routes), the check commands, the SVG picture, the readers of
 * status.dat / metrics / stats lines, the report and the phase machine.
 */
import test from 'ava';
import path from 'node:path';
import { hostMatcher } from '../../bridges/msg-to-nagios/site-policy.js';
import { demoCheckCommand, expectedOutputPrefix, DEMO_CHECKS } from '../../demo/checks.js';
import { centralHosts, mainConfigSettings } from '../../demo/central-setup.js';
import { escapeXml, renderNetworkSvg } from '../../demo/network-svg.js';
import { lastCentralStats, parseNagiosView, siteBridgeCounts } from '../../demo/observe.js';
import { Interrupted, PhaseMachine, pollUntil, sleep } from '../../demo/phase.js';
import { hostInPattern, planDemo } from '../../demo/plan.js';
import { centralView, hopCounts, hopTable, sitesTable, verdict, type Snapshot } from '../../demo/report.js';
import { siteNagiosHosts } from '../../demo/site-setup.js';
import { buildNetwork, loadRegistry } from '../../topology/index.js';
import { REPO_ROOT } from '../helpers/cli.js';

const registry = loadRegistry(path.join(REPO_ROOT, 'examples', 'registry.yaml'));
const net = buildNetwork(registry);

test('host names are made inside the registry host patterns', (t) => {
  t.is(hostInPattern('*.cern.ch', 'ce01'), 'ce01.cern.ch');
  t.is(hostInPattern('ce??.*.Example.org', 'se01'), 'cexx.se01.example.org');
  t.is(hostInPattern('ce01.example.org', 'se01'), 'ce01.example.org');
  for (const p of ['*.ph.qmul.ac.uk', 'node-*-x.*.org', '?*.a.b']) t.true(hostMatcher([p])(hostInPattern(p, 'ce01')), p);
});

test('the default plan: the consumer reading most sites, one site per pair away from it, routes through the hub', (t) => {
  const plan = planDemo(registry, net);
  t.is(plan.consumer, 'argo-central');
  t.is(plan.consumerPair, 'central');
  t.deepEqual(
    plan.sites.map((s) => [s.name, s.pair, s.route]),
    [
      ['UKI-LT2-QMUL', 'eu-north', ['eu-north', 'central']],
      ['CERN-PROD', 'eu-south', ['eu-south', 'central']],
    ],
  );
  t.is(plan.silentSites.length, registry.sites.length - 2);
  for (const s of plan.sites) {
    const allowed = hostMatcher(s.hostPatterns);
    t.true(s.hosts.every(allowed), `${s.name} hosts ${s.hosts.join(',')} inside ${s.hostPatterns?.join(',')}`);
    t.is(s.checks.length, DEMO_CHECKS.length);
    t.deepEqual([...new Set(s.checks.map((c) => c.state))].sort(), [0, 1, 2, 3], 'every state appears');
  }
});

test('a requested site and consumer are checked against the registry', (t) => {
  const plan = planDemo(registry, net, { consumer: 'ngi-uk', sites: ['RAL-LCG2'] });
  t.deepEqual(plan.sites.map((s) => s.name), ['RAL-LCG2']);
  t.deepEqual(plan.sites[0]!.route, ['eu-north']);
  t.throws(() => planDemo(registry, net, { consumer: 'ngi-uk', sites: ['CERN-PROD'] }), { message: /not read by the demo's consumer/ });
  t.throws(() => planDemo(registry, net, { sites: ['NO-SUCH-SITE'] }), { message: /no site "NO-SUCH-SITE"/ });
  t.throws(() => planDemo(registry, net, { consumer: 'nobody' }), { message: /no consumer "nobody"/ });
  // A site without host patterns (an NGI Nagios) reports on example hosts.
  const ngi = planDemo(registry, net, { sites: ['NGI_HR'] }).sites[0]!;
  t.deepEqual(ngi.hosts, ['ce01.ngi-hr.example.org', 'se01.ngi-hr.example.org']);
});

test('check commands carry state, text and perfdata; Nagios syntax characters are refused', (t) => {
  t.is(demoCheckCommand({ state: 1, text: 'cert expires in 12 days', perfdata: 'days=12' }), 'gridmsg_demo_check!1!cert expires in 12 days! | days=12');
  t.is(demoCheckCommand({ state: 0, text: 'fine', perfdata: '' }), 'gridmsg_demo_check!0!fine!');
  t.throws(() => demoCheckCommand({ state: 0, text: 'a!b', perfdata: '' }));
  t.throws(() => demoCheckCommand({ state: 0, text: 'cost $5', perfdata: '' }));
  t.is(expectedOutputPrefix({ state: 2, text: 'down' }), 'CRITICAL: down (run at ');
});

test('site Nagios objects: active checks on the planned hosts, no host results; central objects are passive in site hostgroups', (t) => {
  const plan = planDemo(registry, net);
  const site = plan.sites[0]!;
  const hosts = siteNagiosHosts(site, 5);
  t.deepEqual(hosts.map((h) => h.name), site.hosts);
  t.is(hosts.flatMap((h) => h.services).length, site.checks.length);
  t.true(hosts.every((h) => h.directives?.['process_perf_data'] === '0'));
  t.true(hosts.flatMap((h) => h.services).every((s) => s.checkCommand?.startsWith('gridmsg_demo_check!') && s.directives?.['check_interval'] === '5'));
  const central = centralHosts(plan);
  t.is(central.length, plan.sites.reduce((n, s) => n + s.hosts.length, 0));
  t.true(central.every((h) => h.directives?.['use'] === 'gridmsg-passive-host' && /^site-/.test(h.directives['hostgroups'] ?? '')));
  t.true(central.flatMap((h) => h.services).every((s) => s.checkCommand === undefined && s.directives?.['use'] === 'gridmsg-passive-service'));
  t.deepEqual(mainConfigSettings('# comment\ncheck_external_commands=1\n\nillegal_object_name_chars=`~!$%^&*|\'"<>?,()\n'), {
    check_external_commands: '1',
    illegal_object_name_chars: '`~!$%^&*|\'"<>?,()',
  });
});

test('the SVG shows every pair, broker, consumer and site, one arrow per connector, demo links highlighted, text escaped', (t) => {
  const svg = renderNetworkSvg(registry, net, { sites: ['CERN-PROD'], consumer: 'argo-central' });
  t.true(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg '));
  t.true(svg.trimEnd().endsWith('</svg>'));
  for (const p of registry.pairs) t.true(svg.includes(`data-pair="${p.name}"`), p.name);
  for (const b of registry.brokers) t.true(svg.includes(`>${b.name} `) || svg.includes(`>${b.name}<`), b.name);
  for (const s of registry.sites) t.true(svg.includes(`data-site="${escapeXml(s.name)}"`), s.name);
  for (const c of registry.consumers) t.true(svg.includes(`consumer ${c.name}`), c.name);
  t.is(svg.match(/<line class="link"/g)?.length, net.links.length);
  const used = [...svg.matchAll(/<line class="link" data-link="([^"]+)"[^>]*arrow-used/g)].map((m) => m[1]);
  t.deepEqual(used, ['bridge.eu-south.central']);
  // Balanced elements: every opened <g>, <svg>, <defs> is closed.
  for (const tag of ['g', 'svg', 'defs']) t.is(svg.split(`<${tag}`).length - 1, svg.split(`</${tag}>`).length - 1, tag);
  t.is(escapeXml(`a<b>&"c'`), 'a&lt;b&gt;&amp;&quot;c&apos;');
});

const STATUS = `info {
	created=1795254000
}
programstatus {
	active_service_checks_enabled=0
	active_scheduled_service_check_stats=3,12,40
	active_ondemand_service_check_stats=0,0,1
	passive_service_check_stats=0,0,7
}
servicestatus {
	host_name=ce01.cern.ch
	service_description=org.sam.SRM-Put
	check_type=1
	current_state=2
	plugin_output=CRITICAL: put failed (run at 09:46:09)
	long_plugin_output=
	last_check=1795254090
}
`;

test('status.dat, metrics and the central stats line are read into counts', (t) => {
  const v = parseNagiosView(STATUS, 5);
  t.deepEqual(v.program, { activeServiceChecks: 41, passiveServiceChecks: 7, activeServiceChecksEnabled: false });
  t.is(v.services.get('ce01.cern.ch;org.sam.SRM-Put')?.currentState, 2);
  t.deepEqual(
    siteBridgeCounts(
      '# HELP x\ngridmsg_bridge_lines_read_total 12\ngridmsg_bridge_results_spooled_total 11\ngridmsg_bridge_results_receipted_total 10\ngridmsg_bridge_messages_receipted_total 3\ngridmsg_bridge_spool_records 1\ngridmsg_bridge_connected 1\n',
    ),
    { linesRead: 12, spooled: 11, receipted: 10, messagesReceipted: 3, spoolRecords: 1, connected: true },
  );
  const log = [
    '{"level":"info","message":"consuming","queues":15}',
    '{"level":"info","message":"stats","messages":2,"records":9,"submitted":9,"rejected":0,"duplicates":0,"stale":0,"unknown":0,"inFlight":0,"timestamp":"2026-11-21T09:46:00.000Z"}',
    'not json "stats"',
    '{"level":"info","message":"stats","messages":3,"records":12,"submitted":11,"rejected":1,"duplicates":0,"stale":0,"unknown":0,"inFlight":1,"timestamp":"2026-11-21T09:46:02.000Z"}',
    '',
  ].join('\n');
  t.like(lastCentralStats(log), { messages: 3, records: 12, submitted: 11, rejected: 1, inFlight: 1, at: Date.parse('2026-11-21T09:46:02.000Z') });
  t.is(lastCentralStats('{"message":"consuming"}\n'), undefined);
});

test('the report: hop counts, sites, central view and verdict from one snapshot', (t) => {
  const plan = planDemo(registry, net, { sites: ['CERN-PROD'] });
  const site = plan.sites[0]!;
  const services = new Map(
    site.checks.slice(0, 4).map((c, i) => [
      `${c.host};${c.service}`,
      { host: c.host, service: c.service, currentState: i === 3 ? 0 : c.state, pluginOutput: `${c.text}`, longPluginOutput: '', lastCheck: 1000, checkType: 1 },
    ]),
  );
  const snap: Snapshot = {
    at: 1_005_000,
    sites: [{ site, nagios: { program: { activeServiceChecks: 20, passiveServiceChecks: 0, activeServiceChecksEnabled: true }, services: new Map(), writtenAt: 0 }, bridge: { linesRead: 20, spooled: 20, receipted: 18, messagesReceipted: 4, spoolRecords: 2, connected: true } }],
    centralBridge: { messages: 4, records: 18, submitted: 18, rejected: 0, duplicates: 0, stale: 0, unknown: 0, inFlight: 0, at: 0 },
    centralNagios: { program: { activeServiceChecks: 0, passiveServiceChecks: 17, activeServiceChecksEnabled: true }, services, writtenAt: 0 },
  };
  t.deepEqual(hopCounts(snap), { siteChecks: 20, read: 20, spooled: 20, receipted: 18, receiptedMessages: 4, consumed: 18, consumedMessages: 4, submitted: 18, centralResults: 17 });
  t.regex(hopTable(snap, plan), /brokers receipted\s+18\s+4 messages/);
  t.regex(sitesTable(snap, plan), /CERN-PROD\s+eu-south > central\s+20\s+18\s+4\/5, newest 5 s ago/);
  const view = centralView(snap, plan);
  t.regex(view, /se01\.cern\.ch\s+org\.sam\.SRM-Ls\s+PENDING\s+no result yet/);
  t.regex(view, /ce01\.cern\.ch\s+org\.sam\.CE-CertLifetime\s+WARNING\s+5 s ago/);
  const v = verdict(snap, plan);
  t.false(v.ok);
  t.is(v.arrived, 4);
  t.deepEqual(v.missing, ['se01.cern.ch;org.sam.SRM-Ls']);
  t.deepEqual(v.wrongState, ['se01.cern.ch;org.sam.SRM-Put is OK, its check returns CRITICAL']);
});

test('the phase machine allows the demo order and stopping from anywhere, nothing else', (t) => {
  const m = new PhaseMachine();
  for (const p of ['brokers', 'central', 'sites', 'flowing', 'draining', 'reporting', 'stopping', 'done'] as const) m.to(p);
  t.deepEqual(m.history, ['preparing', 'brokers', 'central', 'sites', 'flowing', 'draining', 'reporting', 'stopping', 'done']);
  t.throws(() => m.to('stopping'), { message: /done cannot go to stopping/ });
  const early = new PhaseMachine();
  t.false(early.can('flowing'));
  t.throws(() => early.to('flowing'));
  early.to('stopping');
  early.to('done');
  t.is(early.phase, 'done');
});

test('waits end with Interrupted as soon as the signal aborts', async (t) => {
  const abort = new AbortController();
  const waiting = sleep(60_000, abort.signal);
  abort.abort();
  await t.throwsAsync(waiting, { instanceOf: Interrupted });
  await t.throwsAsync(pollUntil(() => undefined, 60_000, 10, abort.signal), { instanceOf: Interrupted });
  t.is(await pollUntil(() => 'x', 1000, 10, new AbortController().signal), 'x');
});
