/**
 * ClientHello fingerprints.
 *
 * JA3 (Salesforce): "SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats", decimal
 * values joined by '-', GREASE values (RFC 8701) left out; the fingerprint is the MD5 of that text.
 *
 * JA4 (FoxIO, TCP): "t" + version ("13": the highest supported_versions entry, else legacy_version)
 * + "d" (SNI) or "i" + two-digit cipher count + two-digit extension count (GREASE left out) + first
 * and last character of the first ALPN value ("00" without ALPN) "_" the first 12 hex digits of
 * SHA-256 over the sorted 4-hex-digit cipher list joined by ',' "_" the same over the sorted extension
 * list without SNI (0000) and ALPN (0010), then '_' and the signature algorithms in their order.
 */
import { createHash } from 'node:crypto';
import { EXTENSION, isGrease, type TlsExtension } from './extensions.js';
import type { ClientHello } from './handshake.js';

function find(extensions: readonly TlsExtension[], type: number): TlsExtension | undefined {
  return extensions.find((extension) => extension.type === type);
}

export function ja3Text(hello: ClientHello): string {
  const extensions = hello.extensions;
  const noGrease = (values: readonly number[]): number[] => values.filter((value) => !isGrease(value));
  return [
    String(hello.legacy_version ?? 0x0303),
    noGrease(hello.cipher_suites).join('-'),
    noGrease(extensions.map((extension) => extension.type)).join('-'),
    noGrease(find(extensions, EXTENSION.supported_groups)?.groups ?? []).join('-'),
    (find(extensions, EXTENSION.ec_point_formats)?.point_formats ?? []).join('-'),
  ].join(',');
}

export function ja3(hello: ClientHello): string {
  return createHash('md5').update(ja3Text(hello)).digest('hex');
}

const hex4 = (value: number): string => value.toString(16).padStart(4, '0');
const sha12 = (text: string): string =>
  text === '' ? '000000000000' : createHash('sha256').update(text).digest('hex').slice(0, 12);

const VERSION_CODES: Readonly<Record<number, string>> = {
  772: '13',
  771: '12',
  770: '11',
  769: '10',
  768: 's3',
  2: 's2',
  65279: 'd1',
  65277: 'd2',
  65276: 'd3',
};

/** JA4's raw form (`ja4_r`): the header, then the sorted lists the hashes are taken over. */
export function ja4Raw(hello: ClientHello): string {
  return ja4Parts(hello).raw;
}

export function ja4(hello: ClientHello): string {
  return ja4Parts(hello).hashed;
}

function ja4Parts(hello: ClientHello): { raw: string; hashed: string } {
  const extensions = hello.extensions.filter((extension) => !isGrease(extension.type));
  const versions = (find(extensions, EXTENSION.supported_versions)?.versions ?? []).filter(
    (v) => !isGrease(v),
  );
  const version = versions.length > 0 ? Math.max(...versions) : (hello.legacy_version ?? 0x0303);
  const sni = find(extensions, EXTENSION.server_name) ? 'd' : 'i';
  const ciphers = hello.cipher_suites.filter((suite) => !isGrease(suite));
  const alpnValue = find(extensions, EXTENSION.alpn)?.alpn?.[0] ?? '';
  const alpn = alpnValue.length > 0 ? `${alpnValue[0]}${alpnValue[alpnValue.length - 1]}` : '00';
  const count = (n: number): string => String(Math.min(n, 99)).padStart(2, '0');
  const header = `t${VERSION_CODES[version] ?? '00'}${sni}${count(ciphers.length)}${count(extensions.length)}${alpn}`;
  const cipherList = ciphers.map(hex4).sort().join(',');
  const extensionList = extensions
    .map((extension) => extension.type)
    .filter((type) => type !== EXTENSION.server_name && type !== EXTENSION.alpn)
    .map(hex4)
    .sort()
    .join(',');
  const signatures = (find(extensions, EXTENSION.signature_algorithms)?.signature_algorithms ?? [])
    .map(hex4)
    .join(',');
  const extensionPart = signatures ? `${extensionList}_${signatures}` : extensionList;
  return {
    raw: `${header}_${cipherList}_${extensionPart}`,
    hashed: `${header}_${sha12(cipherList)}_${sha12(extensionPart)}`,
  };
}
