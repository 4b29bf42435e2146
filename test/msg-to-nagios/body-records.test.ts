import test from 'ava';
import fc from 'fast-check';
import { splitRecords, splitRecordsGeneral, type RawRecord } from '../../bridges/msg-to-nagios/body-records.js';

/** The fast grid splitter frames records exactly as the line-by-line one does: same bytes, same lines. */
const plainOf = (rs: RawRecord[]) => rs.map((r) => ({ index: r.index, bytes: Buffer.from(r.bytes).toString('latin1'), line: r.line, size: r.size }));

const piece = fc.oneof(
  fc.constantFrom('EOT', 'EOT\r', 'EOTX', 'xEOT', '\\EOT', ' EOT', 'EOT\rX', '', ' ', '\t', '\r', ' \r', 'hostName: h', 'detailsData: d', 'a: b', 'EO', 'T'),
  fc.string({ unit: fc.constantFrom('E', 'O', 'T', '\r', '\n', ' ', 'x', '\t', 'é'), maxLength: 8 }),
);

test('grid records: the EOT-jumping splitter equals the line-by-line splitter (property)', (t) => {
  fc.assert(
    fc.property(fc.array(piece, { maxLength: 30 }), fc.constantFrom('', '\n', '\r\n'), (lines, tail) => {
      const body = Buffer.from(lines.join('\n') + tail);
      t.deepEqual(plainOf(splitRecords(body, 'grid')), plainOf(splitRecordsGeneral(body, 'grid')));
      // Any Uint8Array, not only Buffers.
      t.deepEqual(plainOf(splitRecords(new Uint8Array(body), 'grid')), plainOf(splitRecordsGeneral(body, 'grid')));
    }),
    { numRuns: 3000 },
  );
});

test('grid records: fixed framing cases', (t) => {
  const body = Buffer.from('\n \na: 1\nEOT\r\n\nb: 2\ndetailsData: EOTx\nEOT\nc: 3');
  const rs = splitRecords(body, 'grid');
  t.deepEqual(plainOf(rs), [
    { index: 0, bytes: 'a: 1\nEOT\r\n', line: 3, size: 10 },
    { index: 1, bytes: 'b: 2\ndetailsData: EOTx\nEOT\n', line: 6, size: 27 },
    { index: 2, bytes: 'c: 3', line: 9, size: 4 },
  ]);
  // Lines asked out of order are right too.
  t.is(rs[2]!.line, 9);
  t.is(rs[0]!.line, 3);
});
