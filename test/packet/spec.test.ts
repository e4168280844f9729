import { describe, expect, it } from 'vitest';
import { SpecError } from '../../src/core/errors.js';
import { encodePacket } from '../../src/packet/encode.js';
import { formatSpec, parseSpec } from '../../src/packet/spec.js';

function specError(spec: string): SpecError {
  try {
    parseSpec(spec);
  } catch (error) {
    if (error instanceof SpecError) return error;
    throw error;
  }
  throw new Error(`no error for ${spec}`);
}

describe('the text spec', () => {
  it('parses the issue example into layers with typed values', () => {
    const layers = parseSpec(
      'ether/ipv4(src=192.0.2.1,dst=192.0.2.2)/udp/gtpu(teid=0x1234,qfi=9)/ipv4(src=10.0.0.1,dst=203.0.113.10)/tcp(sport=40000,dport=443,flags=S,mss=1400)',
    );
    expect(layers.map((layer) => layer.layer)).toEqual(['ether', 'ipv4', 'udp', 'gtpu', 'ipv4', 'tcp']);
    expect(layers[3]!.fields).toEqual({ teid: 0x1234, qfi: 9 });
    expect(layers[5]!.fields).toEqual({ sport: 40000, dport: 443, flags: 2, mss: 1400 });
  });

  it('accepts quoted strings with escapes, flag words, hex bytes and spaces', () => {
    const layers = parseSpec(' ether / ipv4( flags = DF+MF ) / udp / raw( text = "a, \\"b\\")" ) ');
    expect(layers[1]!.fields).toEqual({ flags: 3 });
    expect(layers[3]!.fields).toEqual({ text: 'a, "b")' });
    expect(parseSpec("raw(hex='0a0b')")[0]!.fields).toEqual({ data: Uint8Array.from([10, 11]) });
    expect(parseSpec('raw(hex=0x0a0b)')[0]!.fields).toEqual({ data: Uint8Array.from([10, 11]) });
  });

  it('names the offending token and its position', () => {
    const unknownLayer = specError('ether/ipv5/udp');
    expect(unknownLayer.token).toBe('ipv5');
    expect(unknownLayer.position).toBe(6);
    const badValue = specError('ether/ipv4(src=192.0.2.300)');
    expect(badValue.token).toBe('192.0.2.300');
    expect(badValue.position).toBe(15);
    expect(badValue.message).toMatch(/ipv4\.src/);
    const unknownField = specError('ether/udp(sprot=1)');
    expect(unknownField.token).toBe('sprot');
    expect(unknownField.position).toBe(10);
    expect(specError('udp(sport=70000)').message).toMatch(/larger than 65535/);
    expect(specError('tcp(flags=SZ)').message).toMatch(/flag/);
    expect(specError('ether ipv4').position).toBe(6);
    expect(specError('raw(text="open').message).toMatch(/unterminated/);
    expect(specError('').message).toMatch(/empty/);
    expect(specError('udp(sport=1,sport=2)').message).toMatch(/twice/);
  });

  it('formatSpec gives a spec that rebuilds the same bytes', () => {
    for (const spec of [
      'ether/ipv4(src=192.0.2.1,dst=192.0.2.2,chksum=0x1234)/udp(sport=5,dport=6)/raw(text="hi, there")',
      'ether/dot1q(vlan=5)/dot1q(vlan=6)/ipv6/ipv6hop/tcp(flags=PA,sack="1000-2000",tsval=5,tsecr=6)/raw(len=3)',
      'ether/ipv4/udp/gtpu(teid=7,qfi=5,seq=9)/ipv6/udp/raw(hex=0xdeadbeef)',
    ]) {
      const layers = parseSpec(spec);
      expect(encodePacket(parseSpec(formatSpec(layers)))).toEqual(encodePacket(layers));
    }
  });
});
