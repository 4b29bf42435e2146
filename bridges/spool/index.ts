/** The crash-safe spool of the site bridge (any payloads; see spool.ts). */
export {
  Spool,
  type SpoolOptions,
  type SpoolEntry,
  type SpooledRecord,
  type SpoolBatch,
  type SpoolStats,
  type RoomState,
  type FullPolicy,
} from './spool.js';
export { SpoolReader } from './reader.js';
export { encodeFrame, encodeGroup, readFrame, findNextFrame, FRAME_HEADER_BYTES, MAX_PAYLOAD_BYTES, type Frame, type FrameType, type FrameRead } from './frame.js';
export { scanSegment, type ScanResult, type BadRegion } from './scan.js';
export { readAckFile, type AckState } from './ack-file.js';
export { listSegments, segmentName, type SegmentFile } from './segments.js';
