import net from 'node:net';
import tls from 'node:tls';

export type PingResult = { ok: true; server: string } | { ok: false; reason: string };

/** Client certificate and CA for a stomp+ssl ping (PEM). */
export interface PingTls {
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

/**
 * Opens a STOMP session (CONNECT → CONNECTED) and closes it: proof that a
 * broker accepts STOMP logins, not just TCP connections. With `tlsOptions`
 * over stomp+ssl, logging in with the client certificate (an empty login is
 * not sent).
 */
export function stompPing(
  host: string,
  port: number,
  credentials: { login: string; passcode: string },
  timeoutMs = 10_000,
  tlsOptions?: PingTls,
): Promise<PingResult> {
  return new Promise((resolve) => {
    const socket = tlsOptions
      ? tls.connect({ host, port, ...tlsOptions, ...(net.isIP(host) ? {} : { servername: host }) })
      : net.connect({ host, port });
    let buf = '';
    const done = (r: PingResult): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, reason: `no STOMP answer within ${timeoutMs} ms` }), timeoutMs);
    const esc = (v: string): string => v.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll(':', '\\c');
    socket.once(tlsOptions ? 'secureConnect' : 'connect', () => {
      const login = credentials.login === '' ? '' : `login:${esc(credentials.login)}\npasscode:${esc(credentials.passcode)}\n`;
      socket.write(`CONNECT\naccept-version:1.2\nhost:localhost\nheart-beat:0,0\n${login}\n\0`);
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
