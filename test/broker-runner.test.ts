import test from 'ava';
import net from 'node:net';
import { startTestBroker } from './helpers/broker.js';

test('a plain ActiveMQ instance boots and answers a STOMP CONNECT', async (t) => {
  const broker = await startTestBroker();
  t.teardown(() => broker.stop());
  const reply = await new Promise<string>((resolve, reject) => {
    const s = net.connect(broker.stompPort, '127.0.0.1');
    let buf = '';
    s.on('connect', () => s.write('CONNECT\naccept-version:1.2\nhost:localhost\n\n\0'));
    s.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\0')) {
        s.destroy();
        resolve(buf);
      }
    });
    s.on('error', reject);
  });
  t.regex(reply, /^CONNECTED\n/);
  t.regex(reply, /version:1\.2/);
});
