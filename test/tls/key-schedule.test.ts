import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import {
  applicationSecrets,
  finishedKey,
  finishedVerifyData,
  handshakeSecrets,
  trafficKeys,
  transcriptHash,
} from '../../src/tls/key-schedule.js';
import { x25519PublicKey, x25519SharedSecret } from '../../src/tls/keys.js';
import { CONTENT_TYPE, RecordProtection } from '../../src/tls/record-protection.js';
import * as v from './rfc8448.js';

const hex = (bytes: Uint8Array): string => toHex(bytes);
const AES128 = 0x1301;

describe('RFC 8448 §3 simple 1-RTT handshake: key schedule', () => {
  const helloHash = transcriptHash('sha256', v.CLIENT_HELLO, v.SERVER_HELLO);
  const secrets = handshakeSecrets('sha256', v.SHARED_SECRET, helloHash);
  const finishedHash = transcriptHash('sha256', v.CLIENT_HELLO, v.SERVER_HELLO, v.SERVER_FLIGHT);
  const application = applicationSecrets('sha256', secrets.masterSecret, finishedHash);

  it('X25519 public keys and the shared secret (node:crypto)', () => {
    expect(hex(x25519PublicKey(v.CLIENT_PRIVATE))).toBe(hex(v.CLIENT_PUBLIC));
    expect(hex(x25519PublicKey(v.SERVER_PRIVATE))).toBe(hex(v.SERVER_PUBLIC));
    expect(hex(x25519SharedSecret(v.CLIENT_PRIVATE, v.SERVER_PUBLIC))).toBe(hex(v.SHARED_SECRET));
    expect(hex(x25519SharedSecret(v.SERVER_PRIVATE, v.CLIENT_PUBLIC))).toBe(hex(v.SHARED_SECRET));
  });

  it('early, handshake and master secrets; handshake traffic secrets', () => {
    expect(hex(helloHash)).toBe(hex(v.HELLO_HASH));
    expect(hex(secrets.earlySecret)).toBe(hex(v.EARLY_SECRET));
    expect(hex(secrets.handshakeSecret)).toBe(hex(v.HANDSHAKE_SECRET));
    expect(hex(secrets.clientHandshakeTrafficSecret)).toBe(hex(v.CLIENT_HS_TRAFFIC));
    expect(hex(secrets.serverHandshakeTrafficSecret)).toBe(hex(v.SERVER_HS_TRAFFIC));
    expect(hex(secrets.masterSecret)).toBe(hex(v.MASTER_SECRET));
  });

  it('handshake and application traffic keys and IVs', () => {
    const serverHs = trafficKeys('sha256', v.SERVER_HS_TRAFFIC, 16);
    const clientHs = trafficKeys('sha256', v.CLIENT_HS_TRAFFIC, 16);
    expect([hex(serverHs.key), hex(serverHs.iv)]).toEqual([hex(v.SERVER_HS_KEY), hex(v.SERVER_HS_IV)]);
    expect([hex(clientHs.key), hex(clientHs.iv)]).toEqual([hex(v.CLIENT_HS_KEY), hex(v.CLIENT_HS_IV)]);
    expect(hex(finishedHash)).toBe(hex(v.SERVER_FINISHED_HASH));
    expect(hex(application.clientApplicationTrafficSecret)).toBe(hex(v.CLIENT_AP_TRAFFIC));
    expect(hex(application.serverApplicationTrafficSecret)).toBe(hex(v.SERVER_AP_TRAFFIC));
    expect(hex(application.exporterMasterSecret)).toBe(hex(v.EXPORTER_MASTER));
    const serverAp = trafficKeys('sha256', v.SERVER_AP_TRAFFIC, 16);
    const clientAp = trafficKeys('sha256', v.CLIENT_AP_TRAFFIC, 16);
    expect([hex(serverAp.key), hex(serverAp.iv)]).toEqual([hex(v.SERVER_AP_KEY), hex(v.SERVER_AP_IV)]);
    expect([hex(clientAp.key), hex(clientAp.iv)]).toEqual([hex(v.CLIENT_AP_KEY), hex(v.CLIENT_AP_IV)]);
  });

  it('Finished keys and verify_data of both sides', () => {
    expect(hex(finishedKey('sha256', v.SERVER_HS_TRAFFIC))).toBe(hex(v.SERVER_FINISHED_KEY));
    expect(hex(finishedKey('sha256', v.CLIENT_HS_TRAFFIC))).toBe(hex(v.CLIENT_FINISHED_KEY));
    // The server Finished covers the transcript through CertificateVerify (the flight minus its last 36 octets).
    const throughVerify = transcriptHash(
      'sha256',
      v.CLIENT_HELLO,
      v.SERVER_HELLO,
      v.SERVER_FLIGHT.subarray(0, v.SERVER_FLIGHT.length - 36),
    );
    expect(hex(finishedVerifyData('sha256', v.SERVER_HS_TRAFFIC, throughVerify))).toBe(
      hex(v.SERVER_VERIFY_DATA),
    );
    expect(hex(finishedVerifyData('sha256', v.CLIENT_HS_TRAFFIC, finishedHash))).toBe(
      hex(v.CLIENT_VERIFY_DATA),
    );
  });
});

