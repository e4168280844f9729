import { describe, expect, it } from 'vitest';
import { toHex } from '../../src/core/bytes.js';
import { DecodeError } from '../../src/core/errors.js';
import { EXTENSION } from '../../src/tls/extensions.js';
import { decodeHandshakes, encodeHandshake } from '../../src/tls/handshake.js';
import * as v from './rfc8448.js';

describe('handshake messages: RFC 8448 §3 bytes decode to their fields and re-encode byte-exactly', () => {
  it('ClientHello', () => {
    const [hello] = decodeHandshakes(v.CLIENT_HELLO);
    if (hello?.msg !== 'client_hello') throw new Error('not a ClientHello');
    expect(hello.cipher_suites).toEqual([0x1301, 0x1303, 0x1302]);
    expect(toHex(hello.random)).toBe('cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7');
    expect(hello.session_id?.length).toBe(0);
    const byType = new Map(hello.extensions.map((e) => [e.type, e]));
    expect(byType.get(EXTENSION.server_name)?.server_name).toBe('server');
    expect(byType.get(EXTENSION.supported_groups)?.groups).toEqual([
      0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104,
    ]);
    expect(byType.get(EXTENSION.supported_versions)?.versions).toEqual([0x0304]);
    expect(byType.get(EXTENSION.psk_key_exchange_modes)?.psk_modes).toEqual([1]);
    const share = byType.get(EXTENSION.key_share)?.key_shares?.[0];
    expect(share?.group).toBe(0x1d);
    expect(toHex(share?.key ?? new Uint8Array())).toBe(toHex(v.CLIENT_PUBLIC));
    expect(byType.get(EXTENSION.signature_algorithms)?.signature_algorithms?.[0]).toBe(0x0403);
    // renegotiation_info, session_ticket and record_size_limit (28) are kept as they came.
    expect(hello.extensions.map((e) => e.type)).toEqual([0, 0xff01, 10, 35, 51, 43, 13, 45, 28]);
    expect(toHex(encodeHandshake(hello))).toBe(toHex(v.CLIENT_HELLO));
    // Re-encoding from the typed fields alone (no data octets) gives the same bytes too.
    const rebuilt = {
      ...hello,
      len: undefined,
      extensions: hello.extensions.map(({ data, ...rest }) =>
        rest.type === 0xff01 || rest.type === 28 || rest.type === 35 ? { ...rest, data } : rest,
      ),
    };
    expect(toHex(encodeHandshake(rebuilt))).toBe(toHex(v.CLIENT_HELLO));
  });

  it('ServerHello and the server flight (EncryptedExtensions, Certificate, CertificateVerify, Finished)', () => {
    const [hello] = decodeHandshakes(v.SERVER_HELLO);
    if (hello?.msg !== 'server_hello') throw new Error('not a ServerHello');
    expect(hello.cipher_suite).toBe(0x1301);
    const byType = new Map(hello.extensions.map((e) => [e.type, e]));
    expect(byType.get(EXTENSION.supported_versions)?.selected_version).toBe(0x0304);
    expect(toHex(byType.get(EXTENSION.key_share)?.server_share?.key ?? new Uint8Array())).toBe(
      toHex(v.SERVER_PUBLIC),
    );
    expect(toHex(encodeHandshake(hello))).toBe(toHex(v.SERVER_HELLO));

    const flight = decodeHandshakes(v.SERVER_FLIGHT);
    expect(flight.map((m) => m.msg)).toEqual([
      'encrypted_extensions',
      'certificate',
      'certificate_verify',
      'finished',
    ]);
    const [ee, certificate, verify, finished] = flight;
    if (ee?.msg !== 'encrypted_extensions' || certificate?.msg !== 'certificate') throw new Error('order');
    expect(ee.extensions.map((e) => e.type)).toEqual([10, 28, 0]);
    expect(certificate.certificates).toHaveLength(1);
    expect(certificate.certificates[0]?.cert_data.length).toBe(432);
    if (verify?.msg !== 'certificate_verify' || finished?.msg !== 'finished') throw new Error('order');
    expect(verify.algorithm).toBe(0x0804);
    expect(verify.signature.length).toBe(128);
    expect(toHex(finished.verify_data)).toBe(toHex(v.SERVER_VERIFY_DATA));
    expect(toHex(Buffer.concat(flight.map(encodeHandshake)))).toBe(toHex(v.SERVER_FLIGHT));
  });

  it('a message cut short is a DecodeError naming the layer and offset; lengths can be set by hand', () => {
    expect(() => decodeHandshakes(v.CLIENT_HELLO.subarray(0, 100))).toThrow(DecodeError);
    try {
      decodeHandshakes(v.CLIENT_HELLO.subarray(0, 100));
    } catch (error) {
      expect((error as DecodeError).layer).toBe('tls');
      expect((error as DecodeError).offset).toBe(1);
    }
    const bytes = encodeHandshake({ msg: 'finished', verify_data: new Uint8Array(32), len: 99 });
    expect(toHex(bytes.subarray(0, 4))).toBe('14000063');
  });
});
