/**
 * A scripted STOMP 1.2 server on a loopback socket, for fault injection only
 * (garbage frames, ERROR frames, receipts that never come, heart-beats that
 * stop, connections cut mid-frame). Everything else is tested against real
 * ActiveMQ. It uses gridmsg's own frame parser and serializer.
 *
 * By default it behaves like a tiny broker: CONNECT -> CONNECTED, SEND is
 * stored and receipted, SUBSCRIBE gets queued messages as MESSAGE frames,
 * ACK removes them, DISCONNECT is receipted. A script can intercept any
 * frame per connection and decide to do something else.
 */
import net from 'node:net';
import tls from 'node:tls';
import { FrameParser } from '../../clients/frame-parser.js';
import { frame as mkFrame, header, serializeFrame, type StompFrame } from '../../clients/stomp-frame.js';

export interface FakeConnection {
  readonly id: number;
  /** Frames received from the client on this connection. */
  readonly received: StompFrame[];
  /** Heart-beat EOLs received from the client. */
  heartbeatsReceived: number;
  send(frame: StompFrame): void;
  sendRaw(bytes: Buffer | string): void;
  /** Destroys the socket now (no FIN handshake niceties). */
  cut(): void;
  /** Stops sending heart-beats (the connection stays open and silent). */
  stopHeartbeats(): void;
  readonly closed: boolean;
  /** Default handling of a client frame (what a well-behaved broker does). */
  handleNormally(frame: StompFrame): void;
}

export interface FakeScript {
  /** Return true when the script handled the frame itself (the default handling is skipped). */
  onFrame?(conn: FakeConnection, frame: StompFrame): boolean | void;
  /** Server heart-beat send interval to offer in CONNECTED (0 = none). */
  heartbeatMs?: number;
}

export interface StoredMessage {
  destination: string;
  headers: Record<string, string>;
  body: Buffer;
  connection: number;
}

export interface FakeStompServer {
  readonly port: number;
  readonly connections: FakeConnection[];
  /** SEND frames accepted (and receipted) so far, in order. */
  readonly stored: StoredMessage[];
  /** Queues a message for delivery to the subscribers of `destination`. */
  enqueue(destination: string, headers: Record<string, string>, body: string | Uint8Array): void;
  /** Messages delivered and acked, by message-id. */
  readonly acked: string[];
  readonly nacked: string[];
  script: FakeScript;
  close(): Promise<void>;
}

export interface FakeServerOptions {
  script?: FakeScript;
  tls?: tls.TlsOptions;
}

interface Pending {
  id: string;
  destination: string;
  headers: Record<string, string>;
  body: Buffer;
}

