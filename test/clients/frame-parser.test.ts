import test from 'ava';
import fc from 'fast-check';
import { FrameParser, type ParseEvent } from '../../clients/frame-parser.js';
import { escapeHeader, serializeFrame, unescapeHeader, type StompFrame } from '../../clients/stomp-frame.js';

const commands = ['SEND', 'MESSAGE', 'RECEIPT', 'ERROR', 'SUBSCRIBE', 'ACK', 'CONNECTED'] as const;

/** Characters that matter to STOMP framing and escaping, plus multi-byte UTF-8. */
const tricky = fc.constantFrom('a', 'b', 'n', 'r', 'c', ':', '\n', '\r', '\\', ' ', '\t', 'é', '🙂', 'z');
const text = (maxLength: number) => fc.string({ unit: tricky, maxLength });
const headerKey = fc.string({ unit: tricky, minLength: 1, maxLength: 12 }).filter((k) => k !== 'content-length');
const arbFrame: fc.Arbitrary<StompFrame> = fc
  .record({
    command: fc.constantFrom(...commands),
    headers: fc.array(fc.tuple(headerKey, text(30)), { maxLength: 5 }),
    body: fc.uint8Array({ maxLength: 300 }),
  })
  .map(({ command, headers, body }) =>
    command === 'CONNECTED'
      ? // CONNECT/CONNECTED are not escaped: keep their headers free of the special octets
        { command, headers: headers.map(([k, v]) => [k.replace(/[:\r\n]/g, '_'), v.replace(/[\r\n]/g, '_')] as [string, string]), body }
      : { command, headers, body },
  );

/** Frames interleaved with heart-beats, serialized to one byte stream. */
const arbStream = fc.array(fc.tuple(arbFrame, fc.constantFrom('', '\n', '\r\n', '\n\n')), { minLength: 1, maxLength: 8 });

function encode(stream: Array<[StompFrame, string]>): Buffer {
  return Buffer.concat(stream.flatMap(([f, hb]) => [serializeFrame(f), Buffer.from(hb)]));
}

function frames(events: ParseEvent[]): StompFrame[] {
  return events.flatMap((e) => (e.type === 'frame' ? [e.frame] : []));
}

function heartbeats(events: ParseEvent[]): number {
  return events.filter((e) => e.type === 'heartbeat').length;
}

function normalize(f: StompFrame): { command: string; headers: Array<[string, string]>; body: number[] } {
  return { command: f.command, headers: f.headers, body: [...f.body] };
}

function expected(stream: Array<[StompFrame, string]>) {
  return stream.map(([f]) => normalize({ ...f, headers: f.body.length > 0 ? [...f.headers, ['content-length', String(f.body.length)]] : f.headers }));
}

function expectedHeartbeats(stream: Array<[StompFrame, string]>): number {
  return stream.reduce((n, [, hb]) => n + (hb.match(/\n/g)?.length ?? 0), 0);
}

test('escaping round-trips every string and unescape rejects undefined escapes', (t) => {
  fc.assert(fc.property(text(40), (s) => unescapeHeader(escapeHeader(s)) === s));
  fc.assert(fc.property(fc.string({ unit: 'binary' }), (s) => unescapeHeader(escapeHeader(s)) === s));
  t.is(unescapeHeader('a\\c\\n\\r\\\\b'), 'a:\n\r\\b');
  t.is(unescapeHeader('a\\\\nb'), 'a\\nb', 'a literal backslash followed by n stays so');
  t.is(unescapeHeader('bad\\t'), undefined);
  t.is(escapeHeader('x:y\nz\\'), 'x\\cy\\nz\\\\');
});

test('whole stream in one chunk gives every frame and heart-beat', (t) => {
  fc.assert(
    fc.property(arbStream, (stream) => {
      const events = new FrameParser().push(encode(stream));
      t.deepEqual(frames(events).map(normalize), expected(stream));
      t.is(heartbeats(events), expectedHeartbeats(stream));
      t.false(events.some((e) => e.type === 'error'));
    }),
  );
});

test('one byte at a time gives the same frames', (t) => {
  fc.assert(
    fc.property(arbStream, (stream) => {
      const bytes = encode(stream);
      const parser = new FrameParser();
      const events: ParseEvent[] = [];
      for (let i = 0; i < bytes.length; i++) events.push(...parser.push(bytes.subarray(i, i + 1)));
      t.deepEqual(frames(events).map(normalize), expected(stream));
      t.is(heartbeats(events), expectedHeartbeats(stream));
      t.is(parser.pendingBytes, 0);
    }),
    { numRuns: 60 },
  );
});

