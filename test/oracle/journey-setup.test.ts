/**
 * Issue #15 items 1 and 2, judged by tshark 4.0 (checksum validation on, default preferences): the
 * tunnel setup's GTPv2-C on the s11 and s5c hops and the phone's DNS lookup through the user plane.
 *
 * Expected values come from the config (the addresses and TEIDs the scenario was given) and from
 * TS 29.274 (message types 32-35, interface types of Table 8.22-1, cause 16 "Request accepted"),
 * never from pktcraft's decoder. tshark 4.0.17 has no `gtpv2.imsi`: the IMSI IE's digits are
 * `e212.imsi`.
 *
 * The link test: every TEID tshark sees in a GTP-U packet (S1-U, S5/S8, both ways) is an F-TEID that
 * a GTPv2-C message handed out for that packet's receiver: same TEID, same IPv4 address (the outer
 * destination), and the interface type of that end (S1-U SGW 1, S1-U eNodeB 0, S5/S8-U PGW 5,
 * S5/S8-U SGW 4).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildJourney,
  hopFileName,
  type JourneyConfig,
  type JourneyResult,
  resolveJourneyConfig,
  writeScenario,
} from '../../src/scenario/index.js';
import { SEVERITY, type TsharkPacket, tsharkFields } from '../../src/verify/tshark.js';

interface Variant {
  name: string;
  config: JourneyConfig;
  result: JourneyResult;
  dir: string;
}

let root: string;
const variants: Record<string, Variant> = {};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pktcraft-journey-setup-'));
  const configs: Record<string, object> = {
    default: { https: false },
    https: { name: 'jhttps' },
    fiveG: { https: false, mode: '5g', name: 'j5g' },
    snat: { https: false, pgw: { snat: '203.0.113.99' }, name: 'jsnat' },
    retry: { https: false, retry: { enabled: true }, name: 'jretry' },
  };
  for (const [name, file] of Object.entries(configs)) {
    const config = resolveJourneyConfig(file);
    const result = buildJourney(config);
    const dir = join(root, name);
    await writeScenario(result.scenario, dir);
    variants[name] = { name, config, result, dir };
  }
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function variant(name: string): Variant {
  const found = variants[name];
  if (!found) throw new Error(`no variant ${name}`);
  return found;
}

/** The per-hop file of hop `id` (by id: the numbers move as hops are added). */
function hopFile(v: Variant, id: string): string {
  const index = v.result.hops.findIndex((hop) => hop.id === id);
  if (index < 0) throw new Error(`${v.name}: no hop ${id}`);
  const extension = v.config.https ? 'pcapng' : 'pcap';
  return join(v.dir, v.config.name, `${hopFileName(index, v.result.hops[index]!)}.${extension}`);
}

const values = (packets: readonly TsharkPacket[], field: string): string[] =>
  packets.flatMap((packet) => packet[field] ?? []);
const hex32 = (value: number): string => `0x${value.toString(16).padStart(8, '0')}`;

/** Expert items at Warning or above, and malformed markers; RSTs and TCP sequence analysis are judged elsewhere. */
function badExperts(packet: TsharkPacket): string[] {
  const severities = packet['_ws.expert.severity'] ?? [];
  const groups = packet['_ws.expert.group'] ?? [];
  const messages = packet['_ws.expert.message'] ?? [];
  const bad: string[] = [];
  severities.forEach((severity, i) => {
    if (Number(severity) < SEVERITY.warning) return;
    if (Number(severity) === SEVERITY.warning && Number(groups[i]) === 0x02000000) return;
    if (/^Connection reset \(RST\)$/.test(messages[i] ?? '')) return;
    bad.push(`${severity} ${messages[i]}`);
  });
  if (packet['_ws.malformed']) bad.push('malformed');
  return bad;
}

const EXPERT_FIELDS = [
  '_ws.expert.severity',
  '_ws.expert.group',
  '_ws.expert.message',
  '_ws.malformed',
  'ip.checksum.status',
  'udp.checksum.status',
];

