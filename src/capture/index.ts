/** The capture layer: pcap and pcapng reading and writing. */

export { type ConvertOptions, type ConvertSummary, convertCapture, formatFromPath } from './convert.js';
export {
  firstLayerForLinkType,
  type KnownLinkType,
  type LinkFirstLayer,
  LinkType,
  linkTypeName,
  linkTypeShortName,
  parseLinkType,
} from './linktype.js';
export { CaptureParser, type ParserOptions } from './parser.js';
export {
  type CaptureFileInfo,
  CaptureIterable,
  CaptureReader,
  captureProblems,
  openCaptureFile,
  type ReadOptions,
  readCapture,
  readCaptureStream,
} from './reader.js';
export { CaptureScanner, openCaptureScanner, type ScannerOptions } from './scanner.js';
export {
  type CaptureSummary,
  type InterfaceSummary,
  type LinkTypeCount,
  summarizeCapture,
  type TimeValue,
  timePrecisionText,
} from './summary.js';
export {
  compareTime,
  formatEpoch,
  ticksPerSecondFromTsresol,
  ticksToTime,
  timeToTicks,
} from './timestamp.js';
export {
  type CaptureFormat,
  type CaptureInterface,
  type CaptureRecord,
  type CaptureSection,
  type CutShortTail,
  DEFAULT_SNAPLEN,
  type Direction,
  type InterfaceOptions,
  MAX_BLOCK_LENGTH,
  MAX_CAPLEN,
  maxCapturedLengthFor,
  type NameRecord,
  type PacketOptions,
  type SnapLengthExcess,
  type TsResolution,
} from './types.js';
export {
  CaptureWriter,
  type CaptureWriterOptions,
  createCaptureWriter,
  flushOpenCaptureWritersSync,
  type RecordSlot,
} from './writer.js';
