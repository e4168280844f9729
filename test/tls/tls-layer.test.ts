/**
 * The `tls` and `clienthello` packet layers: `tls/clienthello(sni=...,alpn=...)` from a spec, decoded
 * by Scapy's TLS layer (scapy.layers.tls, Debian's scapy 2.5) and by tshark 4.0.17 (with its JA3) to
 * the same fields; decode shows records, encrypted ones as such, and re-encodes byte-exactly.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { decodePacket, encodePacket } from '../../src/packet/index.js';
import { parseSpec } from '../../src/packet/spec.js';
import { CHANGE_CIPHER_SPEC_RECORD } from '../../src/tls/session.js';
import { writeEthernetPcap } from '../oracle/pcap-file.js';
import { tsharkRows } from '../tshark.js';

const directory = mkdtempSync(join(tmpdir(), 'pktcraft-tls-layer-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const HELLO = 'tls/clienthello(sni=shop.example.com,alpn="h2,http/1.1")';
const FRAME = `ether/ipv4(src=192.0.2.1,dst=192.0.2.2)/tcp(sport=40000,dport=443,flags=PA,seq=1,ack=1)/${HELLO}`;

function scapy(hex: string): Record<string, unknown> {
  const script = `
import json, sys
from scapy.layers.tls.all import TLS
p = TLS(bytes.fromhex(sys.argv[1]))
m = p.msg[0]
out = {"record_type": p.type, "record_version": p.version, "record_len": p.len,
       "msgtype": m.msgtype, "version": m.version, "ciphers": m.ciphers,
       "random": (m.gmt_unix_time.to_bytes(4, "big") + m.random_bytes).hex(), "sid": m.sid.hex(),
       "ext_types": [e.type for e in m.ext]}
for e in m.ext:
    n = type(e).__name__
    if n == "TLS_Ext_ServerName": out["sni"] = e.servernames[0].servername.decode()
    if n == "TLS_Ext_ALPN": out["alpn"] = [x.protocol.decode() for x in e.protocols]
    if n == "TLS_Ext_SupportedGroups": out["groups"] = e.groups
    if n == "TLS_Ext_SignatureAlgorithms": out["sigalgs"] = e.sig_algs
    if n == "TLS_Ext_SupportedVersion_CH": out["versions"] = e.versions
    if n == "TLS_Ext_KeyShare_CH": out["key_share"] = [[k.group, k.key_exchange.hex()] for k in e.client_shares]
    if n == "TLS_Ext_PSKKeyExchangeModes": out["psk_modes"] = e.kxmodes
print(json.dumps(out))
`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, hex], { encoding: 'utf8' }));
}

describe('tls/clienthello from a spec', () => {
  const bytes = encodePacket(parseSpec(HELLO));
  const decoded = decodePacket(bytes, { first: 'tls' });
  const hello = decoded.layers[1];
  const info = (hello?.info ?? {}) as Record<string, unknown>;

  it('Scapy decodes it to the same fields as our decoder', () => {
    const fields = (hello?.fields ?? {}) as Record<string, unknown>;
    const seen = scapy(toHex(bytes));
    expect(seen).toMatchObject({
      record_type: 22,
      record_version: 0x0301,
      record_len: bytes.length - 5,
      msgtype: 1,
      version: 0x0303,
      ciphers: [0x1301, 0x1302, 0x1303],
      random: toHex(fields.random as Uint8Array),
      sid: toHex(fields.session_id as Uint8Array),
      ext_types: [0, 10, 16, 13, 51, 45, 43],
      sni: 'shop.example.com',
      alpn: ['h2', 'http/1.1'],
      groups: [29, 23, 24],
      versions: [0x0304],
      psk_modes: [1],
    });
    expect(seen.sigalgs).toEqual((info.sigalgs as string[]).map((v) => Number(v)));
    expect(seen.key_share).toEqual([[29, (info.key_shares as { key: string }[])[0]?.key]]);
    expect(decoded.problems).toEqual([]);
  });

  it('tshark reads the same SNI, ALPN, suites and the same JA3 as decode prints', () => {
    const path = join(directory, 'hello.pcap');
    writeEthernetPcap(path, [encodePacket(parseSpec(FRAME))]);
    const [row] = tsharkRows(path, [
      'tls.handshake.extensions_server_name',
      'tls.handshake.extensions_alpn_str',
      'tls.handshake.ciphersuite',
      'tls.handshake.ja3_full',
      'tls.handshake.ja3',
      '_ws.malformed',
      '_ws.expert.severity',
    ]);
    expect(row?.['tls.handshake.extensions_server_name']).toBe('shop.example.com');
    expect(row?.['tls.handshake.extensions_alpn_str']).toBe('h2;http/1.1');
    expect(row?.['tls.handshake.ciphersuite']).toBe('0x1301;0x1302;0x1303');
    expect(row?.['tls.handshake.ja3_full']).toBe(info.ja3_full);
    expect(row?.['tls.handshake.ja3']).toBe(info.ja3);
    expect(row?.['_ws.malformed']).toBe('');
    expect(row?.['_ws.expert.severity']).toBe('');
  });

  it('decodes back to fields that re-encode byte-exactly; lengths can be set by hand', () => {
    const again = encodePacket(decoded.layers.map((layer) => ({ layer: layer.layer, fields: layer.fields })));
    expect(toHex(again)).toBe(toHex(bytes));
    const odd = encodePacket(parseSpec('tls(len=9,version=0x0303)/clienthello(len=7,sni=a.example)'));
    expect(toHex(odd.subarray(0, 9))).toBe('160303000901000007');
    expect(info.ja4).toMatch(/^t13d0307h2_[0-9a-f]{12}_[0-9a-f]{12}$/);
  });

  it('TCP port 443 decodes as TLS; an encrypted record is shown as such; a segment inside a record is continuation', () => {
    const frame = decodePacket(encodePacket(parseSpec(FRAME)));
    expect(frame.layers.map((layer) => layer.layer)).toEqual(['ether', 'ipv4', 'tcp', 'tls', 'clienthello']);
    const encrypted = Uint8Array.from([...CHANGE_CIPHER_SPEC_RECORD, 23, 3, 3, 0, 4, 1, 2, 3, 4]);
    const records = decodePacket(encrypted, { first: 'tls' });
    const info = records.layers[0]?.info as { records: Record<string, unknown>[] };
    expect(info.records.map((record) => [record.name, record.encrypted ?? false])).toEqual([
      ['Change Cipher Spec', false],
      ['Application Data', true],
    ]);
    const middle = decodePacket(Uint8Array.of(0x9a, 0x11, 0x22, 0x33, 0x44, 0x55), { first: 'tls' });
    expect(middle.layers.map((layer) => layer.layer)).toEqual(['tls', 'raw']);
    expect(middle.layers[0]?.fields).toEqual({ continuation: 1 });
    expect(middle.problems).toEqual([]);
    expect(toHex(encodePacket(middle.layers))).toBe('9a1122334455');
  });

  it('a ClientHello cut short is a truncated problem naming clienthello, not an exception', () => {
    const cut = decodePacket(bytes.subarray(0, 60), { first: 'tls' });
    expect(cut.problems.map((problem) => problem.layer)).toEqual(['clienthello']);
    expect(cut.layers.at(-1)?.layer).toBe('raw');
  });
});