test('arbitrary chunk boundaries (split and merged) give the same frames', (t) => {
  fc.assert(
    fc.property(arbStream, fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 20 }), (stream, sizes) => {
      const bytes = encode(stream);
      const parser = new FrameParser();
      const events: ParseEvent[] = [];
      let pos = 0;
      let i = 0;
      while (pos < bytes.length) {
        const n = sizes[i++ % sizes.length]!;
        events.push(...parser.push(bytes.subarray(pos, pos + n)));
        pos += n;
      }
      t.deepEqual(frames(events).map(normalize), expected(stream));
    }),
  );
});

test('the raw bytes of each frame are exactly its serialization', (t) => {
  fc.assert(
    fc.property(arbFrame, (f) => {
      const bytes = serializeFrame(f);
      const [ev] = new FrameParser().push(bytes);
      t.true(ev?.type === 'frame' && Buffer.compare(ev.raw, bytes) === 0);
    }),
  );
});

test('NUL inside a body with content-length is kept; a body without content-length ends at NUL', (t) => {
  const events = new FrameParser().push(Buffer.from('MESSAGE\ncontent-length:3\n\na\0b\0MESSAGE\nx:1\n\nhello\0'));
  const fs = frames(events);
  t.deepEqual([...fs[0]!.body], [0x61, 0, 0x62]);
  t.is(Buffer.from(fs[1]!.body).toString(), 'hello');
});

test('CRLF line endings and repeated headers (first wins) are understood', (t) => {
  const fs = frames(new FrameParser().push(Buffer.from('RECEIPT\r\nreceipt-id:1\r\nreceipt-id:2\r\n\r\n\0')));
  t.deepEqual(fs[0]!.headers, [
    ['receipt-id', '1'],
    ['receipt-id', '2'],
  ]);
});

test('CONNECTED headers are not unescaped', (t) => {
  const fs = frames(new FrameParser().push(Buffer.from('CONNECTED\nserver:a\\b\n\n\0')));
  t.deepEqual(fs[0]!.headers, [['server', 'a\\b']]);
});

const garbage: Array<[string, string | Buffer]> = [
  ['lowercase command', 'hello world\n\n\0'],
  ['header without colon', 'MESSAGE\nnocolon\n\n\0'],
  ['undefined escape', 'MESSAGE\na:\\t\n\n\0'],
  ['bad content-length', 'MESSAGE\ncontent-length:abc\n\n\0'],
  ['content-length not followed by NUL', 'MESSAGE\ncontent-length:1\n\nab\0'],
  ['invalid UTF-8 header', Buffer.concat([Buffer.from('MESSAGE\na:'), Buffer.from([0xff, 0xfe]), Buffer.from('\n\n\0')])],
  ['binary noise', Buffer.from([0x01, 0x02, 0x03, 0xff, 0x0a])],
];

for (const [name, input] of garbage) {
  test(`protocol error: ${name}; the parser stops`, (t) => {
    const parser = new FrameParser();
    const events = parser.push(Buffer.isBuffer(input) ? input : Buffer.from(input));
    t.is(events.at(-1)?.type, 'error');
    t.truthy(parser.error);
    t.deepEqual(parser.push(Buffer.from('RECEIPT\nreceipt-id:1\n\n\0')), []);
  });
}

test('a head without end beyond the limit is an error, not unbounded memory', (t) => {
  const parser = new FrameParser({ maxHeadBytes: 1024 });
  const events = parser.push(Buffer.from('MESSAGE\n' + 'x'.repeat(2000)));
  t.is(events.at(-1)?.type, 'error');
});

test('a 1 MiB body in 64 KiB chunks arrives intact', (t) => {
  const body = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7919) & 0xff;
  const bytes = serializeFrame({ command: 'MESSAGE', headers: [['a', 'b']], body });
  const parser = new FrameParser();
  const events: ParseEvent[] = [];
  for (let i = 0; i < bytes.length; i += 65536) events.push(...parser.push(bytes.subarray(i, i + 65536)));
  const [f] = frames(events);
  t.true(Buffer.compare(Buffer.from(f!.body), body) === 0);
});
