// pktcraft's public API.

export * from './capture/index.js';
export * from './core/address.js';
export { fromHex, toHex } from './core/bytes.js';
export * from './core/checksum.js';
export * from './core/errors.js';
export * from './engine/index.js';
export * from './flow/index.js';
export * from './layers/index.js';
export * from './packet/index.js';
