import fc from 'fast-check';
import { HOST_STATUS_WORDS, isoTimestamp, SERVICE_STATUS_WORDS, type MetricRecord } from '../../bridges/format/index.js';

/** Strings biased towards what breaks line formats: EOT lines, CR/LF, colons, quotes, `$`, `|`, tabs, UTF-8. */
export const nastyString = (maxLength = 40): fc.Arbitrary<string> =>
  fc
    .array(
      fc.oneof(
        { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 6 }) },
        { weight: 3, arbitrary: fc.constantFrom('EOT', '\\EOT', '\\\\EOT', 'EOT\r', '\n', '\r', '\r\n', ':', ': ', ':: ', '|', '$', '"', "'", '\t', ' ', 'é', '日本', '🚀', '\\', 'detailsData: ', '\u0000') },
      ),
      { maxLength: Math.ceil(maxLength / 3) },
    )
    .map((parts) => parts.join(''));

export const recordArb: fc.Arbitrary<MetricRecord> = fc
  .record({
    kind: fc.constantFrom('service' as const, 'host' as const),
    serviceURI: nastyString(),
    hostName: nastyString().filter((s) => s !== ''),
    serviceFlavour: nastyString(),
    siteName: nastyString(),
    metricName: nastyString().filter((s) => s !== ''),
    summaryData: nastyString(80),
    detailsData: nastyString(200),
    perfData: nastyString(),
    gatheredAt: nastyString(),
    epoch: fc.integer({ min: 0, max: 4_000_000_000 }),
    nagiosName: nastyString(),
    role: nastyString(),
    voName: nastyString(),
    stateType: fc.constantFrom('HARD' as const, 'SOFT' as const),
    status: fc.nat(3),
  })
  .map(({ epoch, status, ...r }) => ({
    ...r,
    timestamp: isoTimestamp(epoch),
    metricStatus: r.kind === 'host' ? HOST_STATUS_WORDS[status % 3]! : SERVICE_STATUS_WORDS[status]!,
  }));
