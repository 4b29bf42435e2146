/**
 * The real demo, end to end, through the built CLI (what `make demo` runs):
 * real ActiveMQ brokers of the example registry, real site and central
 * Nagios, both bridges as child processes. Results must reach the central
 * Nagios' status.dat; Ctrl-C (SIGINT) at any moment must leave nothing of the
 * demo running. Build first: npx tsc -p .
 */
import test, { type ExecutionContext } from 'ava';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseServiceStatus } from '../../bridges/nagios-status.js';
import { expectedOutputPrefix } from '../../demo/checks.js';
import { planDemo } from '../../demo/plan.js';
import { buildNetwork, loadRegistry } from '../../topology/index.js';
import { CLI, REPO_ROOT } from '../helpers/cli.js';
import { tempDir } from '../helpers/tmp.js';

const EXAMPLE = path.join(REPO_ROOT, 'examples', 'registry.yaml');

interface DemoProcess {
  pid: number;
  output: () => string;
  /** Exit code, or the signal name. */
  exited: Promise<number | string>;
  waitFor: (re: RegExp) => Promise<void>;
}

/** Runs the built CLI (as the demo's printed commands do) and collects its output. */
function runBuilt(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function startDemo(args: string[]): DemoProcess {
  const child = spawn(process.execPath, [CLI, 'demo', '--registry', EXAMPLE, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  const append = (d: Buffer): void => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout.on('data', append);
  child.stderr.on('data', append);
  const exited = new Promise<number | string>((resolve) => child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return {
    pid: child.pid!,
    output: () => out,
    exited,
    // Waits for output, or for the demo to end without it (the assertions that follow then say what happened).
    waitFor: (re) =>
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (re.test(out)) {
            listeners.delete(check);
            resolve();
          }
        };
        listeners.add(check);
        void exited.then(() => {
          listeners.delete(check);
          resolve();
        });
        check();
      }),
  };
}

/** Every process whose command line names `dir` (brokers, Nagios, bridges all run from files under it). */
function processesNaming(dir: string): string[] {
  const found: string[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmd.includes(dir)) found.push(`${e}: ${cmd}`);
    } catch {
      /* gone */
    }
  }
  return found;
}

