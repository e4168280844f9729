import { describe, expect, it } from 'vitest';
import { EXTENSION, type TlsExtension } from '../../src/tls/extensions.js';
import { ja3, ja3Text, ja4, ja4Raw } from '../../src/tls/fingerprint.js';
import { type ClientHello, decodeHandshakes, encodeHandshake } from '../../src/tls/handshake.js';

/**
 * A Chrome 143 (Android) ClientHello as fingerprinted by browserleaks.com (JA3 and JA4 computed by
 * their implementations, published in service0427/v2_cp_app tls.md): cipher and extension order from
 * its ja4_ro / ja3_text, GREASE (0x?a?a) included on the wire as Chrome sends it.
 */
function chromeHello(): ClientHello {
  const suites = [
    0x0a0a, 4865, 4866, 4867, 49195, 49199, 49196, 49200, 52393, 52392, 49171, 49172, 156, 157, 47, 53,
  ];
  const empty = new Uint8Array(0);
  const order = [0x2a2a, 45, 51, 16, 65037, 23, 17613, 0, 11, 10, 43, 65281, 35, 18, 5, 13, 27, 0x3a3a];
  const extensions: TlsExtension[] = order.map((type): TlsExtension => {
    switch (type) {
      case EXTENSION.server_name:
        return { type, server_name: 'tls.browserleaks.com' };
      case EXTENSION.alpn:
        return { type, alpn: ['h2', 'http/1.1'] };
      case EXTENSION.supported_groups:
        return { type, groups: [0x1a1a, 4588, 29, 23, 24] };
      case EXTENSION.ec_point_formats:
        return { type, point_formats: [0] };
      case EXTENSION.supported_versions:
        return { type, versions: [0x4a4a, 0x0304, 0x0303] };
      case EXTENSION.signature_algorithms:
        return {
          type,
          signature_algorithms: [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601],
        };
      default:
        return { type, data: empty };
    }
  });
  return {
    msg: 'client_hello',
    random: new Uint8Array(32),
    session_id: new Uint8Array(32),
    cipher_suites: suites,
    extensions,
  };
}

describe('JA3 and JA4 of a ClientHello', () => {
  // Decode the encoded hello, so the fingerprints come from the parsed wire form.
  const [hello] = decodeHandshakes(encodeHandshake(chromeHello()));
  if (hello?.msg !== 'client_hello') throw new Error('not a ClientHello');

  it('JA3 text and MD5 match the published fingerprint (GREASE left out)', () => {
    expect(ja3Text(hello)).toBe(
      '771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,45-51-16-65037-23-17613-0-11-10-43-65281-35-18-5-13-27,4588-29-23-24,0',
    );
    expect(ja3(hello)).toBe('98487aa16281980e7d1120d399efb6a4');
  });

  it('JA4 and its raw form match the published fingerprint', () => {
    expect(ja4Raw(hello)).toBe(
      't13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0017,001b,0023,002b,002d,0033,44cd,fe0d,ff01_0403,0804,0401,0503,0805,0501,0806,0601',
    );
    expect(ja4(hello)).toBe('t13d1516h2_8daaf6152771_d8a2da3f94cd');
  });
});
