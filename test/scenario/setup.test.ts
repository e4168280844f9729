/**
 * The journey's tunnel setup and name lookup (src/scenario/setup.ts): hop order, the timeline before
 * the SYN, the TEIDs the GTPv2-C messages hand out against the GTP-U packets, DNS through the user
 * plane with its TTLs and NAT, the config's rules. Expected values are the config's own numbers and
 * TS 29.274's (message types, interface types); tshark's view is in test/oracle/journey-setup.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { FieldError } from '../../src/core/errors.js';
import type { Gtpv2Info } from '../../src/layers/gtpv2.js';
import { type DecodedLayer, decodePacket } from '../../src/packet/index.js';
import {
  buildJourney,
  defaultJourneyConfig,
  formatLadder,
  type JourneyResult,
  orderedPackets,
  resolveJourneyConfig,
} from '../../src/scenario/index.js';

interface Frame {
  hop: string;
  timeUs: number;
  direction: 'up' | 'down';
  layers: DecodedLayer[];
  comments: string[];
}

function frames(result: JourneyResult): Frame[] {
  return orderedPackets(result.scenario).map((packet) => {
    const hop = result.hops[packet.hop]!;
    const decoded = decodePacket(packet.data, { linkType: hop.linkType });
    expect(decoded.problems, `${hop.id}: ${packet.comments[0]}`).toEqual([]);
    return {
      hop: hop.id,
      timeUs: packet.timeUs,
      direction: packet.direction,
      layers: decoded.layers,
      comments: packet.comments,
    };
  });
}

const has = (frame: Frame, name: string): boolean => frame.layers.some((layer) => layer.layer === name);
function layerOf(frame: Frame, name: string, occurrence = 0): DecodedLayer {
  const found = frame.layers.filter((layer) => layer.layer === name)[occurrence];
  if (!found) throw new Error(`${frame.hop}: no ${name} layer`);
  return found;
}
const field = (layer: DecodedLayer, name: string): unknown => (layer.fields as Record<string, unknown>)[name];

/** The GTPv2-C message types of TS 29.274 Table 6.1-1. */
const CREATE_SESSION_REQUEST = 32;
const CREATE_SESSION_RESPONSE = 33;
const MODIFY_BEARER_REQUEST = 34;
const MODIFY_BEARER_RESPONSE = 35;

function errorOf(file: object): string {
  try {
    resolveJourneyConfig(file);
  } catch (error) {
    expect(error).toBeInstanceOf(FieldError);
    return (error as Error).message;
  }
  throw new Error('no error');
}

