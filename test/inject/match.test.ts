/** Matching answers to requests, on packets built by Scapy (the vectors do not come from our encoder). */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { answers } from '../../src/inject/match.js';
import { decodePacket } from '../../src/packet/index.js';

/** Runs Scapy and returns the named packets' bytes. */
function scapy(definitions: Record<string, string>): Record<string, Uint8Array> {
  const script = `from scapy.all import *\nfrom scapy.contrib.gtp import *\nimport json\nout = {}\n${Object.entries(
    definitions,
  )
    .map(([name, expression]) => `out[${JSON.stringify(name)}] = bytes(${expression}).hex()`)
    .join('\n')}\nprint(json.dumps(out))`;
  const result = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  const hex = JSON.parse(result.stdout) as Record<string, string>;
  return Object.fromEntries(
    Object.entries(hex).map(([name, value]) => [name, Uint8Array.from(Buffer.from(value, 'hex'))]),
  );
}

const E = "Ether(src='02:00:00:00:00:01', dst='02:00:00:00:00:02')";
const R = "Ether(src='02:00:00:00:00:02', dst='02:00:00:00:00:01')";
const packets = scapy({
  echo: `${E}/IP(src='198.51.100.10', dst='203.0.113.2')/ICMP(id=7, seq=1)/b'abc'`,
  reply: `${R}/IP(src='203.0.113.2', dst='198.51.100.10')/ICMP(type=0, id=7, seq=1)/b'abc'`,
  replyOtherSeq: `${R}/IP(src='203.0.113.2', dst='198.51.100.10')/ICMP(type=0, id=7, seq=2)/b'abc'`,
  replyOtherHost: `${R}/IP(src='203.0.113.3', dst='198.51.100.10')/ICMP(type=0, id=7, seq=1)/b'abc'`,
  unreachable: `${R}/IP(src='198.51.100.1', dst='198.51.100.10')/ICMP(type=3, code=1)/IP(src='198.51.100.10', dst='203.0.113.2')/ICMP(id=7, seq=1)`,
  syn: `${E}/IP(src='198.51.100.10', dst='203.0.113.2')/TCP(sport=40000, dport=8080, seq=1000, flags='S')`,
  synAck: `${R}/IP(src='203.0.113.2', dst='198.51.100.10')/TCP(sport=8080, dport=40000, seq=5000, ack=1001, flags='SA')`,
  synAckWrongAck: `${R}/IP(src='203.0.113.2', dst='198.51.100.10')/TCP(sport=8080, dport=40000, seq=5000, ack=1002, flags='SA')`,
  rstAck: `${R}/IP(src='203.0.113.2', dst='198.51.100.10')/TCP(sport=8080, dport=40000, seq=0, ack=1001, flags='RA')`,
  data: `${E}/IP(src='198.51.100.10', dst='203.0.113.2')/TCP(sport=40000, dport=8080, seq=1001, ack=5001, flags='PA')/(b'x'*10)`,
  dataAck: `${R}/IP(src='203.0.113.2', dst='198.51.100.10')/TCP(sport=8080, dport=40000, seq=5001, ack=1011, flags='A')`,
  whoHas:
    "Ether(src='02:00:00:00:00:01', dst='ff:ff:ff:ff:ff:ff')/ARP(op=1, hwsrc='02:00:00:00:00:01', psrc='198.51.100.10', pdst='198.51.100.1')",
  isAt: "Ether(src='02:00:00:00:00:02', dst='02:00:00:00:00:01')/ARP(op=2, hwsrc='02:00:00:00:00:02', psrc='198.51.100.1', hwdst='02:00:00:00:00:01', pdst='198.51.100.10')",
  isAtOther:
    "Ether(src='02:00:00:00:00:03', dst='02:00:00:00:00:01')/ARP(op=2, hwsrc='02:00:00:00:00:03', psrc='198.51.100.9', hwdst='02:00:00:00:00:01', pdst='198.51.100.10')",
  vxlanEcho: `${E}/IP(src='198.51.100.10', dst='203.0.113.2')/UDP(sport=49152, dport=4789)/VXLAN(vni=42)/Ether(src='02:00:00:00:01:01', dst='02:00:00:00:01:02')/IP(src='192.0.2.1', dst='192.0.2.2')/ICMP(id=9, seq=3)`,
  vxlanReply: `${R}/IP(src='203.0.113.2', dst='198.51.100.10')/UDP(sport=33333, dport=4789)/VXLAN(vni=42)/Ether(src='02:00:00:00:01:02', dst='02:00:00:00:01:01')/IP(src='192.0.2.2', dst='192.0.2.1')/ICMP(type=0, id=9, seq=3)`,
  vxlanReplyOtherVni: `${R}/IP(src='203.0.113.2', dst='198.51.100.10')/UDP(sport=33333, dport=4789)/VXLAN(vni=43)/Ether(src='02:00:00:00:01:02', dst='02:00:00:00:01:01')/IP(src='192.0.2.2', dst='192.0.2.1')/ICMP(type=0, id=9, seq=3)`,
  gtpEcho: `${E}/IP(src='198.51.100.10', dst='203.0.113.2')/UDP(sport=2152, dport=2152)/GTPHeader(gtp_type=1, seq=77, S=1)`,
  gtpEchoResponse: `${R}/IP(src='203.0.113.2', dst='198.51.100.10')/UDP(sport=2152, dport=2152)/GTPHeader(gtp_type=2, seq=77, S=1)`,
  gtpEchoResponseOtherSeq: `${R}/IP(src='203.0.113.2', dst='198.51.100.10')/UDP(sport=2152, dport=2152)/GTPHeader(gtp_type=2, seq=78, S=1)`,
});

const decode = (name: string) => decodePacket(packets[name]!, { first: 'ether' });
const matches = (request: string, answer: string) => answers(decode(request), decode(answer));

describe('answers', () => {
  it('ICMP echo: reply by id/seq from the destination, or an error quoting the request', () => {
    expect(matches('echo', 'reply')).toBe(true);
    expect(matches('echo', 'replyOtherSeq')).toBe(false);
    expect(matches('echo', 'replyOtherHost')).toBe(false);
    expect(matches('echo', 'unreachable')).toBe(true);
    expect(matches('echo', 'echo')).toBe(false);
  });

  it('TCP: ports swapped and the request acknowledged', () => {
    expect(matches('syn', 'synAck')).toBe(true);
    expect(matches('syn', 'synAckWrongAck')).toBe(false);
    expect(matches('syn', 'rstAck')).toBe(true);
    expect(matches('data', 'dataAck')).toBe(true);
    expect(matches('data', 'synAck')).toBe(false);
  });

  it('ARP: a reply from the target address', () => {
    expect(matches('whoHas', 'isAt')).toBe(true);
    expect(matches('whoHas', 'isAtOther')).toBe(false);
  });

  it('VXLAN: the inner echo reply with the same VNI', () => {
    expect(matches('vxlanEcho', 'vxlanReply')).toBe(true);
    expect(matches('vxlanEcho', 'vxlanReplyOtherVni')).toBe(false);
  });

  it('GTP-U echo: a response with the same sequence number', () => {
    expect(matches('gtpEcho', 'gtpEchoResponse')).toBe(true);
    expect(matches('gtpEcho', 'gtpEchoResponseOtherSeq')).toBe(false);
  });
});
