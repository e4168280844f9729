/** Templates shared by the engine tests: every generator, field shape and checksum kind the engine handles. */

/** Bit fields, MACs, IPv4/IPv6 ranges, lists, random, inner occurrences. */
export const BIT_FIELDS_AND_ADDRESSES: [string, string[]] = [
  'ether/dot1q(vlan=10)/ipv4(src=192.0.2.1,dst=192.0.2.2,flags=DF)/udp(sport=4000,dport=4789)/vxlan(vni=5)/ether/ipv6(src=2001:db8::1,dst=2001:db8::2)/tcp(sport=1,dport=2,flags=S)/raw(len=16)',
  [
    'dot1q.vlan=1..4094',
    'dot1q.pcp=0..7',
    'ipv4.flags=0..7',
    'ipv4.frag=0..8191',
    'ipv4.dscp=random(seed=3)',
    'ipv4.ttl=1,64,255',
    'ether[1].src=02:00:00:00:00:fe+',
    'ether.dst=random',
    'ipv6.src=2001:db8::ffff:fff0+',
    'ipv6[-1].dst=random(2001:db8::1..2001:db8::ff)',
    'ipv6.fl=0xffff0+',
    'ipv6.tc=random',
    'tcp.flags=S,SA,A,PA,FA,R',
    'tcp.seq=4294967290+3',
    'tcp.window=random(100..200,seed=9)',
    'vxlan.vni=16777214+',
    'raw.u16@3=random',
    'raw.u32@12=7..9',
  ],
];

/** The VXLAN outer source port derived from the inner frame when it is left out. */
export const VXLAN_DERIVED_PORT: [string, string[]] = [
  'ether/ipv4/udp/vxlan(vni=7)/ether/ipv4(src=10.1.0.1)/udp(sport=5000,dport=6000)/raw(len=20)',
  ['ipv4[1].src=10.1.0.1+', 'udp[1].sport=5000..5999'],
];

/** IPv6 UDP, ICMP echo, ICMPv6 echo and inner UDP in GTP-U checksums. */
export const CHECKSUM_CASES: [string, string[]][] = [
  [
    'ether/ipv6/udp(sport=1000,dport=2000)/raw(len=9)',
    ['udp.sport=1000+', 'ipv6.hlim=1..255', 'raw.u8@8=0+'],
  ],
  ['ipv4(src=198.51.100.1)/icmp(id=1,seq=1)/raw(len=56)', ['icmp.seq=0+', 'icmp.id=random', 'ipv4.id=0+']],
  ['ether/ipv6/icmpv6(type=128,id=1,seq=1)/raw(len=8)', ['icmpv6.seq=0+', 'ipv6.src=2001:db8::1+']],
  [
    'ether/ipv4/udp(dport=2152)/gtpu(teid=1,seq=5)/ipv4/udp/raw(len=3)',
    ['gtpu.seq=0+', 'gtpu.teid=random', 'udp[1].dport=1..9'],
  ],
];

/** A varying payload longer than the generated code inlines, steps, random MACs and addresses. */
export const PAYLOAD_AND_STEPS: [string, string[]][] = [
  ['ether/ipv4/udp(sport=7,dport=9)/raw(len=200)', ['raw.u32@0=0+', 'raw.u32@100=random', 'udp.sport=0+7']],
  ['ether/ipv4/tcp/raw(len=4)', ['ether.src=random(seed=5)', 'ipv4.dst=random', 'tcp.ack=random(seed=77)']],
];

export const CASES: [string, string[]][] = [
  BIT_FIELDS_AND_ADDRESSES,
  VXLAN_DERIVED_PORT,
  ...CHECKSUM_CASES,
  ...PAYLOAD_AND_STEPS,
];