describe('tunnel setup (4G)', () => {
  const config = resolveJourneyConfig({ https: false });
  const result = buildJourney(config);
  const seen = frames(result);

  it('puts the control-plane hops s11 and s5c first, as Ethernet', () => {
    expect(result.hops.slice(0, 3).map((hop) => [hop.id, hop.kind, hop.linkType])).toEqual([
      ['s11', 'gtp-control', 1],
      ['s5c', 'gtp-control', 1],
      ['radio', 'radio', 101],
    ]);
  });

  it('has the attach messages per hop in order, on UDP 2123, requests and responses paired by sequence number', () => {
    const types = (hop: string): unknown[] =>
      seen.filter((f) => f.hop === hop).map((f) => field(layerOf(f, 'gtpv2'), 'type'));
    expect(types('s11')).toEqual([
      CREATE_SESSION_REQUEST,
      CREATE_SESSION_RESPONSE,
      MODIFY_BEARER_REQUEST,
      MODIFY_BEARER_RESPONSE,
    ]);
    expect(types('s5c')).toEqual([CREATE_SESSION_REQUEST, CREATE_SESSION_RESPONSE]);
    const s11 = seen.filter((f) => f.hop === 's11').map((f) => layerOf(f, 'gtpv2'));
    expect(s11.map((m) => field(m, 'seq'))).toEqual([
      config.mme.sequence,
      config.mme.sequence,
      config.mme.sequence + 1,
      config.mme.sequence + 1,
    ]);
    expect(s11.map((m) => field(m, 'teid'))).toEqual([
      0,
      config.mme.s11Teid,
      config.sgwControl.s11Teid,
      config.mme.s11Teid,
    ]);
    const s5c = seen.filter((f) => f.hop === 's5c').map((f) => layerOf(f, 'gtpv2'));
    expect(s5c.map((m) => field(m, 'seq'))).toEqual([config.sgwControl.sequence, config.sgwControl.sequence]);
    expect(s5c.map((m) => field(m, 'teid'))).toEqual([0, config.sgwControl.s5cTeid]);
    for (const f of seen.filter((x) => x.hop === 's11' || x.hop === 's5c')) {
      expect(field(layerOf(f, 'udp'), 'sport')).toBe(2123);
      expect(field(layerOf(f, 'udp'), 'dport')).toBe(2123);
    }
  });

  it('carries the subscriber and the session in the Create Session Requests', () => {
    for (const hop of ['s11', 's5c']) {
      const request = seen.find((f) => f.hop === hop)!;
      const ies = String(field(layerOf(request, 'gtpv2'), 'ies'));
      for (const part of [
        `imsi=${config.subscriber.imsi}`,
        `msisdn=${config.subscriber.msisdn}`,
        `mei=${config.subscriber.imei}`,
        'serving_network=001-01',
        'rat=EUTRAN',
        'apn=internet.mnc001.mcc001.gprs',
        'pdn_type=ipv4',
        `ambr=${config.tunnelSetup.ambrUplinkKbps}/${config.tunnelSetup.ambrDownlinkKbps}`,
        `ebi=${config.tunnelSetup.ebi}`,
        `qci=${config.tunnelSetup.qci}`,
      ]) {
        expect(ies, hop).toContain(part);
      }
    }
    const response = seen.filter((f) => f.hop === 's5c')[1]!;
    expect(String(field(layerOf(response, 'gtpv2'), 'ies'))).toContain(`paa=${config.phone.ip}`);
  });

  it('hands out every TEID the GTP-U packets use, for the receiving end', () => {
    const signalled = new Set<string>();
    for (const f of seen.filter((x) => x.hop === 's11' || x.hop === 's5c')) {
      const info = layerOf(f, 'gtpv2').info as Gtpv2Info;
      for (const fteid of info.fteids) signalled.add(`${fteid.interfaceName} ${fteid.teid} ${fteid.ipv4}`);
    }
    const receiver: Record<string, { up: string; down: string }> = {
      s1u: { up: 's1u-sgw', down: 's1u-enb' },
      s5: { up: 's5u-pgw', down: 's5u-sgw' },
    };
    let checked = 0;
    for (const f of seen.filter((x) => x.hop === 's1u' || x.hop === 's5')) {
      const type = receiver[f.hop]![f.direction];
      const key = `${type} ${field(layerOf(f, 'gtpu'), 'teid')} ${field(layerOf(f, 'ipv4', 0), 'dst')}`;
      expect(signalled.has(key), key).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('runs before the first user packet: a few ms per exchange, the DNS query after the last message, the SYN after the answer', () => {
    const control = seen.filter((f) => f.hop === 's11' || f.hop === 's5c');
    const radio = seen.filter((f) => f.hop === 'radio');
    const lastControl = Math.max(...control.map((f) => f.timeUs));
    expect(lastControl).toBeLessThan(radio[0]!.timeUs);
    expect(has(radio[0]!, 'dns')).toBe(true);
    const answer = radio.find((f) => has(f, 'dns') && f.direction === 'down')!;
    const syn = radio.find((f) => has(f, 'tcp'))!;
    expect(syn.timeUs).toBe(config.startTime * 1_000_000);
    expect(answer.timeUs).toBe(syn.timeUs - config.dns.connectAfterMs * 1000);
    for (const hop of ['s11', 's5c']) {
      const times = control.filter((f) => f.hop === hop).map((f) => f.timeUs);
      for (let i = 0; i + 1 < times.length; i += 2) {
        expect(times[i + 1]! - times[i]!).toBeGreaterThan(0);
        expect(times[i + 1]! - times[i]!).toBeLessThanOrEqual(10_000);
      }
    }
    // The attach is sequential: each message of the Create Session leaves after the one that caused it.
    const s11 = control.filter((f) => f.hop === 's11').map((f) => f.timeUs);
    const s5c = control.filter((f) => f.hop === 's5c').map((f) => f.timeUs);
    expect(s11[0]!).toBeLessThan(s5c[0]!);
    expect(s5c[1]!).toBeLessThan(s11[1]!);
  });

  it('shows the setup and the lookup in the ladder', () => {
    const ladder = formatLadder(result);
    expect(ladder).toMatch(/S11 +MME -> SGW-C +Create Session Request +TEID 0x00000000 seq 0x000a01/);
    expect(ladder).toMatch(/S5\/S8-C SGW-C -> PGW-C +Create Session Request/);
    expect(ladder).toMatch(/Modify Bearer Response +TEID 0x4d000011 seq 0x000a02 +F-TEID s1u-sgw 0x1a2b3c4d/);
    expect(ladder).toContain('203.0.113.10, 203.0.113.11, 203.0.113.12 (TTL 300 s)');
    expect(ladder).toContain('the phone connects to 203.0.113.10, the first record');
    expect(ladder.indexOf('tunnel setup')).toBeLessThan(ladder.indexOf('connection 1:'));
  });
});

describe('name lookup', () => {
  it('goes through radio, S1-U, S5/S8 and SGi to the resolver and back, like the TCP packets', () => {
    const config = resolveJourneyConfig({ https: false });
    const lookups = frames(buildJourney(config)).filter((f) => has(f, 'dns'));
    expect(lookups.map((f) => `${f.hop} ${f.direction}`)).toEqual([
      'radio up',
      's1u up',
      's5 up',
      'sgi up',
      'sgi down',
      's5 down',
      's1u down',
      'radio down',
    ]);
    for (const f of lookups) {
      const message = layerOf(f, 'dns');
      const inner = f.layers.filter((l) => l.layer === 'ipv4').at(-1)!;
      expect(field(message, 'id')).toBe(config.dns.queryId);
      expect(field(message, 'qd')).toMatch(/^shop\.example\.? IN A$/);
      if (f.direction === 'up') {
        expect(field(inner, 'dst')).toBe(config.dns.resolver);
        expect(field(inner, 'ttl')).toBe(f.hop === 'sgi' ? 63 : 64);
        expect(field(message, 'ancount')).toBe(0);
      } else {
        expect(field(inner, 'src')).toBe(config.dns.resolver);
        expect(field(inner, 'ttl')).toBe(f.hop === 'sgi' ? 64 : 63);
        expect(field(message, 'ancount')).toBe(3);
        expect(
          String(field(message, 'an'))
            .split(';')
            .map((r) => r.trim().split(/\s+/).at(-1)),
        ).toEqual(['203.0.113.10', '203.0.113.11', '203.0.113.12']);
        expect(f.comments.join(' ')).toContain('the phone connects to 203.0.113.10');
      }
      if (f.hop === 'sgi') {
        // The resolver is on the SGi LAN: the PGW's SGi MAC to the resolver's.
        const macs = [field(layerOf(f, 'ether'), 'src'), field(layerOf(f, 'ether'), 'dst')];
        expect(macs).toEqual(
          f.direction === 'up'
            ? [config.pgw.sgiMac, config.dns.resolverMac]
            : [config.dns.resolverMac, config.pgw.sgiMac],
        );
      }
    }
  });

  it('is source-NATed by the PGW with pgw.snat, both ways', () => {
    const config = resolveJourneyConfig({ https: false, pgw: { snat: '203.0.113.99' } });
    const lookups = frames(buildJourney(config)).filter((f) => has(f, 'dns'));
    for (const f of lookups) {
      const inner = f.layers.filter((l) => l.layer === 'ipv4').at(-1)!;
      const phone = field(inner, f.direction === 'up' ? 'src' : 'dst');
      expect(phone, `${f.hop} ${f.direction}`).toBe(f.hop === 'sgi' ? '203.0.113.99' : config.phone.ip);
    }
  });

  it('asks once per journey (the retry uses the cached answer); 5G mode has it, without GTPv2-C', () => {
    const retry = frames(buildJourney(resolveJourneyConfig({ retry: { enabled: true } })));
    expect(retry.filter((f) => f.hop === 'radio' && has(f, 'dns'))).toHaveLength(2);
    const fiveG = buildJourney(resolveJourneyConfig({ mode: '5g' }));
    expect(fiveG.hops.map((hop) => hop.id).slice(0, 4)).toEqual(['radio', 'n3', 'n9', 'n6']);
    const seen = frames(fiveG);
    expect(seen.filter((f) => has(f, 'gtpv2'))).toEqual([]);
    expect(seen.filter((f) => has(f, 'dns')).map((f) => f.hop)).toEqual([
      'radio',
      'n3',
      'n9',
      'n6',
      'n6',
      'n9',
      'n3',
      'radio',
    ]);
    expect(formatLadder(fiveG)).toContain(
      'tunnel setup: not shown in 5G mode (NGAP and PFCP are not modelled)',
    );
  });

  it('takes the name without the port of order.host', () => {
    const result = buildJourney(
      resolveJourneyConfig({ https: false, order: { host: 'api.shop.example:8443' } }),
    );
    const query = frames(result).find((f) => has(f, 'dns'))!;
    expect(field(layerOf(query, 'dns'), 'qd')).toMatch(/^api\.shop\.example\.? IN A$/);
  });
});

describe('the setup config', () => {
  it('is in the defaults (so --print-config shows it) with every address, MAC and TEID', () => {
    const config = defaultJourneyConfig();
    expect(Object.keys(config)).toEqual(
      expect.arrayContaining(['mme', 'sgwControl', 'pgwControl', 'subscriber', 'tunnelSetup', 'dns']),
    );
    expect(config.dns.otherVips).toHaveLength(2);
  });

  it('names the bad key on one line', () => {
    expect(errorOf({ mme: { s11Teid: 0 } })).toBe(
      'config.mme.s11Teid: must be an integer from 1 to 4294967295, got 0',
    );
    expect(errorOf({ subscriber: { imsi: '00101abc' } })).toMatch(/^config\.subscriber\.imsi: must match /);
    expect(errorOf({ subscriber: { imsi: '310410123456789' } })).toBe(
      'config.subscriber.imsi: must start with subscriber.mcc and subscriber.mnc (00101), got "310410123456789"',
    );
    expect(errorOf({ dns: { otherVips: ['203.0.113.11', '203.0.113.10'] } })).toBe(
      'config.dns.otherVips[1]: must differ from slb.vip and the other VIPs, got "203.0.113.10"',
    );
    expect(errorOf({ dns: { resolver: '203.0.113.11' } })).toBe(
      'config.dns.resolver: must not be one of the SLB VIPs',
    );
    expect(errorOf({ tunnelSetup: { ebi: 4 } })).toBe(
      'config.tunnelSetup.ebi: must be an integer from 5 to 15, got 4',
    );
    expect(errorOf({ sgwControl: { s5cMac: 'nope' } })).toMatch(
      /^config\.sgwControl\.s5cMac: must be a MAC address/,
    );
    expect(errorOf({ subscriber: { apn: 'bad..apn' } })).toMatch(/^config\.subscriber\.apn: must match /);
    expect(errorOf({ dns: { bogus: 1 } })).toMatch(/^config\.dns\.bogus: unknown key/);
  });
});
