/**
 * A deterministic TLS 1.3 session (RFC 8446): full 1-RTT handshake with X25519, the test Ed25519
 * certificate, middlebox-compatibility change_cipher_spec records and session id (§D.4), then the
 * application bytes of both sides as protected records, and one NewSessionTicket. Everything random
 * (randoms, session id, key shares, ticket) comes from the seed through HKDF, so the same options give
 * the same bytes. The result is a conversation for the TCP flow synthesizer plus the NSS key log that
 * lets Wireshark decrypt it.
 */
import { hkdfSync, X509Certificate } from 'node:crypto';
import { toHex } from '../core/bytes.js';
import { FieldError } from '../core/errors.js';
import type { Side } from '../flow/types.js';
import { CIPHER_SUITE, cipherSuiteInfo } from './cipher-suites.js';
import { EXTENSION, NAMED_GROUP, SIGNATURE_SCHEME, type TlsExtension } from './extensions.js';
import { encodeHandshake, type HandshakeMessage } from './handshake.js';
import { applicationSecrets, finishedVerifyData, handshakeSecrets, transcriptHash } from './key-schedule.js';
import { ed25519Sign, x25519PublicKey, x25519SharedSecret } from './keys.js';
import { CONTENT_TYPE, RecordProtection, TLS_MAX_FRAGMENT } from './record-protection.js';
import { TEST_CERTIFICATE_PEM, TEST_PRIVATE_KEY_PEM } from './test-certificate.js';

export interface TlsSessionOptions {
  /** Seed for every random value. Default 1. */
  seed?: number;
  /** server_name the client sends (omitted when empty). Default 'shop.example.com'. */
  serverName?: string;
  /** ALPN protocols the client offers, in order. Default ['http/1.1']. */
  alpn?: readonly string[];
  /** Protocols the server speaks: it selects the first client offer among them. Default ['http/1.1']. */
  serverAlpn?: readonly string[];
  /** Cipher suite the server selects (offered first by the client). Default TLS_AES_128_GCM_SHA256. */
  cipherSuite?: number;
  /** Application bytes of the client (sent with its Finished) and of the server (after its ticket). */
  request: Uint8Array;
  response: Uint8Array;
  /** Send a NewSessionTicket before the response. Default true. */
  sessionTicket?: boolean;
  /** Largest plaintext per application record. Default 16384 (2^14). */
  recordSize?: number;
}

export interface TlsSession {
  /** The TCP payload of each flight, in order: ClientHello, server flight, client Finished + request, ticket + response. */
  conversation: { from: Side; bytes: Uint8Array }[];
  /** SSLKEYLOGFILE text (NSS key log format), one line per secret, for this session's client random. */
  keyLog: string;
  clientRandom: Uint8Array;
  cipherSuite: number;
  /** The ALPN protocol the server selected, if any. */
  alpn: string | undefined;
}

/** Deterministic octets for one purpose of a seeded session. */
export function seededBytes(seed: number, label: string, length: number): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', `pktcraft tls seed ${seed}`, '', label, length));
}

const CLIENT_SIGNATURE_ALGORITHMS = [
  SIGNATURE_SCHEME.ecdsa_secp256r1_sha256,
  SIGNATURE_SCHEME.ed25519,
  SIGNATURE_SCHEME.rsa_pss_rsae_sha256,
  SIGNATURE_SCHEME.rsa_pkcs1_sha256,
  SIGNATURE_SCHEME.ecdsa_secp384r1_sha384,
  SIGNATURE_SCHEME.rsa_pss_rsae_sha384,
  SIGNATURE_SCHEME.rsa_pss_rsae_sha512,
];

/** A plaintext record (TLSPlaintext, §5.1) with the given legacy_record_version. */
export function plaintextRecord(contentType: number, fragment: Uint8Array, version = 0x0303): Uint8Array {
  const record = new Uint8Array(5 + fragment.length);
  record[0] = contentType;
  record[1] = version >>> 8;
  record[2] = version & 0xff;
  record[3] = fragment.length >>> 8;
  record[4] = fragment.length & 0xff;
  record.set(fragment, 5);
  return record;
}

