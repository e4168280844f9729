/**
 * Issue 5 "done means", judged by tshark 4.0 with checksum validation on and otherwise its default
 * preferences.
 *
 * These variants run with `https: false` (`--plain-http`, the lesson of what plain HTTP shows on every
 * hop); the HTTPS default is judged in test/tls/journey-https.test.ts. The HTTP request is found by
 * tshark's HTTP heuristic on the unregistered ports 8000/8001, so no "decode as" is needed.
 *
 * The radio loses the last segment of the phone's first flight (`lessons.radioTailLoss`): in plain HTTP
 * the request's last segment. Nothing follows it, so the phone's retransmission timer resends it; at the
 * hops after the loss that retransmission is simply the next segment in order, and at the phone's capture
 * it comes after a request tshark has already reassembled without it being an error: tshark's default
 * in-order reassembly decodes the request at every hop. A loss *inside* the request (the old default,
 * segment 3) gives "New fragment overlaps old data (retransmission?)" (Malformed) at the phone's capture
 * and no decodable request after the loss, with Linux's own bytes as with ours (test/lab/radio-loss.test.ts,
 * docs/radio-reassembly.md): the lessons that lose segments inside the request (zero, heavy) keep that,
 * and only their checks set `tcp.reassemble_out_of_order`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePacket } from '../../src/packet/index.js';
import {
  buildJourney,
  hopFileName,
  type JourneyConfig,
  type JourneyResult,
  orderedPackets,
  phoneRequest,
  resolveJourneyConfig,
  writeScenario,
} from '../../src/scenario/index.js';
import { SEVERITY, type TsharkPacket, tsharkFields } from '../../src/verify/tshark.js';

/**
 * Out-of-order reassembly: only where tshark's default in-order reassembly cannot decode what a real
 * network gives (see the header): the lessons' losses inside the request, and the combined pcapng.
 */
const OUT_OF_ORDER = ['tcp.reassemble_out_of_order:TRUE'];
/** Variants whose per-hop captures tshark's defaults report as Malformed (a retransmission inside a reassembled request). */
const NEEDS_OUT_OF_ORDER: ReadonlySet<string> = new Set(['zero']);

const ANALYSIS_FLAGS = [
  'tcp.analysis.retransmission',
  'tcp.analysis.fast_retransmission',
  'tcp.analysis.spurious_retransmission',
  'tcp.analysis.out_of_order',
  'tcp.analysis.lost_segment',
  'tcp.analysis.ack_lost_segment',
  'tcp.analysis.duplicate_ack',
  'tcp.analysis.window_update',
  'tcp.analysis.window_full',
  'tcp.analysis.zero_window',
  'tcp.analysis.zero_window_probe',
  'tcp.analysis.zero_window_probe_ack',
  'tcp.analysis.keep_alive',
  'tcp.analysis.keep_alive_ack',
  'tcp.analysis.reused_ports',
] as const;
type Flag = (typeof ANALYSIS_FLAGS)[number];

interface Variant {
  name: string;
  config: JourneyConfig;
  result: JourneyResult;
  dir: string;
}

let root: string;
const variants: Record<string, Variant> = {};

/** The position of the hop with this id (hop numbers shift when hops are added: never hard-code them). */
function hopById(variant: Variant, id: string): number {
  const index = variant.result.hops.findIndex((hop) => hop.id === id);
  if (index < 0) throw new Error(`${variant.name}: no hop ${id}`);
  return index;
}

function hopFile(variant: Variant, hopIndex: number): string {
  return join(
    variant.dir,
    variant.config.name,
    `${hopFileName(hopIndex, variant.result.hops[hopIndex]!)}.pcap`,
  );
}

