import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/core/bytes.js';
import { FieldError } from '../../src/core/errors.js';
import { decrementTtl, rewriteAddress, rewritePort } from '../../src/scenario/rewrite.js';

// Vectors built with Scapy 2.5 (checksums computed by Scapy from scratch):
// IP(src='198.51.100.23', dst='203.0.113.10', ttl=64, id=0x3a10, flags='DF') /
//   TCP(sport=45678, dport=8000, seq=1000, ack=2000, flags='PA', window=502) / Raw(b'hello order')
const original =
  '450000333a10400040069a5fc6336417cb00710ab26e1f40000003e8000007d0501801f6e044000068656c6c6f206f72646572';
// ... the same with ttl=61
const ttl61 =
  '450000333a1040003d069d5fc6336417cb00710ab26e1f40000003e8000007d0501801f6e044000068656c6c6f206f72646572';
// ... the same with dst='192.0.2.130'
const dnat =
  '450000333a104000400613e8c6336417c0000282b26e1f40000003e8000007d0501801f659cd000068656c6c6f206f72646572';
// ... the same with src='203.0.113.99'
const snat =
  '450000333a10400040068846cb007163cb00710ab26e1f40000003e8000007d0501801f6ce2b000068656c6c6f206f72646572';
// ... the same with dport=8443
const dport =
  '450000333a10400040069a5fc6336417cb00710ab26e20fb000003e8000007d0501801f6de89000068656c6c6f206f72646572';

const packet = (): Uint8Array => fromHex(original)!;

describe('incremental rewrites (RFC 1624) match a full recomputation by Scapy', () => {
  it('takes three routers off the TTL', () => {
    expect(toHex(decrementTtl(packet(), 3))).toBe(ttl61);
  });
  it('one router at a time gives the same bytes as three at once', () => {
    let p = packet();
    for (let i = 0; i < 3; i++) p = decrementTtl(p);
    expect(toHex(p)).toBe(ttl61);
  });
  it('DNATs the destination, updating the IPv4 and TCP checksums', () => {
    expect(toHex(rewriteAddress(packet(), 'dst', '192.0.2.130'))).toBe(dnat);
  });
  it('SNATs the source', () => {
    expect(toHex(rewriteAddress(packet(), 'src', '203.0.113.99'))).toBe(snat);
  });
  it('rewrites a port, updating the TCP checksum', () => {
    expect(toHex(rewritePort(packet(), 'dport', 8443))).toBe(dport);
  });
  it('undoing a NAT gives the original bytes back', () => {
    expect(toHex(rewriteAddress(rewriteAddress(packet(), 'dst', '192.0.2.130'), 'dst', '203.0.113.10'))).toBe(
      original,
    );
  });
  it('leaves its input alone', () => {
    const input = packet();
    decrementTtl(input);
    rewriteAddress(input, 'src', '203.0.113.99');
    expect(toHex(input)).toBe(original);
  });
  it('refuses what is not IPv4, a TTL that would expire and a bad address', () => {
    expect(() => decrementTtl(fromHex('6000000000000000')!)).toThrow(FieldError);
    expect(() => decrementTtl(packet(), 65)).toThrow(/TTL 64 would expire/);
    expect(() => rewriteAddress(packet(), 'dst', '300.1.1.1')).toThrow(FieldError);
  });
});
