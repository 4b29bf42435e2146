import test from 'ava';
import fc from 'fast-check';
import { FrameParser } from '../../clients/frame-parser.js';
import { ackFrame } from '../../clients/session.js';
import { escapeHeader, serializeFrame, unescapeHeader } from '../../clients/stomp-frame.js';

/** The character-by-character escaping escapeHeader replaced (the reference). */
function escapeReference(value: string): string {
  let out = '';
  for (const ch of value) out += ch === '\\' ? '\\\\' : ch === '\r' ? '\\r' : ch === '\n' ? '\\n' : ch === ':' ? '\\c' : ch;
  return out;
}

const tricky = fc.constantFrom('a', 'I', 'D', '-', '1', ':', '\n', '\r', '\\', ' ', 'é', '🙂', 'c', 'n');
const value = fc.string({ unit: tricky, maxLength: 40 });

test('escapeHeader (regex fast path) equals the character-by-character escaping and round-trips', (t) => {
  fc.assert(
    fc.property(value, (v) => {
      t.is(escapeHeader(v), escapeReference(v));
      t.is(unescapeHeader(escapeHeader(v)), v);
    }),
  );
});

test('ackFrame writes the bytes of the generic serializer, and parses back to id and subscription', (t) => {
  fc.assert(
    fc.property(fc.constantFrom('ACK' as const, 'NACK' as const), value, value, (command, id, sub) => {
      const raw = ackFrame(command, id, sub);
      t.deepEqual(raw, serializeFrame({ command, headers: [['id', id], ['subscription', sub]], body: new Uint8Array(0) }));
      const events = new FrameParser().push(raw);
      t.is(events.length, 1);
      const ev = events[0]!;
      if (ev.type !== 'frame') return t.fail(`parsed ${ev.type}`);
      t.is(ev.frame.command, command);
      t.deepEqual(ev.frame.headers, [['id', id], ['subscription', sub]]);
      t.is(ev.frame.body.length, 0);
    }),
  );
});