/** The change_cipher_spec compatibility record (§D.4): 14 03 03 00 01 01. */
export const CHANGE_CIPHER_SPEC_RECORD = Uint8Array.of(20, 3, 3, 0, 1, 1);

/** Protects `content` as records of at most `size` plaintext octets each. */
function protect(
  protection: RecordProtection,
  contentType: number,
  content: Uint8Array,
  size: number,
): Uint8Array[] {
  const records: Uint8Array[] = [];
  for (let at = 0; at < content.length || (at === 0 && content.length === 0); at += size) {
    records.push(protection.seal(contentType, content.subarray(at, Math.min(content.length, at + size))));
    if (content.length === 0) break;
  }
  return records;
}

/** The ClientHello a pktcraft client sends (also `pktcraft build tls/clienthello(...)`'s default). */
export function clientHelloFor(options: {
  random: Uint8Array;
  sessionId: Uint8Array;
  keyShare: Uint8Array;
  serverName?: string | undefined;
  alpn?: readonly string[] | undefined;
  cipherSuites?: readonly number[] | undefined;
}): HandshakeMessage {
  const extensions: TlsExtension[] = [];
  if (options.serverName) extensions.push({ type: EXTENSION.server_name, server_name: options.serverName });
  extensions.push({
    type: EXTENSION.supported_groups,
    groups: [NAMED_GROUP.x25519, NAMED_GROUP.secp256r1, NAMED_GROUP.secp384r1],
  });
  if (options.alpn && options.alpn.length > 0) extensions.push({ type: EXTENSION.alpn, alpn: options.alpn });
  extensions.push(
    { type: EXTENSION.signature_algorithms, signature_algorithms: CLIENT_SIGNATURE_ALGORITHMS },
    { type: EXTENSION.key_share, key_shares: [{ group: NAMED_GROUP.x25519, key: options.keyShare }] },
    { type: EXTENSION.psk_key_exchange_modes, psk_modes: [1] },
    { type: EXTENSION.supported_versions, versions: [0x0304] },
  );
  return {
    msg: 'client_hello',
    random: options.random,
    session_id: options.sessionId,
    cipher_suites: options.cipherSuites ?? [0x1301, 0x1302, 0x1303],
    extensions,
  };
}

const CERTIFICATE_VERIFY_CONTEXT = Buffer.concat([
  Buffer.alloc(64, 0x20),
  Buffer.from('TLS 1.3, server CertificateVerify', 'latin1'),
  Buffer.alloc(1),
]);

/** The handshake of a session, and sealing of each side's application bytes as they become known. */
export interface TlsHandshake {
  /** The ClientHello record (legacy_record_version 0x0301). */
  clientHello: Uint8Array;
  /** ServerHello, change_cipher_spec and the protected EncryptedExtensions..Finished. */
  serverFlight: Uint8Array;
  /** change_cipher_spec and the protected client Finished. */
  clientFinished: Uint8Array;
  /** The NewSessionTicket record (empty when no ticket is sent). */
  sessionTicket: Uint8Array;
  /** Protects client application bytes as the next records (application traffic secret 0). */
  sealClient(data: Uint8Array): Uint8Array;
  /** Protects server application bytes as the next records. */
  sealServer(data: Uint8Array): Uint8Array;
  /** Protects an alert (level, description) from one side. */
  sealAlert(from: Side, level: number, description: number): Uint8Array;
  keyLog: string;
  clientRandom: Uint8Array;
  cipherSuite: number;
  alpn: string | undefined;
}

