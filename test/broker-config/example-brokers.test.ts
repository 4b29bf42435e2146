import test from 'ava';
import fs from 'node:fs';
import { silentLogger } from '../../core/logger.js';
import { portOpen } from '../../core/ports.js';
import { prepareLocalNetwork, startLocalNetwork, stompPing, type PingTls, type StartedBroker } from '../../broker-config/index.js';
import { identityPaths, type IdentityKind } from '../../security/pki-layout.js';
import { LOCAL_MONITOR_IDENTITY, loadRegistry } from '../../topology/index.js';
import { tempDir } from '../helpers/tmp.js';
import { EXAMPLE } from './helpers.js';

/**
 * Every broker generated from examples/registry.yaml (TLS by default) boots
 * with its configuration and accepts stomp+ssl logins with the certificate of
 * each of its users (the development PKI of `dev up`, with the registry's
 * DNs). Pair by pair to spare the CPUs: the first broker must become active;
 * the second must wait for the store lock, then take over and accept logins
 * once the first stops.
 */
test.serial('every broker of the example registry boots and accepts stomp+ssl logins with the certificate of each of its users', async (t) => {
  const tmp = tempDir('gridmsg-boot-');
  const running: StartedBroker[] = [];
  t.teardown(async () => {
    await Promise.all(running.map((b) => b.process.stop(20_000)));
    tmp.cleanup();
  });
  const registry = loadRegistry(EXAMPLE);
  const net = await prepareLocalNetwork(registry, tmp.dir);
  const booted: string[] = [];

  // Broker user name -> its identity in the development PKI.
  const identity = new Map<string, [IdentityKind, string]>();
  for (const b of net.registry.brokers) identity.set(`broker.${b.name}`, ['broker', b.name]);
  for (const s of net.registry.sites) identity.set(s.credentials.username, ['site', s.name]);
  for (const c of net.registry.consumers) identity.set(c.credentials.username, ['consumer', c.name]);
  const monitoring = net.registry.monitoring;
  if (monitoring?.certificateDn !== undefined) identity.set(monitoring.credentials.username, ['monitor', LOCAL_MONITOR_IDENTITY]);
  const tlsOf = (user: string): PingTls => {
    const known = identity.get(user);
    if (known === undefined) throw new Error(`no development certificate for broker user ${user}`);
    const [kind, name] = known;
    const p = identityPaths(net.pkiDir!, kind, name);
    return { ca: fs.readFileSync(p.ca), cert: fs.readFileSync(p.cert), key: fs.readFileSync(p.key) };
  };
  const login = { login: '', passcode: '' };
  const loginAll = async (b: StartedBroker): Promise<void> => {
    const plan = net.plan.brokers.find((p) => p.broker.name === b.name)!;
    const certificateUsers = plan.users.filter((u) => u.dn !== undefined);
    t.true(certificateUsers.length >= registry.brokers.length + 2, `${b.name} has certificate users`);
    t.true(b.tls);
    for (const u of certificateUsers) {
      const ping = await stompPing(b.host, b.stompPort, login, 10_000, tlsOf(u.username));
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
      ok = (await stompPing(second!.host, second!.stompPort, login, 2000, tlsOf(`broker.${second!.name}`))).ok;
      if (!ok) await new Promise((r) => setTimeout(r, 250));
    }
    t.true(ok, `${second!.name} did not take over`);
    await loginAll(second!);
    await second!.process.stop(20_000);
  }
  t.deepEqual(booted.sort(), registry.brokers.map((b) => b.name).sort());
});