function killLeftovers(dir: string): void {
  for (const line of processesNaming(dir)) {
    try {
      process.kill(Number(line.split(':')[0]), 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

function setup(t: ExecutionContext, prefix: string): string {
  const tmp = tempDir(prefix);
  const state = path.join(tmp.dir, 'state');
  t.teardown(() => {
    // Only if the demo failed to clean up after itself: the assertions below will have said so.
    killLeftovers(tmp.dir);
    tmp.cleanup();
  });
  return state;
}

test.serial('the demo runs end to end: every demo service reaches the central Nagios status.dat with its state, nothing is left running', async (t) => {
  const state = setup(t, 'gridmsg-demo-e2e-');
  const demo = startDemo(['--state', state, '--duration', '10']);
  const code = await demo.exited;
  const out = demo.output();
  t.is(code, 0, out);
  t.regex(out, /RESULT: all 10 services of 2 sites reached the central Nagios/);
  t.regex(out, /nothing the demo started is left running/);
  t.deepEqual(processesNaming(state), []);

  // The central Nagios' own status.dat (copied just before it stopped): a passive result for every demo service.
  const registry = loadRegistry(EXAMPLE);
  const plan = planDemo(registry, buildNetwork(registry));
  const central = parseServiceStatus(fs.readFileSync(path.join(state, 'snapshots', 'central-status.dat'), 'utf8'));
  for (const c of plan.sites.flatMap((s) => s.checks)) {
    const s = central.get(`${c.host};${c.service}`);
    t.truthy(s, `${c.host};${c.service} at the central Nagios`);
    if (!s) continue;
    t.is(s.checkType, 1, 'a passive result');
    t.true(s.lastCheck > 0);
    t.is(s.currentState, c.state, `${c.host};${c.service} state`);
    t.true(s.pluginOutput.startsWith(expectedOutputPrefix(c)), `${c.host};${c.service}: ${s.pluginOutput}`);
  }
  // And what each site Nagios last ran is what the central one shows (the checks were stopped, the last results let through).
  for (const site of plan.sites) {
    const own = parseServiceStatus(fs.readFileSync(path.join(state, 'snapshots', `site-${site.name}-status.dat`), 'utf8'));
    for (const c of site.checks) t.is(central.get(`${c.host};${c.service}`)?.pluginOutput, own.get(`${c.host};${c.service}`)?.pluginOutput, `${c.host};${c.service} newest result`);
  }

  // Per-hop counts: what the brokers receipted is what the central Nagios took, and not zero.
  const hop = (label: string): number => Number(new RegExp(`${label}\\s+(\\d+)`).exec(out)?.[1] ?? NaN);
  const receipted = hop('brokers receipted');
  t.true(receipted >= 10, out);
  t.is(hop('site Nagios ran service checks'), receipted);
  t.is(hop('central Nagios took passive results'), receipted);

  // The network picture.
  const svg = fs.readFileSync(path.join(state, 'network.svg'), 'utf8');
  t.true(svg.startsWith('<?xml') && svg.trimEnd().endsWith('</svg>'));
  for (const s of plan.sites) t.true(svg.includes(`data-site="${s.name}"`));
  t.regex(out, new RegExp(`network picture: ${state.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/network\\.svg`));
});

for (const [when, marker, untilBroker] of [
  ['while the brokers start', /\[1\/4\] starting/, true],
  ['while results flow', /\[4\/4\] results flowing/, false],
] as const) {
  test.serial(`Ctrl-C ${when}: the demo stops everything it started and exits 130`, async (t) => {
    const state = setup(t, 'gridmsg-demo-int-');
    const demo = startDemo(['--state', state, '--duration', '600']);
    await demo.waitFor(marker);
    if (untilBroker) {
      // Until at least one broker process exists.
      await new Promise<void>((resolve) => {
        const poll = setInterval(() => {
          if (processesNaming(state).some((p) => p.includes('-Dactivemq.base='))) {
            clearInterval(poll);
            resolve();
          }
        }, 100);
        void demo.exited.then(() => {
          clearInterval(poll);
          resolve();
        });
      });
    }
    t.true(processesNaming(state).length > 0, `the demo had started processes: ${demo.output()}`);
    process.kill(demo.pid, 'SIGINT');
    const code = await demo.exited;
    const out = demo.output();
    t.is(code, 130, out);
    t.regex(out, /interrupted \(during (brokers|flowing)\)/);
    t.regex(out, /nothing the demo started is left running/);
    t.deepEqual(processesNaming(state), [], 'no broker, Nagios or bridge of the demo is left');
    t.regex(out, new RegExp(`state kept in ${state.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
  });
}

test.serial('--keep-running: the report, then everything runs until Ctrl-C, which ends it with exit 0 and nothing left', async (t) => {
  const state = setup(t, 'gridmsg-demo-keep-');
  const demo = startDemo(['--state', state, '--duration', '5', '--keep-running']);
  await demo.waitFor(/Everything keeps running until Ctrl-C/);
  // The commands it suggests come in the lines after that one.
  await demo.waitFor(/^  node bin\/gridmsg\.js check-network .*\n/m);
  t.regex(demo.output(), /RESULT: /);
  // Still running after the report: brokers, both Nagios and the three bridges.
  const running = processesNaming(state);
  t.true(running.some((p) => p.includes('-Dactivemq.base=')), 'brokers run');
  // (Nagios 4 runs as two processes per instance, plus workers.)
  const nagiosConfigs = new Set(running.flatMap((p) => /\S+\/nagios\.cfg/.exec(p)?.[0] ?? []));
  t.is(nagiosConfigs.size, 3, 'three Nagios run (two sites, central)');
  t.is(running.filter((p) => / (nagios-to-msg|msg-to-nagios) --config /.test(p)).length, 3, 'three bridges run');

  // The commands it prints work on the TLS-only example: status asks every broker with the monitoring
  // certificate and reads the three bridges' endpoints; check-network probes every path.
  const printed = (what: string): string[] => {
    const line = new RegExp(`^  node bin/gridmsg\\.js (${what} .*)$`, 'm').exec(demo.output())?.[1];
    t.truthy(line, `the demo prints a ${what} command`);
    return (line ?? what).split(' ');
  };
  const status = await runBuilt([...printed('status'), '--format', 'json']);
  t.is(status.code, 0, status.stdout + status.stderr);
  const report = JSON.parse(status.stdout) as { pairs: Array<{ state: string; brokers: Array<{ role: string; endpoint: string }> }>; bridges: Array<{ kind: string; running?: boolean; spoolFiles?: number; lastReceiptAt?: number | null }> };
  t.true(report.pairs.length > 0 && report.pairs.every((p) => p.state === 'up'));
  t.true(report.pairs.every((p) => p.brokers.every((b) => b.endpoint.endsWith('(ssl)'))), 'asked over stomp+ssl');
  t.deepEqual(report.bridges.map((b) => [b.kind, b.running]).sort(), [['msg-to-nagios', true], ['nagios-to-msg', true], ['nagios-to-msg', true]]);
  const centralRow = report.bridges.find((b) => b.kind === 'msg-to-nagios')!;
  t.is(typeof centralRow.spoolFiles, 'number');
  t.is(typeof centralRow.lastReceiptAt, 'number', 'the central bridge has received results');
  let network = await runBuilt([...printed('check-network'), '--format', 'nagios']);
  for (let i = 0; i < 30 && network.code !== 0; i++) {
    await new Promise((r) => setTimeout(r, 2000));
    network = await runBuilt([...printed('check-network'), '--format', 'nagios']);
  }
  t.is(network.code, 0, network.stdout + network.stderr);
  t.regex(network.stdout, /^NETWORK OK - \d+\/\d+ links, \d+\/\d+ paths OK \| /);

  process.kill(demo.pid, 'SIGINT');
  t.is(await demo.exited, 0, demo.output());
  t.regex(demo.output(), /Ctrl-C: ending the demo\.[\s\S]*nothing the demo started is left running/);
  t.deepEqual(processesNaming(state), []);
});
