/**
 * Error values. Every error pktcraft raises on purpose is one of these, carrying where it happened,
 * so the CLI can print one line and exit 2.
 */

/** A decoder read past what the bytes allow. `offset` is the byte offset within the decoded buffer. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  /** The field being read when the bytes ran out, when it is one field. */
  readonly field: string | undefined;
  /** Bytes needed from `offset`. */
  readonly expected: number | undefined;
  /** Bytes there were. */
  readonly actual: number | undefined;
  /** Which length bounded the read (filled by the packet decoder: 'bytes', 'ipv4.len', ...). */
  bound: string | undefined;
  constructor(
    readonly layer: string,
    readonly offset: number,
    readonly reason: string,
    detail: { field?: string; expected?: number; actual?: number; bound?: string } = {},
  ) {
    super(`${layer} at byte ${offset}: ${reason}`);
    this.field = detail.field;
    this.expected = detail.expected;
    this.actual = detail.actual;
    this.bound = detail.bound;
  }
}

/** A text spec (or a field value given by the user) could not be understood. `position` is 0-based. */
export class SpecError extends Error {
  override readonly name = 'SpecError';
  constructor(
    readonly token: string,
    readonly position: number,
    readonly reason: string,
  ) {
    super(`spec error at position ${position} near '${token}': ${reason}`);
  }
}

/** A value given through the API or a config file is invalid (field name, range, type). */
export class FieldError extends Error {
  override readonly name = 'FieldError';
  constructor(
    readonly layer: string,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${layer}.${field}: ${reason}`);
  }
}

/** A capture file is damaged or not a capture; `fileOffset` is the byte offset in the file. */
export class CaptureError extends Error {
  override readonly name = 'CaptureError';
  constructor(
    readonly fileOffset: number,
    readonly reason: string,
    readonly path?: string,
  ) {
    super(`${path ? `${path}: ` : ''}at file offset ${fileOffset}: ${reason}`);
  }
}

/** Sending or receiving on an interface failed (privilege, interface, size, kernel error). */
export class InjectError extends Error {
  override readonly name = 'InjectError';
  constructor(
    readonly code: string,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** Errors that are the user's to fix: the CLI prints their message on one line and exits 2. */
export function isUserError(
  error: unknown,
): error is DecodeError | SpecError | FieldError | CaptureError | InjectError {
  return (
    error instanceof DecodeError ||
    error instanceof SpecError ||
    error instanceof FieldError ||
    error instanceof CaptureError ||
    error instanceof InjectError
  );
}
