import net from 'node:net';

export type PingResult = { ok: true; server: string } | { ok: false; reason: string };

/**
 * Opens a STOMP session (CONNECT → CONNECTED) and closes it: proof that a
 * broker accepts STOMP logins, not just TCP connections.
 */
export function stompPing(
  host: string,
  port: number,
  credentials: { login: string; passcode: string },
  timeoutMs = 10_000,
): Promise<PingResult> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let buf = '';
    const done = (r: PingResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, reason: `no STOMP answer within ${timeoutMs} ms` }), timeoutMs);
    const esc = (v: string): string => v.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll(':', '\\c');
    socket.once('connect', () => {
      socket.write(
        `CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\nlogin:${esc(credentials.login)}\npasscode:${esc(credentials.passcode)}\n\n\0`,
      );
    });
    socket.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const end = buf.indexOf('\0');
      if (end < 0) return;
      const frame = buf.slice(0, end).replace(/^\n+/, '');
      const [command = '', ...rest] = frame.split('\n');
      const header = (name: string): string | undefined => rest.find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1);
      if (command === 'CONNECTED') {
        socket.write('DISCONNECT\n\n\0');
        done({ ok: true, server: header('server') ?? 'unknown' });
      } else done({ ok: false, reason: header('message') ?? command });
    });
    socket.once('error', (e) => done({ ok: false, reason: e.message }));
    socket.once('close', () => done({ ok: false, reason: 'connection closed' }));
  });
}