/** A session's handshake (everything but application data), deterministic in its options. */
export function synthesizeTlsHandshake(
  options: Omit<TlsSessionOptions, 'request' | 'response'>,
): TlsHandshake {
  const seed = options.seed ?? 1;
  const suiteId = options.cipherSuite ?? CIPHER_SUITE.TLS_AES_128_GCM_SHA256;
  const suite = cipherSuiteInfo(suiteId);
  const hash = suite.hash;
  const recordSize = options.recordSize ?? TLS_MAX_FRAGMENT;
  if (!Number.isInteger(recordSize) || recordSize < 1 || recordSize > TLS_MAX_FRAGMENT)
    throw new FieldError('tls', 'recordSize', `must be 1..${TLS_MAX_FRAGMENT}`);
  const serverName = options.serverName ?? 'shop.example.com';
  const alpn = options.alpn ?? ['http/1.1'];
  const serverAlpn = options.serverAlpn ?? ['http/1.1'];
  const selectedAlpn = alpn.find((protocol) => serverAlpn.includes(protocol));

  const clientRandom = seededBytes(seed, 'client random', 32);
  const serverRandom = seededBytes(seed, 'server random', 32);
  const sessionId = seededBytes(seed, 'legacy session id', 32);
  const clientPrivate = seededBytes(seed, 'client x25519', 32);
  const serverPrivate = seededBytes(seed, 'server x25519', 32);

  const offered = [suiteId, ...[0x1301, 0x1302, 0x1303].filter((id) => id !== suiteId)];
  const clientHello = encodeHandshake(
    clientHelloFor({
      random: clientRandom,
      sessionId,
      keyShare: x25519PublicKey(clientPrivate),
      serverName,
      alpn,
      cipherSuites: offered,
    }),
  );
  const serverHello = encodeHandshake({
    msg: 'server_hello',
    random: serverRandom,
    session_id: sessionId,
    cipher_suite: suiteId,
    extensions: [
      { type: EXTENSION.supported_versions, selected_version: 0x0304 },
      {
        type: EXTENSION.key_share,
        server_share: { group: NAMED_GROUP.x25519, key: x25519PublicKey(serverPrivate) },
      },
    ],
  });
  const shared = x25519SharedSecret(serverPrivate, x25519PublicKey(clientPrivate));
  const secrets = handshakeSecrets(hash, shared, transcriptHash(hash, clientHello, serverHello));

  const eeExtensions: TlsExtension[] = [];
  if (serverName) eeExtensions.push({ type: EXTENSION.server_name, data: new Uint8Array(0) });
  if (selectedAlpn !== undefined) eeExtensions.push({ type: EXTENSION.alpn, alpn: [selectedAlpn] });
  const encryptedExtensions = encodeHandshake({ msg: 'encrypted_extensions', extensions: eeExtensions });
  const certificate = encodeHandshake({
    msg: 'certificate',
    certificates: [{ cert_data: new Uint8Array(new X509Certificate(TEST_CERTIFICATE_PEM).raw) }],
  });
  const toSign = Buffer.concat([
    CERTIFICATE_VERIFY_CONTEXT,
    transcriptHash(hash, clientHello, serverHello, encryptedExtensions, certificate),
  ]);
  const certificateVerify = encodeHandshake({
    msg: 'certificate_verify',
    algorithm: SIGNATURE_SCHEME.ed25519,
    signature: ed25519Sign(TEST_PRIVATE_KEY_PEM, toSign),
  });
  const serverFinished = encodeHandshake({
    msg: 'finished',
    verify_data: finishedVerifyData(
      hash,
      secrets.serverHandshakeTrafficSecret,
      transcriptHash(hash, clientHello, serverHello, encryptedExtensions, certificate, certificateVerify),
    ),
  });
  const serverFlightMessages = [encryptedExtensions, certificate, certificateVerify, serverFinished];
  const serverFinishedHash = transcriptHash(hash, clientHello, serverHello, ...serverFlightMessages);
  const application = applicationSecrets(hash, secrets.masterSecret, serverFinishedHash);
  const clientFinished = encodeHandshake({
    msg: 'finished',
    verify_data: finishedVerifyData(hash, secrets.clientHandshakeTrafficSecret, serverFinishedHash),
  });

  const serverHandshake = new RecordProtection(suiteId, secrets.serverHandshakeTrafficSecret);
  const clientHandshake = new RecordProtection(suiteId, secrets.clientHandshakeTrafficSecret);
  const serverApplication = new RecordProtection(suiteId, application.serverApplicationTrafficSecret);
  const clientApplication = new RecordProtection(suiteId, application.clientApplicationTrafficSecret);

  const serverFlight = [
    plaintextRecord(CONTENT_TYPE.handshake, serverHello),
    CHANGE_CIPHER_SPEC_RECORD,
    ...protect(
      serverHandshake,
      CONTENT_TYPE.handshake,
      Buffer.concat(serverFlightMessages),
      TLS_MAX_FRAGMENT,
    ),
  ];
  const clientFinishedRecords = Buffer.concat([
    CHANGE_CIPHER_SPEC_RECORD,
    clientHandshake.seal(CONTENT_TYPE.handshake, clientFinished),
  ]);
  let sessionTicket: Uint8Array = new Uint8Array(0);
  if (options.sessionTicket ?? true) {
    const ticket = encodeHandshake({
      msg: 'new_session_ticket',
      lifetime: 7200,
      age_add: Buffer.from(seededBytes(seed, 'ticket age add', 4)).readUInt32BE(0),
      nonce: Uint8Array.of(0),
      ticket: seededBytes(seed, 'ticket', 64),
      extensions: [],
    });
    sessionTicket = serverApplication.seal(CONTENT_TYPE.handshake, ticket);
  }
  const random = toHex(clientRandom);
  const keyLog = [
    `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${random} ${toHex(secrets.clientHandshakeTrafficSecret)}`,
    `SERVER_HANDSHAKE_TRAFFIC_SECRET ${random} ${toHex(secrets.serverHandshakeTrafficSecret)}`,
    `CLIENT_TRAFFIC_SECRET_0 ${random} ${toHex(application.clientApplicationTrafficSecret)}`,
    `SERVER_TRAFFIC_SECRET_0 ${random} ${toHex(application.serverApplicationTrafficSecret)}`,
    `EXPORTER_SECRET ${random} ${toHex(application.exporterMasterSecret)}`,
    '',
  ].join('\n');

  return {
    clientHello: plaintextRecord(CONTENT_TYPE.handshake, clientHello, 0x0301),
    serverFlight: Buffer.concat(serverFlight),
    clientFinished: clientFinishedRecords,
    sessionTicket,
    sealClient: (data) =>
      Buffer.concat(protect(clientApplication, CONTENT_TYPE.applicationData, data, recordSize)),
    sealServer: (data) =>
      Buffer.concat(protect(serverApplication, CONTENT_TYPE.applicationData, data, recordSize)),
    sealAlert: (from, level, description) =>
      (from === 'client' ? clientApplication : serverApplication).seal(
        CONTENT_TYPE.alert,
        Uint8Array.of(level, description),
      ),
    keyLog,
    clientRandom,
    cipherSuite: suiteId,
    alpn: selectedAlpn,
  };
}

export function synthesizeTlsSession(options: TlsSessionOptions): TlsSession {
  const handshake = synthesizeTlsHandshake(options);
  const request = options.request.length > 0 ? handshake.sealClient(options.request) : new Uint8Array(0);
  const response = options.response.length > 0 ? handshake.sealServer(options.response) : new Uint8Array(0);
  const conversation: { from: Side; bytes: Uint8Array }[] = [
    { from: 'client', bytes: handshake.clientHello },
    { from: 'server', bytes: handshake.serverFlight },
    { from: 'client', bytes: Buffer.concat([handshake.clientFinished, request]) },
  ];
  const last = Buffer.concat([handshake.sessionTicket, response]);
  if (last.length > 0) conversation.push({ from: 'server', bytes: last });
  return {
    conversation,
    keyLog: handshake.keyLog,
    clientRandom: handshake.clientRandom,
    cipherSuite: handshake.cipherSuite,
    alpn: handshake.alpn,
  };
}
