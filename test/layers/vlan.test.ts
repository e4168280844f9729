import { describe, expect, it } from 'vitest';
import { FieldError } from '../../src/core/errors.js';
import { ether } from '../../src/layers/ethernet.js';
import { icmp } from '../../src/layers/icmp.js';
import { icmpv6 } from '../../src/layers/icmpv6.js';
import { ipv4 } from '../../src/layers/ipv4.js';
import { ipv6 } from '../../src/layers/ipv6.js';
import { raw } from '../../src/layers/raw.js';
import { dot1q, dot1qCodec } from '../../src/layers/vlan.js';
import {
  buildHex,
  hex as bytesOfHex,
  checkDecodeThrowsOnlyDecodeError,
  checkMutatedRoundTrip,
  checkRandomRoundTrip,
  decodeHex,
  expectJsonAndSpecRoundTrip,
  expectRoundTrip,
  stackOf,
} from './harness.js';

const macs = { dst: '02:00:00:00:00:02', src: '02:00:00:00:00:01' };
const v4 = { src: '192.0.2.1', dst: '192.0.2.2' };

// Ether(dst='02:00:00:00:00:02', src='02:00:00:00:00:01')/Dot1Q(vlan=100, prio=5, id=1)/IP(src='192.0.2.1', dst='192.0.2.2')/ICMP(id=1, seq=1)
const SINGLE = '0200000000020200000000018100b06408004500001c000100004001f6dcc0000201c00002020800f7fd00010001';
// Ether(...)/Dot1AD(vlan=10, prio=3)/Dot1Q(vlan=20)/IP(src='192.0.2.1', dst='192.0.2.2')/ICMP()
const QINQ =
  '02000000000202000000000188a8600a8100001408004500001c000100004001f6dcc0000201c00002020800f7ff00000000';
// Ether(...)/Dot1AD(vlan=1)/Dot1Q(vlan=2)/Dot1Q(vlan=4095, id=1)/IPv6(src='2001:db8::1', dst='2001:db8::2')/ICMPv6EchoRequest()
const TRIPLE =
  '02000000000202000000000188a800018100000281001fff86dd6000000000083a4020010db800000000000000000000000120010db80000000000000000000000028000244800000000';

describe('dot1q (802.1Q / 802.1ad)', () => {
  it('builds a single tag like Scapy, with the TPID from Ethernet and the type from the next layer', () => {
    expect(
      buildHex([ether(macs), dot1q({ vlan: 100, pcp: 5, dei: 1 }), ipv4(v4), icmp({ id: 1, seq: 1 })]),
    ).toBe(SINGLE);
  });

  it('stacks QinQ: outer TPID 0x88a8, inner 0x8100', () => {
    expect(buildHex([ether(macs), dot1q({ vlan: 10, pcp: 3 }), dot1q({ vlan: 20 }), ipv4(v4), icmp()])).toBe(
      QINQ,
    );
  });

  it('stacks three tags down to IPv6', () => {
    expect(
      buildHex([
        ether(macs),
        dot1q({ vlan: 1 }),
        dot1q({ vlan: 2 }),
        dot1q({ vlan: 4095, dei: 1 }),
        ipv6({ src: '2001:db8::1', dst: '2001:db8::2' }),
        icmpv6(),
      ]),
    ).toBe(TRIPLE);
  });

  it('defaults to VLAN 1, priority 0 (Scapy Dot1Q)', () => {
    const hex = buildHex([ether(macs), dot1q(), raw('x')]);
    // no known next layer: type 0
    expect(hex.slice(24)).toBe('8100' + '0001' + '0000' + '78');
  });

  it('decodes every field of each tag', () => {
    const decoded = decodeHex(QINQ, 'ether');
    expect(stackOf(decoded)).toBe('ether/dot1q/dot1q/ipv4/icmp');
    expect(decoded.layers[0]!.fields.type).toBe(0x88a8);
    expect(decoded.layers[1]!.fields).toEqual({ pcp: 3, dei: 0, vlan: 10, type: 0x8100 });
    expect(decoded.layers[2]!.fields).toEqual({ pcp: 0, dei: 0, vlan: 20, type: 0x0800 });
    expect(decoded.problems).toEqual([]);
    const triple = decodeHex(TRIPLE, 'ether');
    expect(stackOf(triple)).toBe('ether/dot1q/dot1q/dot1q/ipv6/icmpv6');
    expect(triple.layers[3]!.fields).toEqual({ pcp: 0, dei: 1, vlan: 4095, type: 0x86dd });
  });

  it('writes a user-set type as set, and 0x9100 TPIDs decode as tags too', () => {
    const hex = buildHex([ether({ ...macs, type: 0x9100 }), dot1q({ vlan: 7, type: 0x1234 }), raw('ab')]);
    expect(hex.slice(24)).toBe('9100000712346162');
    const decoded = decodeHex(hex, 'ether');
    expect(stackOf(decoded)).toBe('ether/dot1q/raw');
  });

  it('round-trips the Scapy vectors byte-exact, also through JSON and the text spec', () => {
    for (const hex of [SINGLE, QINQ, TRIPLE]) {
      expectRoundTrip(bytesOfHex(hex), 'ether');
      expectJsonAndSpecRoundTrip(hex, 'ether');
    }
  });

  it('rejects values that do not fit their bits', () => {
    expect(() => buildHex([ether(), dot1q({ vlan: 4096 })])).toThrow(FieldError);
    expect(() => buildHex([ether(), dot1q({ pcp: 8 })])).toThrow(FieldError);
    expect(() => buildHex([ether(), dot1q({ dei: 2 })])).toThrow(FieldError);
  });

  it('reports a tag cut short as truncated, the rest raw', () => {
    const decoded = decodeHex('0200000000020200000000018100b0', 'ether');
    expect(stackOf(decoded)).toBe('ether/raw');
    expect(decoded.problems[0]!.kind).toBe('truncated');
  });

  it('property: decode throws only DecodeError', () => {
    checkDecodeThrowsOnlyDecodeError(dot1qCodec);
  });

  it('property: random and mutated tag stacks round-trip byte-exact', () => {
    checkRandomRoundTrip('dot1q');
    checkMutatedRoundTrip([SINGLE, QINQ, TRIPLE], 'ether');
  });
});
