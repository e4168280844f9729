/**
 * Capture bytes assembled by hand from the format specs (draft-ietf-opsawg-pcap, draft-ietf-opsawg-pcapng),
 * independent of src/capture's writer, in either byte order.
 */

/** Scapy-built (Ether()/IP(id=0)/UDP(chksum=0)/Raw): a minimal Ethernet / IPv4 192.0.2.1→192.0.2.2 / UDP 45678→45679 / "hi!!" frame (checksums valid). */
export const ETHER_UDP_FRAME = hex(
  '020000000002 020000000001 0800' +
    '4500 0020 0000 0000 4011 f6c9 c0000201 c0000202' +
    'b26e b26f 000c 0000 68692121',
);
/** The same without the Ethernet header (raw IPv4). */
export const IPV4_UDP_PACKET = ETHER_UDP_FRAME.subarray(14);

export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export class SpecWriter {
  private readonly parts: number[] = [];
  constructor(readonly little: boolean) {}
  u8(value: number): this {
    this.parts.push(value & 0xff);
    return this;
  }
  u16(value: number): this {
    const bytes = [(value >>> 8) & 0xff, value & 0xff];
    this.parts.push(...(this.little ? bytes.reverse() : bytes));
    return this;
  }
  u32(value: number): this {
    const bytes = [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
    this.parts.push(...(this.little ? bytes.reverse() : bytes));
    return this;
  }
  bytes(data: Uint8Array | number[]): this {
    this.parts.push(...data);
    return this;
  }
  pad(): this {
    while (this.parts.length % 4 !== 0) this.parts.push(0);
    return this;
  }
  get length(): number {
    return this.parts.length;
  }
  done(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

export function concat(...chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

export interface SpecOption {
  code: number;
  value: Uint8Array;
}

export function textOption(code: number, text: string): SpecOption {
  return { code, value: new TextEncoder().encode(text) };
}

export function u32Option(code: number, value: number, little: boolean): SpecOption {
  return { code, value: new SpecWriter(little).u32(value).done() };
}

/** A pcapng block: type, total length, body, options (+ opt_endofopt), total length. */
export function block(
  little: boolean,
  type: number,
  body: Uint8Array,
  options: SpecOption[] = [],
): Uint8Array {
  const inner = new SpecWriter(little).bytes(body).pad();
  for (const option of options) inner.u16(option.code).u16(option.value.length).bytes(option.value).pad();
  if (options.length > 0) inner.u16(0).u16(0);
  const total = 12 + inner.length;
  return new SpecWriter(little).u32(type).u32(total).bytes(inner.done()).u32(total).done();
}

export function sectionHeader(little: boolean, options: SpecOption[] = []): Uint8Array {
  const body = new SpecWriter(little).u32(0x1a2b3c4d).u16(1).u16(0).u32(0xffffffff).u32(0xffffffff).done();
  return block(little, 0x0a0d0d0a, body, options);
}

export function interfaceBlock(
  little: boolean,
  linkType: number,
  snapLen: number,
  options: SpecOption[] = [],
) {
  return block(little, 1, new SpecWriter(little).u16(linkType).u16(0).u32(snapLen).done(), options);
}

export function enhancedPacket(
  little: boolean,
  interfaceId: number,
  tsHigh: number,
  tsLow: number,
  data: Uint8Array,
  originalLength = data.length,
  options: SpecOption[] = [],
): Uint8Array {
  const body = new SpecWriter(little)
    .u32(interfaceId)
    .u32(tsHigh)
    .u32(tsLow)
    .u32(data.length)
    .u32(originalLength)
    .bytes(data)
    .pad()
    .done();
  return block(little, 6, body, options);
}

/** A classic pcap file header. */
export function pcapHeader(
  little: boolean,
  nanosecond: boolean,
  snapLen: number,
  linkType: number,
): Uint8Array {
  return new SpecWriter(little)
    .u32(nanosecond ? 0xa1b23c4d : 0xa1b2c3d4)
    .u16(2)
    .u16(4)
    .u32(0)
    .u32(0)
    .u32(snapLen)
    .u32(linkType)
    .done();
}

export function pcapRecord(
  little: boolean,
  sec: number,
  fraction: number,
  data: Uint8Array,
  originalLength = data.length,
): Uint8Array {
  return new SpecWriter(little)
    .u32(sec)
    .u32(fraction)
    .u32(data.length)
    .u32(originalLength)
    .bytes(data)
    .done();
}