describe('the tunnel setup (GTPv2-C) as tshark sees it', { timeout: 180_000 }, () => {
  it('s11: Create Session Request/Response then Modify Bearer Request/Response, with their TEIDs and F-TEIDs', async () => {
    const v = variant('default');
    const { mme, sgwControl: sgwc, pgwControl: pgwc, tunnels, sgw, pgw, enodeb, subscriber } = v.config;
    const packets = await tsharkFields(hopFile(v, 's11'), [
      ...EXPERT_FIELDS,
      'ip.src',
      'ip.dst',
      'udp.srcport',
      'udp.dstport',
      'gtpv2.message_type',
      'gtpv2.teid',
      'gtpv2.seq',
      'gtpv2.f_teid_interface_type',
      'gtpv2.f_teid_gre_key',
      'gtpv2.f_teid_ipv4',
      'e212.imsi',
      'gtpv2.mei',
      'gtpv2.rat_type',
      'gtpv2.cause',
      'gtpv2.pdn_addr_and_prefix.ipv4',
      'gtpv2.ebi',
    ]);
    expect(packets.map((p) => p['gtpv2.message_type']?.[0])).toEqual(['32', '33', '34', '35']);
    for (const p of packets) {
      expect(badExperts(p)).toEqual([]);
      for (const status of [...(p['ip.checksum.status'] ?? []), ...(p['udp.checksum.status'] ?? [])])
        expect(status).toBe('1');
      expect(p['udp.dstport']).toEqual(['2123']);
    }
    const [csr, csResponse, mbr, mbResponse] = packets as [
      TsharkPacket,
      TsharkPacket,
      TsharkPacket,
      TsharkPacket,
    ];
    // Create Session Request: MME -> SGW-C, header TEID 0, the MME's S11 F-TEID (10) and the PGW-C it chose (7).
    expect([csr['ip.src']![0], csr['ip.dst']![0]]).toEqual([mme.ip, sgwc.s11Ip]);
    expect(csr['gtpv2.teid']).toEqual(['0x00000000']);
    expect(csr['e212.imsi']).toEqual([subscriber.imsi]);
    expect(csr['gtpv2.mei']).toEqual([subscriber.imei]);
    expect(csr['gtpv2.rat_type']).toEqual(['6']); // EUTRAN
    expect(csr['gtpv2.f_teid_interface_type']).toEqual(['10', '7']);
    expect(csr['gtpv2.f_teid_gre_key']).toEqual([hex32(mme.s11Teid), hex32(0)]);
    expect(csr['gtpv2.f_teid_ipv4']).toEqual([mme.ip, pgwc.s5cIp]);
    expect(csr['gtpv2.ebi']).toEqual([String(v.config.tunnelSetup.ebi)]);
    // Create Session Response: to the MME's TEID; the SGW-C's S11, the PGW-C's S5/S8-C, S1-U SGW, S5/S8-U PGW.
    expect(csResponse['gtpv2.teid']).toEqual([hex32(mme.s11Teid)]);
    expect(csResponse['gtpv2.seq']).toEqual(csr['gtpv2.seq']);
    expect(csResponse['gtpv2.cause']).toEqual(['16', '16']);
    expect(csResponse['gtpv2.f_teid_interface_type']).toEqual(['11', '7', '1', '5']);
    expect(csResponse['gtpv2.f_teid_gre_key']).toEqual([
      hex32(sgwc.s11Teid),
      hex32(pgwc.s5cTeid),
      hex32(tunnels.s1u.uplinkTeid),
      hex32(tunnels.s5.uplinkTeid),
    ]);
    expect(csResponse['gtpv2.f_teid_ipv4']).toEqual([sgwc.s11Ip, pgwc.s5cIp, sgw.s1uIp, pgw.ip]);
    expect(csResponse['gtpv2.pdn_addr_and_prefix.ipv4']).toEqual([v.config.phone.ip]);
    // Modify Bearer Request: to the SGW-C's TEID, the eNodeB's S1-U F-TEID (0); the next MME sequence number.
    expect(mbr['gtpv2.teid']).toEqual([hex32(sgwc.s11Teid)]);
    expect(Number(mbr['gtpv2.seq']![0])).toBe(Number(csr['gtpv2.seq']![0]) + 1);
    expect(mbr['gtpv2.f_teid_interface_type']).toEqual(['0']);
    expect(mbr['gtpv2.f_teid_gre_key']).toEqual([hex32(tunnels.s1u.downlinkTeid)]);
    expect(mbr['gtpv2.f_teid_ipv4']).toEqual([enodeb.ip]);
    expect(mbResponse['gtpv2.teid']).toEqual([hex32(mme.s11Teid)]);
    expect(mbResponse['gtpv2.seq']).toEqual(mbr['gtpv2.seq']);
    expect(mbResponse['gtpv2.cause']).toEqual(['16', '16']);
    expect(mbResponse['gtpv2.f_teid_gre_key']).toEqual([hex32(tunnels.s1u.uplinkTeid)]);
  });

  it("s5c: Create Session Request/Response with the SGW's and the PGW's S5/S8 F-TEIDs and the phone's address", async () => {
    const v = variant('default');
    const { sgwControl: sgwc, pgwControl: pgwc, tunnels, sgw, pgw, subscriber } = v.config;
    const packets = await tsharkFields(hopFile(v, 's5c'), [
      ...EXPERT_FIELDS,
      'ip.src',
      'ip.dst',
      'gtpv2.message_type',
      'gtpv2.teid',
      'gtpv2.seq',
      'gtpv2.f_teid_interface_type',
      'gtpv2.f_teid_gre_key',
      'gtpv2.f_teid_ipv4',
      'e212.imsi',
      'gtpv2.cause',
      'gtpv2.pdn_addr_and_prefix.ipv4',
    ]);
    expect(packets.map((p) => p['gtpv2.message_type']?.[0])).toEqual(['32', '33']);
    for (const p of packets) {
      expect(badExperts(p)).toEqual([]);
      for (const status of [...(p['ip.checksum.status'] ?? []), ...(p['udp.checksum.status'] ?? [])])
        expect(status).toBe('1');
    }
    const [csr, csResponse] = packets as [TsharkPacket, TsharkPacket];
    expect([csr['ip.src']![0], csr['ip.dst']![0]]).toEqual([sgwc.s5cIp, pgwc.s5cIp]);
    expect(csr['gtpv2.teid']).toEqual(['0x00000000']);
    expect(csr['e212.imsi']).toEqual([subscriber.imsi]);
    expect(csr['gtpv2.f_teid_interface_type']).toEqual(['6', '4']);
    expect(csr['gtpv2.f_teid_gre_key']).toEqual([hex32(sgwc.s5cTeid), hex32(tunnels.s5.downlinkTeid)]);
    expect(csr['gtpv2.f_teid_ipv4']).toEqual([sgwc.s5cIp, sgw.s5Ip]);
    expect(csResponse['gtpv2.teid']).toEqual([hex32(sgwc.s5cTeid)]);
    expect(csResponse['gtpv2.seq']).toEqual(csr['gtpv2.seq']);
    expect(csResponse['gtpv2.cause']).toEqual(['16', '16']);
    expect(csResponse['gtpv2.f_teid_interface_type']).toEqual(['7', '5']);
    expect(csResponse['gtpv2.f_teid_gre_key']).toEqual([hex32(pgwc.s5cTeid), hex32(tunnels.s5.uplinkTeid)]);
    expect(csResponse['gtpv2.f_teid_ipv4']).toEqual([pgwc.s5cIp, pgw.ip]);
    expect(csResponse['gtpv2.pdn_addr_and_prefix.ipv4']).toEqual([v.config.phone.ip]);
  });

  it('every GTP-U TEID on S1-U and S5/S8 (both ways) was handed out by a GTPv2-C message for its receiver', async () => {
    for (const name of ['default', 'snat', 'retry']) {
      const v = variant(name);
      const signalled = new Set<string>();
      for (const hop of ['s11', 's5c']) {
        const packets = await tsharkFields(hopFile(v, hop), [
          'gtpv2.f_teid_interface_type',
          'gtpv2.f_teid_gre_key',
          'gtpv2.f_teid_ipv4',
        ]);
        for (const p of packets) {
          const types = p['gtpv2.f_teid_interface_type'] ?? [];
          types.forEach((type, i) => {
            signalled.add(`${type} ${p['gtpv2.f_teid_gre_key']![i]} ${p['gtpv2.f_teid_ipv4']![i]}`);
          });
        }
      }
      // The receiving end's interface type (TS 29.274 Table 8.22-1), by hop and direction.
      const receiver: Record<string, { up: string; down: string }> = {
        s1u: { up: '1', down: '0' },
        s5: { up: '5', down: '4' },
      };
      let checked = 0;
      for (const hop of ['s1u', 's5']) {
        const packets = await tsharkFields(hopFile(v, hop), ['ip.src', 'ip.dst', 'gtp.teid']);
        const uplinkSource = hop === 's1u' ? v.config.enodeb.ip : v.config.sgw.s5Ip;
        for (const p of packets) {
          const up = p['ip.src']![0] === uplinkSource;
          const type = up ? receiver[hop]!.up : receiver[hop]!.down;
          const key = `${type} ${p['gtp.teid']![0]} ${p['ip.dst']![0]}`;
          expect(signalled.has(key), `${name} ${hop}: ${key} not in ${[...signalled].join(', ')}`).toBe(true);
          checked++;
        }
      }
      expect(checked, name).toBeGreaterThan(50);
    }
  });

  it('comes before the first user packet: the last GTPv2-C message precedes the DNS query, which precedes the SYN', async () => {
    const v = variant('default');
    const s11 = await tsharkFields(hopFile(v, 's11'), ['frame.time_epoch']);
    const s5c = await tsharkFields(hopFile(v, 's5c'), ['frame.time_epoch']);
    const radio = await tsharkFields(hopFile(v, 'radio'), ['frame.time_epoch', 'dns.id', 'tcp.flags.syn']);
    const times = (packets: TsharkPacket[]): number[] =>
      packets.map((p) => Number(p['frame.time_epoch']![0]));
    const setupEnd = Math.max(...times(s11), ...times(s5c));
    const firstUser = Math.min(...times(radio));
    expect(setupEnd).toBeLessThan(firstUser);
    expect(radio[0]!['dns.id']).toBeDefined();
    // Each exchange takes a few ms: request to response at most 10 ms on either hop.
    for (const packets of [s11, s5c]) {
      const t = times(packets);
      for (let i = 0; i + 1 < t.length; i += 2) {
        expect(t[i + 1]! - t[i]!).toBeGreaterThan(0);
        expect(t[i + 1]! - t[i]!).toBeLessThan(0.01);
      }
    }
    const answerAt = Number(radio.find((p) => p['dns.id'] && p !== radio[0])!['frame.time_epoch']![0]);
    const synAt = Number(radio.find((p) => p['tcp.flags.syn']?.[0] === '1')!['frame.time_epoch']![0]);
    expect(answerAt).toBeLessThan(synAt);
  });
});

