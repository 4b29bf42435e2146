import net from 'node:net';

/**
 * Ports handed out for brokers and test servers come from below the kernel's
 * ephemeral range (Linux default 32768-60999). A port picked from inside that
 * range can be taken, between the pick and the broker's bind, by the local end
 * of any outgoing connection on the machine ("Address already in use").
 */
const LISTEN_PORT_LOW = 20000;
const LISTEN_PORT_HIGH = 32700;

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A TCP port free for listening on `host`, picked at random outside the ephemeral range. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LISTEN_PORT_LOW + Math.floor(Math.random() * (LISTEN_PORT_HIGH - LISTEN_PORT_LOW));
    if (await canListen(port, host)) return port;
  }
  throw new Error(`no free port between ${LISTEN_PORT_LOW} and ${LISTEN_PORT_HIGH} on ${host}`);
}

/** Several distinct free ports. */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort(host));
  return [...ports];
}

/** True when something accepts TCP connections on host:port. */
export function portOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** Waits until host:port accepts connections, or throws after timeoutMs. */
export async function waitForPort(
  host: string,
  port: number,
  timeoutMs: number,
  isAlive: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await portOpen(host, port)) return;
    if (!isAlive()) throw new Error(`process exited before ${host}:${port} accepted connections`);
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${host}:${port} did not accept connections within ${timeoutMs} ms`);
}
