import test from 'ava';
import { ConfigError } from '../../core/errors.js';
import { parseFailoverUri } from '../../clients/index.js';

test('failover URI with options, as ActiveMQ users write it', (t) => {
  const spec = parseFailoverUri('failover:(tcp://a.example.org:61613,stomp://10.0.0.2:61614)?randomize=false&initialReconnectDelay=50&maxReconnectDelay=2000&timeout=3000');
  t.deepEqual(spec.brokers, [
    { name: 'a.example.org:61613', host: 'a.example.org', port: 61613 },
    { name: '10.0.0.2:61614', host: '10.0.0.2', port: 61614 },
  ]);
  t.false(spec.randomize);
  t.is(spec.initialReconnectDelayMs, 50);
  t.is(spec.maxReconnectDelayMs, 2000);
  t.deepEqual(spec.ignored, ['timeout']);
});

test('failover without parentheses randomizes by default, like ActiveMQ; plain lists do not', (t) => {
  t.true(parseFailoverUri('failover:tcp://a:1,tcp://b:2').randomize);
  const plain = parseFailoverUri('a:1, [::1]:2');
  t.false(plain.randomize);
  t.deepEqual(plain.brokers.map((b) => [b.host, b.port]), [
    ['a', 1],
    ['::1', 2],
  ]);
});

test('stomp+ssl needs TLS settings and gets them', (t) => {
  const tls = { caFile: '/etc/ca.pem' };
  t.deepEqual(parseFailoverUri('stomp+ssl://broker:61614', tls).brokers[0]!.tls, tls);
  const err = t.throws(() => parseFailoverUri('stomp+ssl://broker:61614'), { instanceOf: ConfigError });
  t.regex(err!.message, /needs TLS settings/);
});

for (const bad of ['', 'failover:()', 'failover:(tcp://a:1', 'http://a:1', 'tcp://a', 'tcp://a:99999', 'failover:(tcp://a:1)?randomize=maybe', 'failover:(tcp://a:1)?maxReconnectDelay=soon']) {
  test(`bad URI ${JSON.stringify(bad)} is a ConfigError naming the URI`, (t) => {
    const err = t.throws(() => parseFailoverUri(bad), { instanceOf: ConfigError });
    t.true(err!.message.includes(JSON.stringify(bad)));
    t.is(err!.context.path, 'brokers');
  });
}
