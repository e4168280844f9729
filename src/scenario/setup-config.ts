/**
 * Rules of the j-setup config blocks (`mme`, `sgwControl`, `pgwControl`, `subscriber`, `tunnelSetup`,
 * `dns`) that span several keys; each broken rule is one FieldError naming the key.
 */
import { FieldError } from '../core/errors.js';
import type { JourneyConfig } from './config.js';

export function checkSetupConsistency(config: JourneyConfig): void {
  const { imsi, mcc, mnc } = config.subscriber;
  if (!imsi.startsWith(mcc + mnc)) {
    throw new FieldError(
      'config',
      'subscriber.imsi',
      `must start with subscriber.mcc and subscriber.mnc (${mcc}${mnc}), got "${imsi}"`,
    );
  }
  const vips = [config.slb.vip, ...config.dns.otherVips];
  vips.forEach((vip, index) => {
    if (index > 0 && vips.indexOf(vip) !== index) {
      throw new FieldError(
        'config',
        `dns.otherVips[${index - 1}]`,
        `must differ from slb.vip and the other VIPs, got "${vip}"`,
      );
    }
  });
  if (vips.includes(config.dns.resolver)) {
    throw new FieldError('config', 'dns.resolver', 'must not be one of the SLB VIPs');
  }
}