describe('RFC 8448 §3 simple 1-RTT handshake: record protection (AES-128-GCM)', () => {
  it('seals the server flight, the client Finished, application data and close_notify byte-exactly', () => {
    const serverHs = new RecordProtection(AES128, v.SERVER_HS_TRAFFIC);
    expect(hex(serverHs.seal(CONTENT_TYPE.handshake, v.SERVER_FLIGHT))).toBe(hex(v.SERVER_FLIGHT_RECORD));
    const clientHs = new RecordProtection(AES128, v.CLIENT_HS_TRAFFIC);
    const clientFinished = Uint8Array.from([0x14, 0x00, 0x00, 0x20, ...v.CLIENT_VERIFY_DATA]);
    expect(hex(clientHs.seal(CONTENT_TYPE.handshake, clientFinished))).toBe(hex(v.CLIENT_FINISHED_RECORD));

    // Server application keys: the NewSessionTicket is record 0, the application data record 1, the alert 2.
    const serverOpen = new RecordProtection(AES128, v.SERVER_AP_TRAFFIC);
    const ticket = serverOpen.open(v.TICKET_RECORD);
    expect(ticket.contentType).toBe(CONTENT_TYPE.handshake);
    expect(ticket.content[0]).toBe(4); // new_session_ticket
    const serverData = serverOpen.open(v.SERVER_APPLICATION_RECORD);
    expect([serverData.contentType, hex(serverData.content)]).toEqual([23, hex(v.APPLICATION_DATA)]);
    expect(serverOpen.open(v.SERVER_ALERT_RECORD)).toEqual({ contentType: 21, content: Uint8Array.of(1, 0) });
    const serverSeal = new RecordProtection(AES128, v.SERVER_AP_TRAFFIC);
    expect(hex(serverSeal.seal(CONTENT_TYPE.handshake, ticket.content))).toBe(hex(v.TICKET_RECORD));
    expect(hex(serverSeal.seal(CONTENT_TYPE.applicationData, v.APPLICATION_DATA))).toBe(
      hex(v.SERVER_APPLICATION_RECORD),
    );
    expect(hex(serverSeal.seal(CONTENT_TYPE.alert, Uint8Array.of(1, 0)))).toBe(hex(v.SERVER_ALERT_RECORD));

    const clientAp = new RecordProtection(AES128, v.CLIENT_AP_TRAFFIC);
    expect(hex(clientAp.seal(CONTENT_TYPE.applicationData, v.APPLICATION_DATA))).toBe(
      hex(v.CLIENT_APPLICATION_RECORD),
    );
    expect(hex(clientAp.seal(CONTENT_TYPE.alert, Uint8Array.of(1, 0)))).toBe(hex(v.CLIENT_ALERT_RECORD));
  });

  it('opens what it sealed and rejects a flipped bit (bad_record_mac)', () => {
    const open = new RecordProtection(AES128, v.SERVER_HS_TRAFFIC);
    expect(hex(open.open(v.SERVER_FLIGHT_RECORD).content)).toBe(hex(v.SERVER_FLIGHT));
    const tampered = new Uint8Array(v.CLIENT_FINISHED_RECORD);
    tampered[20] = (tampered[20] ?? 0) ^ 1;
    expect(() => new RecordProtection(AES128, v.CLIENT_HS_TRAFFIC).open(tampered)).toThrow(/authenticate/);
  });

  it('ChaCha20-Poly1305 round trip with the RFC 8448 application secret (RFC 8446 §5.3 nonce)', () => {
    const seal = new RecordProtection(0x1303, v.CLIENT_AP_TRAFFIC);
    const records = [seal.seal(23, v.APPLICATION_DATA), seal.seal(23, v.APPLICATION_DATA)];
    expect(hex(records[0] ?? new Uint8Array())).not.toBe(hex(records[1] ?? new Uint8Array()));
    const open = new RecordProtection(0x1303, v.CLIENT_AP_TRAFFIC);
    for (const record of records) expect(hex(open.open(record).content)).toBe(hex(v.APPLICATION_DATA));
    expect(seal.key.length).toBe(32);
  });
});
