import test from 'ava';
import { silentLogger } from '../../core/logger.js';
import { portOpen } from '../../core/ports.js';
import { prepareLocalNetwork, startLocalNetwork, stompPing, type StartedBroker } from '../../broker-config/index.js';
import { loadRegistry } from '../../topology/index.js';
import { tempDir } from '../helpers/tmp.js';
import { EXAMPLE } from './helpers.js';

/**
 * Every broker generated from examples/registry.yaml boots with its
 * configuration and accepts STOMP logins of each of its users. Pair by pair
 * to spare the CPUs: the first broker must become active; the second must
 * wait for the store lock, then take over and accept logins once the first
 * stops.
 */
test.serial('every broker of the example registry boots and accepts STOMP logins of all its users', async (t) => {
  const tmp = tempDir('gridmsg-boot-');
  const running: StartedBroker[] = [];
  t.teardown(async () => {
    await Promise.all(running.map((b) => b.process.stop(20_000)));
    tmp.cleanup();
  });
  const registry = loadRegistry(EXAMPLE);
  const net = await prepareLocalNetwork(registry, tmp.dir);
  const booted: string[] = [];

  const loginAll = async (b: StartedBroker): Promise<void> => {
    const plan = net.plan.brokers.find((p) => p.broker.name === b.name)!;
    t.true(plan.users.length >= 3, `${b.name} has users`);
    for (const u of plan.users) {
      const ping = await stompPing(b.host, b.stompPort, { login: u.username, passcode: net.secrets.get(u.username)! });
      t.deepEqual(ping.ok ? 'ok' : ping.reason, 'ok', `${u.username} at ${b.name}`);
    }
    booted.push(b.name);
  };

  for (const pair of registry.pairs) {
    const [first, second] = await startLocalNetwork(net, { logger: silentLogger(), pairs: [pair.name], standbys: true });
    running.push(first!, second!);
    t.is(first!.role, 'active');
    t.is(second!.role, 'standby');
    t.false(await portOpen(second!.host, second!.stompPort), `${second!.name} must not listen while standby`);
    await loginAll(first!);

    await first!.process.stop(20_000);
    let ok = false;
    for (let i = 0; i < 480 && !ok && second!.process.alive(); i++) {
      ok = (await stompPing(second!.host, second!.stompPort, { login: 'gridmsg-network', passcode: net.secrets.get('gridmsg-network')! }, 2000)).ok;
      if (!ok) await new Promise((r) => setTimeout(r, 250));
    }
    t.true(ok, `${second!.name} did not take over`);
    await loginAll(second!);
    await second!.process.stop(20_000);
  }
  t.deepEqual(booted.sort(), registry.brokers.map((b) => b.name).sort());
});
