/**
 * A TLS 1.3 client (RFC 8446, full 1-RTT handshake, X25519) over any byte transport, for
 * `pktcraft tcp-client --tls` against a real server (openssl s_server): ClientHello, the server's
 * flight decrypted and checked (CertificateVerify signature with the certificate's key, Finished),
 * the client Finished and the request, then the answer until the server closes. The certificate is
 * not validated against a trust store (a lab tool): `certificateVerified` only says the server holds
 * the key of the certificate it sent. Randoms and the key share come from `seed`, or from
 * node:crypto's randomBytes without one.
 */
import { constants, randomBytes, verify, X509Certificate } from 'node:crypto';
import { toHex } from '../core/bytes.js';
import { InjectError } from '../core/errors.js';
import { cipherSuiteInfo } from './cipher-suites.js';
import { EXTENSION } from './extensions.js';
import {
  alertName,
  type Certificate,
  decodeHandshakes,
  encodeHandshake,
  type HandshakeMessage,
  HELLO_RETRY_RANDOM,
} from './handshake.js';
import { applicationSecrets, finishedVerifyData, handshakeSecrets, transcriptHash } from './key-schedule.js';
import { x25519PublicKey, x25519SharedSecret } from './keys.js';
import { CONTENT_TYPE, RecordProtection, TLS_MAX_FRAGMENT } from './record-protection.js';
import { CHANGE_CIPHER_SPEC_RECORD, clientHelloFor, plaintextRecord, seededBytes } from './session.js';

export interface TlsTransport {
  send(data: Uint8Array): void;
  /** Reads until `done(all bytes received so far)` or the peer closes; returns everything received. */
  read(done: (received: Uint8Array) => boolean): Uint8Array;
}

export interface TlsClientOptions {
  serverName?: string | undefined;
  alpn?: readonly string[] | undefined;
  request: Uint8Array;
  seed?: number | undefined;
}

export interface TlsClientResult {
  response: Uint8Array;
  keyLog: string;
  cipherSuite: string;
  alpn: string | undefined;
  certificateVerified: boolean;
  certificateSubject: string | undefined;
  /** Alerts received (close_notify at the end of a clean session). */
  alerts: string[];
  sessionTickets: number;
}

const VERIFY_CONTEXT = Buffer.concat([
  Buffer.alloc(64, 0x20),
  Buffer.from('TLS 1.3, server CertificateVerify', 'latin1'),
  Buffer.alloc(1),
]);

function fail(reason: string): never {
  throw new InjectError('EPROTO', `TLS: ${reason}`);
}

function signatureOk(
  certificate: X509Certificate,
  algorithm: number,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const key = certificate.publicKey;
  switch (algorithm) {
    case 0x0807:
      return verify(null, message, key, signature);
    case 0x0403:
      return verify('sha256', message, key, signature);
    case 0x0503:
      return verify('sha384', message, key, signature);
    case 0x0804:
    case 0x0805:
    case 0x0806: {
      const hash = algorithm === 0x0804 ? 'sha256' : algorithm === 0x0805 ? 'sha384' : 'sha512';
      const saltLength = algorithm === 0x0804 ? 32 : algorithm === 0x0805 ? 48 : 64;
      return verify(hash, message, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature);
    }
    default:
      return false;
  }
}