/** The phone ↔ HAProxy TCP packets (the DNS lookup shares the user-plane hops; the tunnel setup has its own). */
const TCP_ONLY = 'tcp';

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'pktcraft-journey-'));
  const configs: Record<string, object> = {
    default: { https: false },
    fiveG: { https: false, mode: '5g', name: 'j5g' },
    retry: { https: false, retry: { enabled: true }, name: 'jretry' },
    timeout: { https: false, retry: { enabled: true, break: 'timeout' }, name: 'jtimeout' },
    snat: {
      https: false,
      pgw: { snat: '203.0.113.99' },
      carriers: { upstream: { routers: [{ name: 'br1', mac: '02:00:00:00:31:01', delayMs: 2.5 }] } },
      name: 'jsnat',
    },
    zero: {
      https: false,
      lessons: { zeroWindow: true, uplinkDrops: [2, 5], downlinkDrops: [2] },
      name: 'jzero',
    },
    heavy: { https: false, lessons: { uplinkDrops: [3, 4, 6], downlinkDrops: [2] }, name: 'jheavy' },
    rto: { https: false, lessons: { uplinkDrops: [8] }, mode: '5g', name: 'jrto' },
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

interface ExpectedFrame {
  /** Flags tshark may set on this frame. */
  allowed: Set<Flag>;
  /** Flags tshark must set (one of each inner list). */
  required: Flag[][];
}

/**
 * What the scenario intends at each frame of one hop, from what the scenario knows about each packet
 * (the sender's note: retransmission, duplicate ACK, window update, zero window probe) and from the
 * segments this capture point saw (a gap where a segment was lost before it).
 */
function intendedFlags(variant: Variant, hopIndex: number): ExpectedFrame[] {
  const hop = variant.result.hops[hopIndex]!;
  const packets = orderedPackets(variant.result.scenario)
    .filter((packet) => packet.hop === hopIndex)
    .filter((packet) =>
      decodePacket(packet.data, { linkType: hop.linkType }).layers.some((layer) => layer.layer === 'tcp'),
    );
  const highest = new Map<string, number>();
  const lastAck = new Map<string, number>();
  return packets.map((packet) => {
    const decoded = decodePacket(packet.data, { linkType: hop.linkType });
    const tcp = decoded.layers.find((layer) => layer.layer === 'tcp');
    const ip = decoded.layers.filter((layer) => layer.layer === 'ipv4').at(-1);
    if (tcp?.layer !== 'tcp' || ip?.layer !== 'ipv4')
      throw new Error(`hop ${hopIndex}: a packet without TCP over IPv4`);
    const { seq, ack, flags, window, sport, dport } = tcp.fields;
    const length = ip.fields.len - ip.fields.ihl * 4 - tcp.fields.dataofs * 4;
    const key = `${ip.fields.src}:${sport}>${ip.fields.dst}:${dport}`;
    const notes = packet.comments.slice(1).join(' | ');
    const allowed = new Set<Flag>();
    const required: Flag[][] = [];
    const end = (seq + length + (flags & 0x03 ? 1 : 0)) >>> 0;
    const seen = highest.get(key);
    // tshark calls a segment a retransmission only when this capture point saw bytes beyond its start:
    // after a tail loss, the hops past the loss see the retransmission as the next segment in order.
    const behind = seen !== undefined && ((seq - seen) | 0) < 0;
    if (/retransmission/.test(notes) && behind) {
      for (const flag of [
        'tcp.analysis.retransmission',
        'tcp.analysis.fast_retransmission',
        'tcp.analysis.out_of_order',
      ] as const) {
        allowed.add(flag);
      }
      required.push(
        hop.kind === 'radio' && /fast retransmission/.test(notes)
          ? ['tcp.analysis.fast_retransmission']
          : ['tcp.analysis.retransmission', 'tcp.analysis.out_of_order'],
      );
    }
    if (seen !== undefined && length > 0 && ((seq - seen) | 0) > 0 && !(flags & 0x04)) {
      // A segment lost before this capture point leaves a hole in front of this one.
      allowed.add('tcp.analysis.lost_segment');
      required.push(['tcp.analysis.lost_segment']);
    }
    if (/duplicate ACK/.test(notes)) {
      allowed.add('tcp.analysis.duplicate_ack');
      required.push(['tcp.analysis.duplicate_ack']);
    }
    if (length === 0 && !(flags & 0x07) && lastAck.get(key) === ack) {
      // A pure ACK with the same ack number: tshark calls it a window update when the window moved.
      allowed.add('tcp.analysis.window_update');
      allowed.add('tcp.analysis.duplicate_ack');
    }
    if (/zero window probe/.test(notes)) {
      allowed.add('tcp.analysis.zero_window_probe');
      required.push(['tcp.analysis.zero_window_probe']);
    }
    if (window === 0 && !(flags & 0x07)) {
      allowed.add('tcp.analysis.zero_window');
      allowed.add('tcp.analysis.zero_window_probe_ack');
      required.push(['tcp.analysis.zero_window']);
    }
    if (length > 0 && (variant.config.lessons.windowSqueeze || variant.config.lessons.zeroWindow)) {
      allowed.add('tcp.analysis.window_full');
    }
    if (seen === undefined || ((end - seen) | 0) > 0) highest.set(key, end);
    if (flags & 0x10) lastAck.set(key, ack);
    return { allowed, required };
  });
}

function flagsOf(packet: TsharkPacket): Flag[] {
  return ANALYSIS_FLAGS.filter((flag) => packet[flag] !== undefined);
}

/** Expert items at Warning or above that are not TCP sequence analysis or an intended RST. */
function unexpectedExperts(packet: TsharkPacket): string[] {
  const severities = packet['_ws.expert.severity'] ?? [];
  const messages = packet['_ws.expert.message'] ?? [];
  const groups = packet['_ws.expert.group'] ?? [];
  const bad: string[] = [];
  severities.forEach((severity, i) => {
    if (Number(severity) < SEVERITY.warning) return;
    const sequenceGroup = Number(groups[i]) === 0x02000000;
    if (Number(severity) === SEVERITY.warning && sequenceGroup) return; // judged flag by flag
    if (Number(severity) === SEVERITY.warning && /^Connection reset \(RST\)$/.test(messages[i] ?? '')) return;
    bad.push(`${severity} ${messages[i]}`);
  });
  if (packet['_ws.malformed']) bad.push('malformed');
  return bad;
}

const EXPERT_FIELDS = ['_ws.expert.severity', '_ws.expert.group', '_ws.expert.message', '_ws.malformed'];

describe.each(['default', 'fiveG', 'retry', 'timeout', 'snat', 'zero', 'heavy', 'rto'])(
  'journey variant %s, every hop',
  (name) => {
    it('decodes cleanly with checksums validated: only the intended TCP analysis flags, at the intended frames', async () => {
      const variant = variants[name]!;
      for (let hopIndex = 0; hopIndex < variant.result.hops.length; hopIndex++) {
        const hop = variant.result.hops[hopIndex]!;
        // The tunnel setup's hops: test/oracle/journey-setup.test.ts.
        if (hop.kind === 'gtp-control') continue;
        const file = hopFile(variant, hopIndex);
        const packets = await tsharkFields(
          file,
          [
            ...EXPERT_FIELDS,
            ...ANALYSIS_FLAGS,
            'ip.checksum.status',
            'udp.checksum.status',
            'tcp.checksum.status',
            'frame.protocols',
          ],
          NEEDS_OUT_OF_ORDER.has(name)
            ? { preferences: OUT_OF_ORDER, filter: TCP_ONLY }
            : { filter: TCP_ONLY },
        );
        const intended = intendedFlags(variant, hopIndex);
        expect(packets.length, hop.id).toBe(intended.length);
        packets.forEach((packet, i) => {
          const where = `${name} ${hop.id} frame ${i + 1}`;
          expect(unexpectedExperts(packet), where).toEqual([]);
          for (const status of [
            ...(packet['ip.checksum.status'] ?? []),
            ...(packet['tcp.checksum.status'] ?? []),
          ]) {
            expect(status, where).toBe('1');
          }
          for (const status of packet['udp.checksum.status'] ?? []) expect(status, where).toBe('1');
          const flags = flagsOf(packet);
          for (const flag of flags)
            expect(intended[i]!.allowed.has(flag), `${where}: unintended ${flag}`).toBe(true);
          for (const oneOf of intended[i]!.required) {
            expect(
              oneOf.some((flag) => flags.includes(flag)),
              `${where}: expected ${oneOf.join(' or ')}`,
            ).toBe(true);
          }
          const protocols = packet['frame.protocols']?.[0] ?? '';
          expect(protocols, where).toMatch(
            hop.kind === 'radio'
              ? /^raw:ip:tcp/
              : hop.kind === 'carrier'
                ? /^eth:ethertype:(mpls:)?ip:/
                : /^eth:ethertype:ip:/,
          );
        });
      }
    });
  },
);

describe('the default journey as tshark sees it', () => {
  it("shows the phone's timer retransmission of the request's tail at the radio, and no hole at any later hop", async () => {
    const variant = variants.default!;
    const radio = await tsharkFields(
      hopFile(variant, hopById(variant, 'radio')),
      ['tcp.seq', 'frame.time_epoch', 'tcp.analysis.retransmission', 'tcp.analysis.fast_retransmission'],
      { filter: TCP_ONLY },
    );
    const again = radio.filter((p) => p['tcp.analysis.retransmission']);
    expect(again).toHaveLength(1);
    expect(radio.filter((p) => p['tcp.analysis.fast_retransmission'])).toEqual([]);
    // No duplicate ACKs to trigger anything sooner: the timer fires, at least the 200 ms minimum RTO later.
    const original = radio.find((p) => p['tcp.seq']![0] === again[0]!['tcp.seq']![0])!;
    const waited = Number(again[0]!['frame.time_epoch']![0]) - Number(original['frame.time_epoch']![0]);
    expect(waited).toBeGreaterThanOrEqual(0.2);
    const radioAt = hopById(variant, 'radio');
    for (let hop = radioAt + 1; hop <= hopById(variant, 'vxlan'); hop++) {
      const packets = await tsharkFields(hopFile(variant, hop), [
        'tcp.analysis.lost_segment',
        'tcp.analysis.retransmission',
      ]);
      const where = variant.result.hops[hop]!.id;
      expect(
        packets.filter((p) => p['tcp.analysis.lost_segment']),
        where,
      ).toEqual([]);
      expect(
        packets.filter((p) => p['tcp.analysis.retransmission']),
        where,
      ).toEqual([]);
    }
  });

  it('has the outer addresses, UDP ports, TEIDs (up != down) and the VNI', async () => {
    const { config } = variants.default!;
    const s1u = await tsharkFields(
      hopFile(variants.default!, hopById(variants.default!, 's1u')),
      ['ip.src', 'ip.dst', 'udp.srcport', 'udp.dstport', 'gtp.teid'],
      { filter: TCP_ONLY },
    );
    const teids = new Set<string>();
    for (const p of s1u) {
      expect(p['udp.dstport']).toEqual(['2152']);
      const up = p['ip.src']![0] === config.enodeb.ip;
      expect(p['ip.dst']![0]).toBe(up ? config.sgw.s1uIp : config.enodeb.ip);
      expect(p['ip.src']![1]).toBe(up ? config.phone.ip : config.slb.vip);
      teids.add(`${up ? 'up' : 'down'} ${p['gtp.teid']![0]}`);
    }
    expect([...teids].sort()).toEqual(['down 0x0e0b1001', 'up 0x1a2b3c4d']);
    const s5 = await tsharkFields(hopFile(variants.default!, hopById(variants.default!, 's5')), [
      'ip.src',
      'gtp.teid',
    ]);
    expect(new Set(s5.map((p) => `${p['ip.src']![0]} ${p['gtp.teid']![0]}`))).toEqual(
      new Set([`${config.sgw.s5Ip} 0x2b3c4d5e`, `${config.pgw.ip} 0x5e0b2002`]),
    );
    const vx = await tsharkFields(hopFile(variants.default!, hopById(variants.default!, 'vxlan')), [
      'udp.dstport',
      'udp.srcport',
      'vxlan.vni',
      'ip.src',
      'ip.dst',
      'eth.dst',
    ]);
    for (const p of vx) {
      expect(p['vxlan.vni']).toEqual(['7001']);
      const up = p['ip.src']![0] === config.slb.hostIp;
      expect(p['udp.dstport']).toEqual([up ? '4789' : '4789']);
      expect(Number(p['udp.srcport']![0])).toBeGreaterThanOrEqual(32768);
      // The inner frame carries the DNATed destination (uplink) / the VM as source (downlink).
      expect(up ? p['ip.dst']![1] : p['ip.src']![1]).toBe(config.haproxy.vmIp);
      expect(p['eth.dst']![1]).toBe(up ? config.haproxy.vmMac : config.slb.gatewayMac);
    }
  });

  it('reassembles at the HAProxy hop exactly the request the phone sent', async () => {
    const variant = variants.default!;
    const request = Buffer.from(phoneRequest(variant.config)).toString('hex');
    for (const hop of [hopById(variant, 'radio'), hopById(variant, 'vxlan')]) {
      // Follow TCP orders the stream by sequence number itself, whatever the reassembly preference.
      const text = execFileSync(
        'tshark',
        ['-n', '-r', hopFile(variant, hop), '-q', '-z', 'follow,tcp,raw,0'],
        {
          env: { ...process.env, LC_ALL: 'C' },
          stdio: ['ignore', 'pipe', 'ignore'],
        },
      ).toString();
      // Client-to-server data lines are not indented; the server's are.
      const clientHex = text
        .split('\n')
        .filter((line) => /^[0-9a-f]+$/.test(line))
        .join('');
      expect(clientHex, variant.result.hops[hop]!.id).toBe(request);
    }
    const fields = ['http.request.method', 'http.request.uri', 'http.response.code', 'http.request.line'];
    const key = `Idempotency-Key: ${variant.config.order.idempotencyKey}\r\n`;
    for (const hop of [hopById(variant, 'radio'), hopById(variant, 'vxlan')]) {
      const http = await tsharkFields(hopFile(variant, hop), [...fields, '_ws.malformed']);
      const where = variant.result.hops[hop]!.id;
      expect(
        http.flatMap((p) => p['http.request.method'] ?? []),
        where,
      ).toEqual(['POST']);
      expect(
        http.flatMap((p) => p['http.request.uri'] ?? []),
        where,
      ).toEqual(['/orders']);
      expect(
        http.flatMap((p) => p['http.request.line'] ?? []),
        where,
      ).toContain(key);
      expect(
        http.flatMap((p) => p['http.response.code'] ?? []),
        where,
      ).toEqual(['201']);
      expect(
        http.flatMap((p) => p['_ws.malformed'] ?? []),
        where,
      ).toEqual([]);
    }
  });

  it('forwards with X-Forwarded-For on the backend hop', async () => {
    const variant = variants.default!;
    const backend = await tsharkFields(hopFile(variant, hopById(variant, 'backend')), [
      'http.x_forwarded_for',
      'http.response.code',
      'ip.src',
      'ip.dst',
    ]);
    expect(backend.flatMap((p) => p['http.x_forwarded_for'] ?? [])).toEqual([variant.config.phone.ip]);
    expect(backend.flatMap((p) => p['http.response.code'] ?? [])).toEqual(['201']);
  });

  it('puts the journey in one pcapng: named interfaces, link types, comments, time order, each connection at one hop, no warning', async () => {
    const variant = variants.default!;
    const file = join(variant.dir, `${variant.config.name}.pcapng`);
    // tshark's default preferences: the combined file must need none.
    const packets = await tsharkFields(file, [
      'frame.interface_name',
      'frame.interface_id',
      'frame.encap_type',
      'frame.comment',
      'frame.time_epoch',
      'ip.src',
      'ip.dst',
      'tcp.srcport',
      'tcp.dstport',
      'udp.srcport',
      'udp.dstport',
      'tcp.analysis.out_of_order',
      'tcp.analysis.retransmission',
      ...EXPERT_FIELDS,
    ]);
    const names = variant.result.hops.map((hop, i) => hopFileName(i, hop));
    let last = 0;
    let retransmissions = 0;
    /** Innermost addresses and ports, as tshark reads them, to the interfaces that carry them. */
    const seenAt = new Map<string, Set<string>>();
    for (const p of packets) {
      const id = Number(p['frame.interface_id']![0]);
      expect(p['frame.interface_name']![0]).toBe(names[id]);
      // wtap: 7 raw IP (the radio), 1 Ethernet (by the hop's link type: the radio is not hop 0 in 4G)
      expect(p['frame.encap_type']![0]).toBe(variant.result.hops[id]!.linkType === 101 ? '7' : '1');
      expect(p['frame.comment']?.[0]).toBeTruthy();
      const time = Number(p['frame.time_epoch']![0]);
      expect(time).toBeGreaterThanOrEqual(last);
      last = time;
      // Only the lessons' own warnings (the phone's zero window, judged per hop above): no
      // out-of-order copy, no malformed reassembly.
      expect(unexpectedExperts(p)).toEqual([]);
      expect(p['tcp.analysis.out_of_order']).toBeUndefined();
      // The radio's lost segment is resent once, seen at the phone's interface (hop files: above).
      if (p['tcp.analysis.retransmission']) retransmissions++;
      const ports = [
        ...(p['tcp.srcport'] ?? p['udp.srcport'] ?? []),
        ...(p['tcp.dstport'] ?? p['udp.dstport'] ?? []),
      ];
      const ips = [...(p['ip.src'] ?? [])].slice(-1).concat([...(p['ip.dst'] ?? [])].slice(-1));
      if (ports.length < 2 || ips.length < 2) continue;
      const a = `${ips[0]} ${ports.at(-2)}`;
      const b = `${ips[1]} ${ports.at(-1)}`;
      const key = a < b ? `${a}|${b}` : `${b}|${a}`;
      seenAt.set(key, (seenAt.get(key) ?? new Set()).add(String(id)));
    }
    for (const [key, interfaces] of seenAt) expect([...interfaces], key).toHaveLength(1);
    expect(retransmissions).toBe(1);
    // The phone's connection at its own interface (the radio), the NATed one inside VXLAN, the tunnel
    // setup and the data centre's tiers: at least those hops, and every hop has its interface.
    const used = new Set(packets.map((p) => names[Number(p['frame.interface_id']![0])]));
    for (const id of ['radio', 'vxlan', 'backend'])
      expect(
        [...used].some((n) => n?.endsWith(`-${id}`)),
        id,
      ).toBe(true);
    expect(packets.length).toBeLessThan(variant.result.scenario.packets.length);

    // --all-hops: every hop's copy, as mergecap would merge the per-hop files.
    const allDir = mkdtempSync(join(tmpdir(), 'pktcraft-all-hops-'));
    try {
      await writeScenario(variant.result.scenario, allDir, { combined: 'all-hops' });
      const all = await tsharkFields(join(allDir, `${variant.config.name}.pcapng`), ['frame.interface_id']);
      expect(all.length).toBe(variant.result.scenario.packets.length);
      expect(new Set(all.map((p) => p['frame.interface_id']![0])).size).toBe(names.length);
    } finally {
      rmSync(allDir, { recursive: true, force: true });
    }
  });
});

describe('5G mode as tshark sees it', () => {
  it('carries the QFI in the PDU Session Container: UL PDU type 1, DL PDU type 0', async () => {
    const variant = variants.fiveG!;
    for (const hop of [hopById(variant, 'n3'), hopById(variant, 'n9')]) {
      const packets = await tsharkFields(hopFile(variant, hop), [
        'ip.src',
        'gtp.ext_hdr.pdu_ses_con.pdu_type',
        'gtp.ext_hdr.pdu_ses_con.qos_flow_id',
      ]);
      for (const p of packets) {
        const up = p['ip.src']![1] === variant.config.phone.ip;
        expect(p['gtp.ext_hdr.pdu_ses_con.qos_flow_id']).toEqual([String(variant.config.tunnels.qfi)]);
        expect(p['gtp.ext_hdr.pdu_ses_con.pdu_type']).toEqual([up ? '1' : '0']);
      }
    }
  });
});

describe('--retry as tshark sees it', () => {
  for (const name of ['retry', 'timeout']) {
    it(`${name}: two connections from the phone, the same Idempotency-Key, one order, the same order id`, async () => {
      const variant = variants[name]!;
      const key = variant.config.order.idempotencyKey;
      const radio = await tsharkFields(
        hopFile(variant, hopById(variant, 'radio')),
        ['tcp.stream', 'http.request.line', 'tcp.flags.syn', 'tcp.flags.ack'],
        { filter: TCP_ONLY },
      );
      const streams = new Set(radio.map((p) => p['tcp.stream']![0]));
      expect(streams.size).toBe(2);
      const keyed = radio.filter((p) =>
        (p['http.request.line'] ?? []).includes(`Idempotency-Key: ${key}\r\n`),
      );
      expect(keyed.map((p) => p['tcp.stream']![0])).toEqual(['0', '1']);
      const backend = await tsharkFields(hopFile(variant, hopById(variant, 'backend')), [
        'tcp.stream',
        'http.response.code',
        'http.file_data',
      ]);
      const responses = backend.filter((p) => p['http.response.code']);
      expect(responses.map((p) => p['http.response.code']![0])).toEqual(['201', '200']);
      const ids = responses.map((p) => {
        const body = Buffer.from((p['http.file_data']![0] ?? '').replace(/:/g, ''), 'hex').toString();
        return /"orderId": "([^"]+)"/.exec(body.length > 0 ? body : (p['http.file_data']![0] ?? ''))?.[1];
      });
      expect(ids).toEqual(['ord-100017', 'ord-100017']);
      expect(variant.result.ordersCreated).toBe(1);
    });
  }
});
