import test from 'ava';
import fc from 'fast-check';
import { Fifo } from '../../clients/fifo.js';

test('Fifo behaves like an array used as a queue (model check)', (t) => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('push' as const), n: fc.integer() }),
    fc.record({ kind: fc.constant('shift' as const) }),
    fc.record({ kind: fc.constant('unshiftAll' as const), items: fc.array(fc.integer(), { maxLength: 5 }) }),
    fc.record({ kind: fc.constant('drain' as const) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 3000 }), (ops) => {
      const fifo = new Fifo<number>();
      let model: number[] = [];
      for (const o of ops) {
        if (o.kind === 'push') {
          fifo.push(o.n);
          model.push(o.n);
        } else if (o.kind === 'shift') {
          if (fifo.shift() !== model.shift()) return false;
        } else if (o.kind === 'unshiftAll') {
          fifo.unshiftAll(o.items);
          model = [...o.items, ...model];
        } else if (JSON.stringify(fifo.drain()) !== JSON.stringify(model.splice(0))) return false;
        if (fifo.length !== model.length) return false;
      }
      return true;
    }),
    { numRuns: 50 },
  );
  t.pass();
});