/** Runs one TLS 1.3 session over `transport`: handshake, request, the answer until the peer closes. */
export function tlsClientSession(transport: TlsTransport, options: TlsClientOptions): TlsClientResult {
  const bytes = (label: string, length: number): Uint8Array =>
    options.seed === undefined
      ? new Uint8Array(randomBytes(length))
      : seededBytes(options.seed, `client ${label}`, length);
  const clientRandom = bytes('random', 32);
  const privateKey = bytes('x25519', 32);
  const hello = encodeHandshake(
    clientHelloFor({
      random: clientRandom,
      sessionId: bytes('session id', 32),
      keyShare: x25519PublicKey(privateKey),
      serverName: options.serverName,
      alpn: options.alpn,
    }),
  );
  transport.send(plaintextRecord(CONTENT_TYPE.handshake, hello, 0x0301));

  const transcript: Uint8Array[] = [hello];
  let handshakeBuffer: Uint8Array = new Uint8Array(0);
  let reader: RecordProtection | undefined;
  let suite = 0;
  let secrets: ReturnType<typeof handshakeSecrets> | undefined;
  let application: ReturnType<typeof applicationSecrets> | undefined;
  let certificate: X509Certificate | undefined;
  let certificateVerified = false;
  let alpn: string | undefined;
  let handshakeDone = false;
  let closed = false;
  let sessionTickets = 0;
  const alerts: string[] = [];
  const response: Uint8Array[] = [];
  let consumed = 0;

  const onMessage = (message: HandshakeMessage, raw: Uint8Array): void => {
    if (handshakeDone) {
      if (message.msg === 'new_session_ticket') sessionTickets++;
      return;
    }
    const hash = suite ? cipherSuiteInfo(suite).hash : 'sha256';
    switch (message.msg) {
      case 'server_hello': {
        if (Buffer.from(message.random).equals(HELLO_RETRY_RANDOM))
          fail('the server asked for a HelloRetryRequest (not supported)');
        suite = message.cipher_suite;
        const share = message.extensions.find((e) => e.type === EXTENSION.key_share)?.server_share;
        const version = message.extensions.find(
          (e) => e.type === EXTENSION.supported_versions,
        )?.selected_version;
        if (version !== 0x0304) fail('the server did not select TLS 1.3');
        if (share?.group !== 0x001d) fail('the server did not answer with an X25519 key share');
        transcript.push(raw);
        const h = cipherSuiteInfo(suite).hash;
        secrets = handshakeSecrets(
          h,
          x25519SharedSecret(privateKey, share.key),
          transcriptHash(h, ...transcript),
        );
        reader = new RecordProtection(suite, secrets.serverHandshakeTrafficSecret);
        return;
      }
      case 'encrypted_extensions':
        alpn = message.extensions.find((e) => e.type === EXTENSION.alpn)?.alpn?.[0];
        break;
      case 'certificate': {
        const first = (message as Certificate).certificates[0];
        if (first) certificate = new X509Certificate(first.cert_data);
        break;
      }
      case 'certificate_verify':
        if (certificate) {
          const signed = Buffer.concat([VERIFY_CONTEXT, transcriptHash(hash, ...transcript)]);
          certificateVerified = signatureOk(certificate, message.algorithm, signed, message.signature);
          if (!certificateVerified)
            fail('the CertificateVerify signature does not verify with the certificate key');
        }
        break;
      case 'finished': {
        if (!secrets) fail('Finished before ServerHello');
        const expected = finishedVerifyData(
          hash,
          secrets.serverHandshakeTrafficSecret,
          transcriptHash(hash, ...transcript),
        );
        if (!Buffer.from(expected).equals(Buffer.from(message.verify_data)))
          fail('the server Finished does not verify');
        transcript.push(raw);
        application = applicationSecrets(hash, secrets.masterSecret, transcriptHash(hash, ...transcript));
        handshakeDone = true;
        return;
      }
      default:
        break;
    }
    transcript.push(raw);
  };

  const absorbHandshake = (fragment: Uint8Array): void => {
    handshakeBuffer = Buffer.concat([handshakeBuffer, fragment]);
    let at = 0;
    while (handshakeBuffer.length - at >= 4) {
      const length =
        ((handshakeBuffer[at + 1] ?? 0) << 16) |
        ((handshakeBuffer[at + 2] ?? 0) << 8) |
        (handshakeBuffer[at + 3] ?? 0);
      if (handshakeBuffer.length - at < 4 + length) break;
      const raw = handshakeBuffer.subarray(at, at + 4 + length);
      const [message] = decodeHandshakes(raw);
      if (message) {
        const wasDone = handshakeDone;
        onMessage(message, new Uint8Array(raw));
        // The Finished switches the read keys: the rest of the buffer, if any, was under the old ones.
        if (!wasDone && handshakeDone && application)
          reader = new RecordProtection(suite, application.serverApplicationTrafficSecret);
      }
      at += 4 + length;
    }
    handshakeBuffer = handshakeBuffer.subarray(at);
  };

  const process = (received: Uint8Array): void => {
    while (received.length - consumed >= 5) {
      const length = ((received[consumed + 3] ?? 0) << 8) | (received[consumed + 4] ?? 0);
      if (length > TLS_MAX_FRAGMENT + 256) fail(`record length ${length} is too long`);
      if (received.length - consumed < 5 + length) return;
      const record = received.subarray(consumed, consumed + 5 + length);
      consumed += 5 + length;
      const type = record[0];
      if (type === CONTENT_TYPE.changeCipherSpec) continue;
      if (type === CONTENT_TYPE.handshake && !reader) {
        absorbHandshake(record.subarray(5));
        continue;
      }
      if (type === CONTENT_TYPE.alert && !reader) fail(`alert ${alertName(record[6] ?? 0)} from the server`);
      if (type !== CONTENT_TYPE.applicationData || !reader) fail(`unexpected record type ${type}`);
      const inner = reader.open(record);
      if (inner.contentType === CONTENT_TYPE.handshake) absorbHandshake(inner.content);
      else if (inner.contentType === CONTENT_TYPE.applicationData) response.push(inner.content);
      else if (inner.contentType === CONTENT_TYPE.alert) {
        const name = alertName(inner.content[1] ?? 0);
        alerts.push(name);
        if (name === 'close_notify') closed = true;
        else fail(`alert ${name} from the server`);
      }
    }
  };

  transport.read((received) => {
    process(received);
    return handshakeDone;
  });
  if (!handshakeDone || !secrets || !application) fail('the server closed before its Finished');
  const hash = cipherSuiteInfo(suite).hash;
  const clientFinished = encodeHandshake({
    msg: 'finished',
    verify_data: finishedVerifyData(
      hash,
      secrets.clientHandshakeTrafficSecret,
      transcriptHash(hash, ...transcript),
    ),
  });
  const clientHandshake = new RecordProtection(suite, secrets.clientHandshakeTrafficSecret);
  const clientApplication = new RecordProtection(suite, application.clientApplicationTrafficSecret);
  const requestRecords: Uint8Array[] = [];
  for (let at = 0; at < options.request.length; at += TLS_MAX_FRAGMENT)
    requestRecords.push(
      clientApplication.seal(
        CONTENT_TYPE.applicationData,
        options.request.subarray(at, at + TLS_MAX_FRAGMENT),
      ),
    );
  transport.send(
    Buffer.concat([
      CHANGE_CIPHER_SPEC_RECORD,
      clientHandshake.seal(CONTENT_TYPE.handshake, clientFinished),
      ...requestRecords,
    ]),
  );
  const all = transport.read((received) => {
    process(received);
    return closed;
  });
  process(all);
  // Our close_notify (RFC 8446 §6.1); the transport drops it when the server has already closed TCP.
  transport.send(clientApplication.seal(CONTENT_TYPE.alert, Uint8Array.of(1, 0)));

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
    response: Buffer.concat(response),
    keyLog,
    cipherSuite: cipherSuiteInfo(suite).name,
    alpn,
    certificateVerified,
    certificateSubject: certificate?.subject,
    alerts,
    sessionTickets,
  };
}