describe('the name lookup (DNS) as tshark sees it', { timeout: 180_000 }, () => {
  const DNS_FIELDS = [
    ...EXPERT_FIELDS,
    'ip.src',
    'ip.dst',
    'ip.ttl',
    'dns.flags.response',
    'dns.qry.name',
    'dns.qry.type',
    'dns.count.answers',
    'dns.a',
    'dns.resp.ttl',
    'frame.protocols',
  ];

  it('goes up and down radio, S1-U, S5/S8 and SGi: A for the host, three A records with TTLs', async () => {
    for (const name of ['default', 'fiveG', 'snat', 'https']) {
      const v = variant(name);
      const fiveG = v.config.mode === '5g';
      const vips = [v.config.slb.vip, ...v.config.dns.otherVips];
      for (const hop of fiveG ? ['radio', 'n3', 'n9', 'n6'] : ['radio', 's1u', 's5', 'sgi']) {
        const packets = await tsharkFields(hopFile(v, hop), DNS_FIELDS, { filter: 'dns' });
        const where = `${name} ${hop}`;
        expect(packets, where).toHaveLength(2);
        const [query, answer] = packets as [TsharkPacket, TsharkPacket];
        expect(query['dns.flags.response'], where).toEqual(['0']);
        expect(query['dns.qry.name'], where).toEqual(['shop.example']);
        expect(query['dns.qry.type'], where).toEqual(['1']);
        expect(query['ip.dst']!.at(-1), where).toBe(v.config.dns.resolver);
        expect(answer['dns.flags.response'], where).toEqual(['1']);
        expect(answer['dns.count.answers'], where).toEqual(['3']);
        expect(answer['dns.a'], where).toEqual(vips);
        expect(answer['dns.resp.ttl'], where).toEqual(['300', '300', '300']);
        expect(query['frame.protocols']![0], where).toMatch(/udp:dns$/);
        if (hop !== 'radio') expect(query['frame.protocols']![0], where).toMatch(/^eth:ethertype:ip:/);
        // The inner TTL: the phone's 64 until the PGW routes it; the resolver's 64 less the PGW on the way down.
        const beforePgw = hop !== 'sgi' && hop !== 'n6';
        expect(query['ip.ttl']!.at(-1), where).toBe(beforePgw ? '64' : '63');
        expect(answer['ip.ttl']!.at(-1), where).toBe(beforePgw ? '63' : '64');
        // SNAT at the PGW: the resolver sees (and answers) the SNAT address; the phone its own.
        const phoneSide = beforePgw ? v.config.phone.ip : (v.config.pgw.snat ?? v.config.phone.ip);
        expect(query['ip.src']!.at(-1), where).toBe(phoneSide);
        expect(answer['ip.dst']!.at(-1), where).toBe(phoneSide);
      }
    }
  });

  it('leaves no malformed packet, no unintended expert item and only valid checksums in any per-hop file', async () => {
    for (const name of Object.keys(variants)) {
      const v = variant(name);
      // The hops the setup's packets pass (the TCP packets everywhere are judged in journey.test.ts).
      const setupHops = v.result.hops.filter((hop) =>
        ['gtp-control', 'radio', 'gtp-access', 'gtp-core', 'sgi'].includes(hop.kind),
      );
      expect(setupHops.length, name).toBe(v.config.mode === '5g' ? 4 : 6);
      for (const hop of setupHops) {
        const packets = await tsharkFields(hopFile(v, hop.id), EXPERT_FIELDS, { filter: 'dns || gtpv2' });
        for (const p of packets) {
          const where = `${name} ${hop.id} frame ${p['frame.number']?.[0]}`;
          expect(badExperts(p), where).toEqual([]);
          for (const status of [...(p['ip.checksum.status'] ?? []), ...(p['udp.checksum.status'] ?? [])])
            expect(status, where).toBe('1');
        }
        expect(packets.length, `${name} ${hop.id}`).toBe(
          hop.kind === 'gtp-control' ? (hop.id === 's11' ? 4 : 2) : 2,
        );
      }
    }
  });

  it('the SYN goes to the chosen VIP, the first A record, after the answer; the comments say which and why', async () => {
    for (const name of ['default', 'fiveG', 'retry']) {
      const v = variant(name);
      const radio = await tsharkFields(hopFile(v, 'radio'), [
        'frame.time_epoch',
        'dns.a',
        'ip.dst',
        'tcp.flags.syn',
        'tcp.flags.ack',
      ]);
      const answer = radio.find((p) => (p['dns.a'] ?? []).length > 0)!;
      const chosen = answer['dns.a']![0];
      const syns = radio.filter((p) => p['tcp.flags.syn']?.[0] === '1' && p['tcp.flags.ack']?.[0] === '0');
      expect(syns.length).toBe(v.config.retry.enabled ? 2 : 1);
      for (const syn of syns) {
        expect(syn['ip.dst']).toEqual([chosen]);
        expect(Number(syn['frame.time_epoch']![0])).toBeGreaterThan(Number(answer['frame.time_epoch']![0]));
      }
      // One lookup per journey: the retry's connection uses the cached answer (TTL 300 s).
      expect(radio.filter((p) => p['dns.a'])).toHaveLength(1);
    }
    const v = variant('default');
    const combined = await tsharkFields(join(v.dir, `${v.config.name}.pcapng`), ['frame.comment', 'dns.a'], {
      filter: 'dns.flags.response == 1 || (tcp.flags.syn == 1 && tcp.flags.ack == 0)',
    });
    for (const p of combined) {
      const comments = (p['frame.comment'] ?? []).join(' | ');
      // HAProxy's own connections and the data centre's below it (backend, composite, inventory, orders, MySQL).
      if (!/^(Radio|S1-U|S5\/S8|SGi|Operator|Carrier|Upstream|DC edge|VXLAN)/.test(comments)) continue;
      if (p['dns.a']) {
        expect(comments).toContain(`the phone connects to ${v.config.slb.vip}, the first record`);
        expect(comments).toContain('RFC 6724');
      } else expect(comments).toContain(`to ${v.config.slb.vip}, the first A record of the DNS answer`);
    }
  });

  it('5G mode: the DNS lookup still runs, but no GTPv2-C hop (N2/N4 are not modelled)', async () => {
    const v = variant('fiveG');
    expect(v.result.hops.some((hop) => hop.kind === 'gtp-control')).toBe(false);
    expect(v.result.hops[0]!.id).toBe('radio');
    for (const hop of v.result.hops) {
      const packets = await tsharkFields(hopFile(v, hop.id), ['gtpv2.message_type']);
      expect(values(packets, 'gtpv2.message_type'), hop.id).toEqual([]);
    }
    const radio = await tsharkFields(hopFile(v, 'radio'), ['dns.qry.name'], { filter: 'dns' });
    expect(values(radio, 'dns.qry.name')).toEqual(['shop.example', 'shop.example']);
  });
});
