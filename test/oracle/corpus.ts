/**
 * A corpus of varied packets for the tshark oracle: every layer and option the packet model covers.
 * Each entry is a spec (so the text spec path is exercised too) and the values tshark must show,
 * written from what the spec *means* (the values we put in), never from our own decode.
 */

export interface CorpusEntry {
  spec: string;
  /** tshark field → every occurrence in order (numbers are compared numerically, hex or decimal). */
  expect: Record<string, (string | number)[]>;
  /** Checksum status fields that must be Bad (0) because the spec sets them wrong on purpose. */
  badChecksums?: string[];
  /** The first layer: Ethernet (link type 1, default) or IP (raw IP, link type 101). */
  linkType?: 'ether' | 'raw';
  /** An expert warning the packet raises on purpose (an RFC-violating order the user asked for). */
  intendedWarning?: RegExp;
}

/** A small deterministic PRNG (mulberry32) so the corpus is the same on every run. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function buildCorpus(): CorpusEntry[] {
  const random = prng(20261125);
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const entries: CorpusEntry[] = [];
  let port = 20000;
  // Unique TCP/UDP ports per packet keep tshark's conversation analysis from linking unrelated packets.
  const nextPort = () => port++;
  const v4 = () => `198.51.100.${int(1, 254)}`;
  const v6 = () => `2001:db8:${int(1, 0xffff).toString(16)}::${int(1, 0xffff).toString(16)}`;
  const mac = () =>
    `02:00:00:${int(0, 255).toString(16).padStart(2, '0')}:${int(0, 255).toString(16).padStart(2, '0')}:${int(0, 255).toString(16).padStart(2, '0')}`;

  // 1. Plain Ethernet / IPv4 / UDP and TCP with varied header fields (60 packets).
  for (let i = 0; i < 30; i++) {
    const src = v4();
    const dst = `203.0.113.${int(1, 254)}`;
    const ttl = int(1, 255);
    const id = int(0, 65535);
    const dscp = int(0, 63);
    const ecn = int(0, 3);
    const sport = nextPort();
    const dport = 33333;
    const flags = pick(['DF', '0'] as const);
    const text = 'x'.repeat(int(0, 60));
    entries.push({
      spec: `ether(src=${mac()},dst=${mac()})/ipv4(src=${src},dst=${dst},ttl=${ttl},id=${id},dscp=${dscp},ecn=${ecn},flags=${flags})/udp(sport=${sport},dport=${dport})/raw(text="${text}")`,
      expect: {
        'ip.src': [src],
        'ip.dst': [dst],
        'ip.ttl': [ttl],
        'ip.id': [id],
        'ip.dsfield.dscp': [dscp],
        'ip.dsfield.ecn': [ecn],
        'ip.flags.df': [flags === 'DF' ? 1 : 0],
        'ip.len': [20 + 8 + text.length],
        'udp.srcport': [sport],
        'udp.dstport': [dport],
        'udp.length': [8 + text.length],
      },
    });
  }
  for (let i = 0; i < 30; i++) {
    const sport = nextPort();
    const seq = int(0, 0xffffffff);
    const ack = int(0, 0xffffffff);
    const window = int(1, 65535);
    const letters = pick(['S', 'SA', 'A', 'PA', 'FA', 'SE', 'SAEC', 'PAU'] as const);
    const flagBits = [...letters].reduce(
      (sum, letter) =>
        sum | ({ F: 1, S: 2, R: 4, P: 8, A: 16, U: 32, E: 64, C: 128 } as Record<string, number>)[letter]!,
      0,
    );
    const syn = letters.includes('S');
    const options = syn
      ? `,mss=${int(536, 9000)},wscale=${int(0, 14)},sackok=1,tsval=${int(1, 1e9)},tsecr=0`
      : `,tsval=${int(1, 1e9)},tsecr=${int(1, 1e9)}`;
    const urg = letters.includes('U') ? `,urgptr=${int(1, 10)}` : '';
    const payload = syn ? '' : `/raw(len=${int(1, 100)})`;
    const mss = /mss=(\d+)/.exec(options)?.[1];
    const wscale = /wscale=(\d+)/.exec(options)?.[1];
    const tsval = /tsval=(\d+)/.exec(options)![1]!;
    entries.push({
      spec: `ether/ipv4(src=192.0.2.10,dst=192.0.2.20)/tcp(sport=${sport},dport=33333,seq=${seq},ack=${ack},flags=${letters},window=${window}${options}${urg})${payload}`,
      expect: {
        'tcp.srcport': [sport],
        'tcp.seq_raw': [seq],
        'tcp.ack_raw': [ack],
        'tcp.flags': [flagBits],
        'tcp.window_size_value': [window],
        'tcp.options.timestamp.tsval': [tsval],
        ...(mss
          ? {
              'tcp.options.mss_val': [mss],
              'tcp.options.wscale.shift': [wscale!],
              'tcp.options.sack_perm': ['0402'],
            }
          : {}),
      },
    });
  }

  // 2. 802.1Q and QinQ (20).
  for (let i = 0; i < 20; i++) {
    const outer = int(1, 4094);
    const inner = int(1, 4094);
    const pcp = int(0, 7);
    const qinq = i % 2 === 0;
    entries.push({
      spec: qinq
        ? `ether/dot1q(vlan=${outer},pcp=${pcp})/dot1q(vlan=${inner})/ipv4(src=192.0.2.1,dst=192.0.2.2)/udp(sport=${nextPort()},dport=33333)/raw(len=20)`
        : `ether/dot1q(vlan=${outer},pcp=${pcp},dei=1)/ipv6(src=2001:db8::1,dst=2001:db8::2)/udp(sport=${nextPort()},dport=33333)/raw(len=20)`,
      expect: qinq
        ? // tshark dissects the 0x88a8 S-tag as ieee8021ad (its inner EtherType field is named ieee8021ah.etype).
          {
            'ieee8021ad.id': [outer],
            'ieee8021ad.priority': [pcp],
            'ieee8021ah.etype': [0x8100],
            'vlan.id': [inner],
            'eth.type': [0x88a8],
            'vlan.etype': [0x0800],
          }
        : {
            'vlan.id': [outer],
            'vlan.priority': [pcp],
            'vlan.dei': [1],
            'eth.type': [0x8100],
            'vlan.etype': [0x86dd],
          },
    });
  }

  // 3. ARP requests and replies (10): one MAC per IP so tshark sees no duplicate-address conflict.
  for (let i = 0; i < 10; i++) {
    const op = i % 2 === 0 ? 1 : 2;
    const hwsrc = `02:00:5e:00:00:${(i + 16).toString(16)}`;
    const psrc = `192.0.2.${100 + i}`;
    const pdst = `192.0.2.${200 + i}`;
    const hwdst = op === 2 ? `02:00:5e:00:01:${(i + 16).toString(16)}` : '00:00:00:00:00:00';
    entries.push({
      spec: `ether(src=${hwsrc},dst=${op === 1 ? 'ff:ff:ff:ff:ff:ff' : hwdst})/arp(op=${op},hwsrc=${hwsrc},psrc=${psrc},hwdst=${hwdst},pdst=${pdst})`,
      expect: {
        'arp.opcode': [op],
        'arp.src.hw_mac': [hwsrc],
        'arp.src.proto_ipv4': [psrc],
        'arp.dst.proto_ipv4': [pdst],
        'arp.dst.hw_mac': [hwdst],
      },
    });
  }

  // 4. ICMP echo and errors quoting a datagram (20).
  for (let i = 0; i < 10; i++) {
    const id = int(0, 65535);
    const seq = int(0, 65535);
    const type = i % 2 === 0 ? 8 : 0;
    entries.push({
      spec: `ether/ipv4(src=192.0.2.30,dst=192.0.2.${40 + i})/icmp(type=${type},id=${id},seq=${seq})/raw(len=${int(0, 56)})`,
      expect: { 'icmp.type': [type], 'icmp.ident': [id], 'icmp.seq': [seq], 'icmp.checksum.status': [1] },
    });
  }
  for (let i = 0; i < 10; i++) {
    const type = i % 2 === 0 ? 3 : 11;
    const code = type === 3 ? 3 : 0;
    const quotedPort = nextPort();
    entries.push({
      spec: `ether/ipv4(src=198.51.100.1,dst=192.0.2.50)/icmp(type=${type},code=${code})/ipv4(src=192.0.2.50,dst=198.51.100.${60 + i},ttl=${type === 11 ? 1 : 64})/udp(sport=${quotedPort},dport=33434)/raw(len=12)`,
      expect: {
        'icmp.type': [type],
        'icmp.code': [code],
        'ip.dst': ['192.0.2.50', `198.51.100.${60 + i}`],
        'udp.srcport': [quotedPort],
      },
    });
  }

  // 5. IPv6: UDP, TCP, ICMPv6 echo / NS / NA, extension header chains (30).
  for (let i = 0; i < 10; i++) {
    const src = v6();
    const dst = v6();
    const hlim = int(1, 255);
    const tc = int(0, 255);
    const fl = int(0, 0xfffff);
    entries.push({
      spec: `ether/ipv6(src=${src},dst=${dst},hlim=${hlim},tc=${tc},fl=${fl})/udp(sport=${nextPort()},dport=33333)/raw(len=${int(0, 40)})`,
      expect: {
        'ipv6.src': [src],
        'ipv6.dst': [dst],
        'ipv6.hlim': [hlim],
        'ipv6.tclass': [tc],
        'ipv6.flow': [fl],
        'ipv6.nxt': [17],
      },
    });
  }
  for (let i = 0; i < 4; i++) {
    const id = int(0, 65535);
    const seq = int(0, 65535);
    entries.push({
      spec: `ether/ipv6(src=2001:db8::a,dst=2001:db8::b)/icmpv6(type=${128 + (i % 2)},id=${id},seq=${seq})/raw(len=16)`,
      expect: {
        'icmpv6.type': [128 + (i % 2)],
        'icmpv6.echo.identifier': [id],
        'icmpv6.echo.sequence_number': [seq],
        'icmpv6.checksum.status': [1],
      },
    });
  }
  for (let i = 0; i < 4; i++) {
    const target = `2001:db8::${(0x100 + i).toString(16)}`;
    const lladdr = `02:00:00:00:0a:${(i + 16).toString(16)}`;
    const na = i % 2 === 1;
    entries.push({
      spec: na
        ? `ether/ipv6(src=${target},dst=2001:db8::1,hlim=255)/icmpv6(type=136,flags=${0b011},target=${target},lladdr=${lladdr})`
        : `ether/ipv6(src=2001:db8::1,dst=ff02::1:ff00:${(0x100 + i).toString(16)},hlim=255)/icmpv6(type=135,target=${target},lladdr=${lladdr})`,
      expect: na
        ? {
            'icmpv6.type': [136],
            'icmpv6.nd.na.target_address': [target],
            'icmpv6.opt.linkaddr': [lladdr],
            'icmpv6.nd.na.flag.s': [1],
            'icmpv6.nd.na.flag.o': [1],
            'icmpv6.checksum.status': [1],
          }
        : {
            'icmpv6.type': [135],
            'icmpv6.nd.ns.target_address': [target],
            'icmpv6.opt.linkaddr': [lladdr],
            'icmpv6.checksum.status': [1],
          },
    });
  }
  const chains = [
    ['ipv6hop', 'ipv6dest'],
    ['ipv6hop'],
    ['ipv6dest'],
    ['ipv6frag(id=0x1234)'],
    ['ipv6hop', 'ipv6frag(id=77)', 'ipv6dest'],
    ['ipv6dest', 'ipv6hop'],
  ];
  for (let i = 0; i < 12; i++) {
    const chain = chains[i % chains.length]!;
    const upper =
      i % 2 === 0
        ? `udp(sport=${nextPort()},dport=33333)/raw(len=10)`
        : `tcp(sport=${nextPort()},dport=33333,flags=S,mss=1440)`;
    const names = chain.map((layer) => layer.replace(/\(.*$/, ''));
    const numbers: Record<string, number> = { ipv6hop: 0, ipv6dest: 60, ipv6frag: 44, ipv6route: 43 };
    entries.push({
      // Any order is allowed on purpose; RFC 8200 wants Hop-by-Hop first and tshark says so.
      ...(names[0] !== 'ipv6hop' && names.includes('ipv6hop')
        ? { intendedWarning: /Hop-by-Hop extension header must appear immediately/ }
        : {}),
      spec: `ether/ipv6(src=2001:db8::c,dst=2001:db8::d)/${chain.join('/')}/${upper}`,
      expect: {
        'ipv6.nxt': [numbers[names[0]!]!],
        ...(i % 2 === 0
          ? { 'udp.dstport': [33333], 'udp.checksum.status': [1] }
          : { 'tcp.options.mss_val': [1440], 'tcp.checksum.status': [1] }),
      },
    });
  }

  // 6. GTP-U: G-PDUs with IPv4 and IPv6 inner packets, sequence numbers, N-PDU numbers, PDU session
  //    containers (QFI), and the signalling messages (40).
  for (let i = 0; i < 24; i++) {
    const teid = int(1, 0xffffffff);
    const withSeq = i % 3 === 0;
    const withNpdu = i % 4 === 1;
    const qfi = i % 2 === 0 ? int(1, 63) : undefined;
    const inner6 = i % 5 === 0;
    const innerSrc = inner6 ? v6() : `10.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
    const seq = int(0, 65535);
    const npdu = int(0, 255);
    const gtpFields = [
      `teid=${teid}`,
      withSeq ? `seq=${seq}` : '',
      withNpdu ? `npdu=${npdu}` : '',
      qfi !== undefined ? `qfi=${qfi}` : '',
    ]
      .filter(Boolean)
      .join(',');
    const inner = inner6
      ? `ipv6(src=${innerSrc},dst=2001:db8:ffff::10)/tcp(sport=${nextPort()},dport=443,flags=S,mss=1400)`
      : `ipv4(src=${innerSrc},dst=203.0.113.10)/udp(sport=${nextPort()},dport=33333)/raw(len=30)`;
    entries.push({
      spec: `ether/ipv4(src=192.0.2.1,dst=192.0.2.2)/udp/gtpu(${gtpFields})/${inner}`,
      expect: {
        'gtp.teid': [teid],
        'gtp.message': [255],
        'udp.srcport': inner6 ? [2152] : [2152, port - 1],
        ...(withSeq ? { 'gtp.seq_number': [seq] } : {}),
        ...(withNpdu ? { 'gtp.npdu_number': [npdu] } : {}),
        ...(qfi !== undefined ? { 'gtp.ext_hdr.pdu_ses_con.qos_flow_id': [qfi] } : {}),
        ...(inner6 ? { 'ipv6.src': [innerSrc] } : { 'ip.src': ['192.0.2.1', innerSrc] }),
        'udp.checksum.status': inner6 ? [1] : [1, 1],
      },
    });
  }
  for (let i = 0; i < 4; i++) {
    const seq = int(0, 65535);
    entries.push({
      spec: `ether/ipv4(src=192.0.2.1,dst=192.0.2.2)/udp/gtpu(type=1,teid=0,seq=${seq})`,
      expect: { 'gtp.message': [1], 'gtp.seq_number': [seq] },
    });
    entries.push({
      spec: `ether/ipv4(src=192.0.2.2,dst=192.0.2.1)/udp/gtpu(type=2,teid=0,seq=${seq})/raw(hex=0x0e00)`,
      expect: { 'gtp.message': [2], 'gtp.seq_number': [seq], 'gtp.recovery': [0] },
    });
  }
  for (let i = 0; i < 4; i++) {
    const teid = int(1, 0xffffffff);
    entries.push({
      spec: `ether/ipv4(src=192.0.2.2,dst=192.0.2.1)/udp/gtpu(type=26,teid=0,seq=${i})/raw(hex=0x10${teid.toString(16).padStart(8, '0')}850004c0000202)`,
      expect: { 'gtp.message': [26], 'gtp.teid_data': [teid], 'gtp.gsn_ipv4': ['192.0.2.2'] },
    });
    entries.push({
      spec: `ether/ipv4(src=192.0.2.1,dst=192.0.2.2)/udp/gtpu(type=254,teid=${teid})`,
      expect: { 'gtp.message': [254], 'gtp.teid': [teid], 'gtp.length': [0] },
    });
  }

  // 7. VXLAN with an inner Ethernet frame (24).
  for (let i = 0; i < 24; i++) {
    const vni = int(0, 0xffffff);
    const sport = 49152 + int(0, 16383);
    const innerSrc = `10.1.${int(0, 255)}.${int(1, 254)}`;
    const innerMac = mac();
    entries.push({
      spec: `ether/ipv4(src=192.0.2.11,dst=192.0.2.12)/udp(sport=${sport})/vxlan(vni=${vni})/ether(src=${innerMac},dst=02:00:00:00:01:02)/ipv4(src=${innerSrc},dst=10.1.0.1)/tcp(sport=${nextPort()},dport=8443,flags=S,mss=1410)`,
      expect: {
        'vxlan.vni': [vni],
        'vxlan.flag_i': [1],
        'udp.srcport': [sport],
        'udp.dstport': [4789],
        'eth.src': ['02:00:00:00:00:01', innerMac],
        'ip.src': ['192.0.2.11', innerSrc],
        'tcp.options.mss_val': [1410],
        'udp.checksum.status': [1],
        'tcp.checksum.status': [1],
      },
    });
  }

  // 8. IPv4 options, kept byte-exact (8).
  for (let i = 0; i < 8; i++) {
    const options = i % 2 === 0 ? '0x070b04000000000000000000' : '0x01010100';
    entries.push({
      spec: `ether/ipv4(src=192.0.2.61,dst=192.0.2.62,options=${options})/udp(sport=${nextPort()},dport=33333)/raw(len=8)`,
      expect: {
        'ip.hdr_len': [20 + (options.length - 2) / 2],
        'ip.checksum.status': [1],
        'udp.checksum.status': [1],
      },
    });
  }

  // 9. Raw IP link type (first layer IP) (10).
  for (let i = 0; i < 10; i++) {
    const sport = nextPort();
    entries.push({
      linkType: 'raw',
      spec:
        i % 2 === 0
          ? `ipv4(src=10.0.0.${i + 1},dst=203.0.113.10)/tcp(sport=${sport},dport=443,flags=S,mss=1460,wscale=7,sackok=1,tsval=1000,tsecr=0)`
          : `ipv6(src=2001:db8::${i},dst=2001:db8::ffff)/udp(sport=${sport},dport=33333)/raw(len=4)`,
      expect:
        i % 2 === 0
          ? { 'tcp.srcport': [sport], 'tcp.options.wscale.shift': [7] }
          : { 'udp.srcport': [sport] },
    });
  }

  // 10. Deliberately wrong checksums: tshark must call them bad (8).
  entries.push(
    {
      spec: `ether/ipv4(src=192.0.2.1,dst=192.0.2.2,chksum=0x1234)/udp(sport=${nextPort()},dport=33333)/raw(len=4)`,
      expect: { 'ip.checksum': [0x1234] },
      badChecksums: ['ip.checksum.status'],
    },
    {
      spec: `ether/ipv4(src=192.0.2.1,dst=192.0.2.2)/udp(sport=${nextPort()},dport=33333,chksum=0x1234)/raw(len=4)`,
      expect: { 'udp.checksum': [0x1234] },
      badChecksums: ['udp.checksum.status'],
    },
    {
      spec: `ether/ipv4(src=192.0.2.1,dst=192.0.2.2)/tcp(sport=${nextPort()},dport=33333,flags=S,chksum=0xbeef)`,
      expect: { 'tcp.checksum': [0xbeef] },
      badChecksums: ['tcp.checksum.status'],
    },
    {
      spec: `ether/ipv4(src=192.0.2.1,dst=192.0.2.2)/icmp(type=8,id=1,seq=1,chksum=0x0001)`,
      expect: { 'icmp.checksum': [1] },
      badChecksums: ['icmp.checksum.status'],
    },
    {
      spec: `ether/ipv6(src=2001:db8::1,dst=2001:db8::2)/icmpv6(type=128,id=1,seq=1,chksum=0x0001)`,
      expect: { 'icmpv6.checksum': [1] },
      badChecksums: ['icmpv6.checksum.status'],
    },
    {
      spec: `ether/ipv6(src=2001:db8::1,dst=2001:db8::2)/tcp(sport=${nextPort()},dport=33333,flags=S,chksum=0x0bad)`,
      expect: { 'tcp.checksum': [0x0bad] },
      badChecksums: ['tcp.checksum.status'],
    },
    {
      spec: `ether/ipv4(src=192.0.2.1,dst=192.0.2.2)/udp/gtpu(teid=5)/ipv4(src=10.0.0.1,dst=10.0.0.2,chksum=0x4242)/udp(sport=${nextPort()},dport=33333)/raw(len=4)`,
      expect: { 'gtp.teid': [5] },
      badChecksums: ['ip.checksum.status'],
    },
    {
      spec: `ether/ipv4(src=192.0.2.1,dst=192.0.2.2)/udp(chksum=0x0001)/vxlan(vni=7)/ether/ipv4(src=10.0.0.1,dst=10.0.0.2)/udp(sport=${nextPort()},dport=33333)/raw(len=4)`,
      expect: { 'vxlan.vni': [7] },
      badChecksums: ['udp.checksum.status'],
    },
  );
  // 11. Geneve (RFC 8926, UDP 6081) with options, O/C bits and each payload type (16). Its own
  // generator, so the entries before it stay the same.
  const genevePick = prng(8926);
  const gint = (min: number, max: number) => min + Math.floor(genevePick() * (max - min + 1));
  const hexOf = (value: number, bytes: number) => value.toString(16).padStart(2 * bytes, '0');
  for (let i = 0; i < 16; i++) {
    const vni = gint(0, 0xffffff);
    const oam = i % 4 === 1 ? 1 : 0;
    const critical = i % 3 === 2 ? 1 : 0;
    const optionCount = i % 3;
    let options = '';
    for (let k = 0; k < optionCount; k++) {
      const words = gint(0, 3);
      options += hexOf(gint(0, 0xffff), 2) + hexOf(gint(0, 0x7f), 1) + hexOf(words, 1);
      for (let w = 0; w < words; w++) options += hexOf(gint(0, 0xffffffff), 4);
    }
    const optionText = options ? `,options=0x${options}` : '';
    const sport = 49152 + gint(0, 16383);
    const inner = i % 3;
    const payload =
      inner === 0
        ? `ether(src=02:00:00:00:02:01,dst=02:00:00:00:02:02)/ipv4(src=10.2.0.${gint(1, 254)},dst=10.2.0.1)/udp(sport=${nextPort()},dport=33333)/raw(len=8)`
        : inner === 1
          ? `ipv4(src=10.3.0.${gint(1, 254)},dst=10.3.0.1)/tcp(sport=${nextPort()},dport=443,flags=S)`
          : `ipv6(src=2001:db8:6::${hexOf(gint(1, 0xffff), 2)},dst=2001:db8:6::1)/udp(sport=${nextPort()},dport=33333)/raw(text="g")`;
    entries.push({
      spec: `ether/ipv4(src=192.0.2.21,dst=192.0.2.22)/udp(sport=${sport})/geneve(vni=${vni},oam=${oam},critical=${critical}${optionText})/${payload}`,
      expect: {
        'udp.dstport': inner === 1 ? [6081] : [6081, 33333],
        'geneve.version': [0],
        'geneve.vni': [vni],
        'geneve.flags.oam': [oam],
        'geneve.flags.critical': [critical],
        'geneve.proto_type': [[0x6558, 0x0800, 0x86dd][inner] ?? 0],
        ...(options ? { 'geneve.options': [options] } : {}),
        'udp.checksum.status': inner === 1 ? [1] : [1, 1],
      },
    });
  }
  // 12. DNS (RFC 1035) over UDP and TCP: queries and responses with random IDs and flags (12). Its own
  // generator, so the entries before it stay the same.
  const dnsPick = prng(1035);
  const dint = (min: number, max: number) => min + Math.floor(dnsPick() * (max - min + 1));
  const qtypes = [
    ['A', 1],
    ['AAAA', 28],
    ['MX', 15],
    ['TXT', 16],
  ] as const;
  for (let i = 0; i < 12; i++) {
    const id = dint(0, 0xffff);
    const response = i % 2;
    const rd = dint(0, 1);
    const ra = response ? dint(0, 1) : 0;
    const aa = response ? dint(0, 1) : 0;
    const [qtypeName, qtype] = qtypes[i % qtypes.length]!;
    const name = `h${dint(1, 999)}.example.net`;
    const ttl = dint(0, 86400);
    const address = `198.51.100.${dint(1, 254)}`;
    const answer = response && qtype === 1 ? `,an='${name} ${ttl} A ${address}'` : '';
    const overTcp = i >= 8;
    const clientPort = nextPort();
    const transport = overTcp
      ? `tcp(sport=${response ? 53 : clientPort},dport=${response ? clientPort : 53},flags=PA)`
      : `udp(sport=${response ? 53 : clientPort},dport=${response ? clientPort : 53})`;
    const length = 12 + name.length + 2 + 4 + (answer ? 2 + 10 + 4 : 0);
    entries.push({
      spec: `ether/ipv4(src=10.53.0.${dint(1, 254)},dst=10.53.1.1)/${transport}/dns(id=${id},qr=${response},rd=${rd},ra=${ra},aa=${aa},qd=${name}/${qtypeName}${answer})`,
      expect: {
        'dns.id': [id],
        'dns.flags.response': [response],
        'dns.flags.recdesired': [rd],
        ...(response ? { 'dns.flags.recavail': [ra], 'dns.flags.authoritative': [aa] } : {}),
        'dns.qry.name': [name],
        'dns.qry.type': [qtype],
        'dns.count.answers': [answer ? 1 : 0],
        ...(answer ? { 'dns.a': [address], 'dns.resp.ttl': [ttl] } : {}),
        ...(overTcp ? { 'dns.length': [length] } : {}),
      },
    });
  }
  // 13. GTPv2-C (TS 29.274) on UDP 2123: random sequence numbers, TEIDs and F-TEIDs (8).
  const gtpPick = prng(29274);
  const gnum = (min: number, max: number) => min + Math.floor(gtpPick() * (max - min + 1));
  for (let i = 0; i < 8; i++) {
    const echo = i % 4 === 3;
    const type = echo ? 1 : [32, 33, 34][i % 4]!;
    const teid = gnum(0, 0xffffffff);
    const seq = gnum(0, 0xffffff);
    const fteid = gnum(0, 0xffffffff);
    const ies = echo
      ? 'recovery=1'
      : `fteid=s11-mme/${fteid}/10.60.0.${gnum(1, 254)}; bearer(ebi=${gnum(5, 15)})`;
    entries.push({
      spec: `ether/ipv4(src=10.60.0.1,dst=10.60.0.2)/udp/gtpv2(type=${type},${echo ? '' : `teid=${teid},`}seq=${seq},ies='${ies}')`,
      expect: {
        'gtpv2.message_type': [type],
        'gtpv2.t': [echo ? 0 : 1],
        'gtpv2.seq': [seq],
        ...(echo ? {} : { 'gtpv2.teid': [teid], 'gtpv2.f_teid_gre_key': [fteid] }),
      },
    });
  }
  return entries;
}