export async function startFakeStompServer(options: FakeServerOptions = {}): Promise<FakeStompServer> {
  const connections: FakeConnection[] = [];
  const stored: StoredMessage[] = [];
  const acked: string[] = [];
  const nacked: string[] = [];
  const queue: Pending[] = [];
  /** Messages delivered and not acked, by ack id -> message (returned to the queue when the connection dies). */
  const sockets = new Set<net.Socket>();
  let nextMessage = 1;
  let nextConnection = 1;
  const deliverers: Array<() => void> = [];

  const server: FakeStompServer = {
    port: 0,
    connections,
    stored,
    acked,
    nacked,
    script: options.script ?? {},
    enqueue(destination, headers, body) {
      queue.push({ id: `m-${nextMessage++}`, destination, headers, body: Buffer.from(typeof body === 'string' ? Buffer.from(body) : body) });
      for (const d of deliverers) d();
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => netServer.close(() => resolve()));
    },
  };

  const onSocket = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.setNoDelay(true);
    const parser = new FrameParser();
    let heartbeatTimer: NodeJS.Timeout | undefined;
    let closed = false;
    const subscriptions = new Map<string, { destination: string; prefetch: number; unacked: Map<string, Pending> }>();
    const stopHeartbeats = (): void => {
      if (heartbeatTimer) clearInterval(heartbeatTimer);
      heartbeatTimer = undefined;
    };
    const write = (bytes: Buffer | string): void => {
      if (!closed) socket.write(bytes);
    };
    const deliver = (): void => {
      for (const [subId, sub] of subscriptions) {
        for (let i = 0; i < queue.length && sub.unacked.size < sub.prefetch; ) {
          const m = queue[i]!;
          if (m.destination !== sub.destination) {
            i++;
            continue;
          }
          queue.splice(i, 1);
          const ackId = `${conn.id}:${m.id}`;
          sub.unacked.set(ackId, m);
          conn.send(mkFrame('MESSAGE', { ...m.headers, destination: m.destination, 'message-id': m.id, subscription: subId, ack: ackId }, m.body));
        }
      }
    };
    const conn: FakeConnection = {
      id: nextConnection++,
      received: [],
      heartbeatsReceived: 0,
      send: (f) => write(serializeFrame(f)),
      sendRaw: (b) => write(b),
      cut: () => {
        closed = true;
        socket.destroy();
      },
      stopHeartbeats,
      get closed() {
        return closed;
      },
      handleNormally(f) {
        const receipt = header(f, 'receipt');
        const sendReceipt = (): void => {
          if (receipt !== undefined) conn.send(mkFrame('RECEIPT', { 'receipt-id': receipt }));
        };
        switch (f.command) {
          case 'CONNECT':
          case 'STOMP': {
            const hb = server.script.heartbeatMs ?? 0;
            const [, clientWants] = (header(f, 'heart-beat') ?? '0,0').split(',').map(Number);
            conn.send(mkFrame('CONNECTED', { version: '1.2', server: 'fake-stomp/1', 'heart-beat': `${hb},${hb}` }));
            if (hb > 0 && (clientWants ?? 0) > 0) {
              heartbeatTimer = setInterval(() => write('\n'), Math.max(hb, clientWants ?? 0));
            }
            break;
          }
          case 'SEND': {
            const headers: Record<string, string> = {};
            for (const [k, v] of f.headers) if (!(k in headers)) headers[k] = v;
            stored.push({ destination: headers['destination'] ?? '', headers, body: Buffer.from(f.body), connection: conn.id });
            sendReceipt();
            break;
          }
          case 'SUBSCRIBE': {
            const id = header(f, 'id') ?? '';
            subscriptions.set(id, {
              destination: header(f, 'destination') ?? '',
              prefetch: Number(header(f, 'activemq.prefetchSize') ?? 1000),
              unacked: new Map(),
            });
            sendReceipt();
            deliver();
            break;
          }
          case 'ACK':
          case 'NACK': {
            const id = header(f, 'id') ?? '';
            for (const sub of subscriptions.values()) {
              const m = sub.unacked.get(id);
              if (m) {
                sub.unacked.delete(id);
                (f.command === 'ACK' ? acked : nacked).push(m.id);
              }
            }
            sendReceipt();
            deliver();
            break;
          }
          case 'DISCONNECT':
            sendReceipt();
            socket.end();
            break;
          default:
            sendReceipt();
        }
      },
    };
    connections.push(conn);
    deliverers.push(deliver);
    socket.on('data', (chunk: Buffer) => {
      for (const ev of parser.push(chunk)) {
        if (closed) return;
        if (ev.type === 'heartbeat') conn.heartbeatsReceived++;
        else if (ev.type === 'error') {
          conn.send(mkFrame('ERROR', { message: `protocol error: ${ev.message}` }));
          conn.cut();
        } else {
          conn.received.push(ev.frame);
          const handled = server.script.onFrame?.(conn, ev.frame) ?? false;
          if (!handled) conn.handleNormally(ev.frame);
        }
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      closed = true;
      stopHeartbeats();
      sockets.delete(socket);
      deliverers.splice(deliverers.indexOf(deliver), 1);
      // Unacked messages go back to the front of the queue (like a broker's redelivery).
      const back = [...subscriptions.values()].flatMap((s) => [...s.unacked.values()]);
      queue.unshift(...back.sort((a, b) => Number(a.id.slice(2)) - Number(b.id.slice(2))));
      if (back.length > 0) for (const d of deliverers) d();
    });
  };

  const netServer = options.tls ? tls.createServer(options.tls, onSocket) : net.createServer(onSocket);
  await new Promise<void>((resolve, reject) => {
    netServer.once('error', reject);
    netServer.listen(0, '127.0.0.1', () => resolve());
  });
  (server as { port: number }).port = (netServer.address() as net.AddressInfo).port;
  return server;
}
