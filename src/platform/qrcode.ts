import type QRCodeModule from 'qrcode';
import { lazyRequire } from './lazy.ts';

export type { QRCodeModule };

/**
 * qrcode (about 60 modules), loaded at the first code drawn: the bill's and the slip's GOST code,
 * the СБП payment code, a staff member's TOTP enrollment code.
 */
export const qrcode = lazyRequire<typeof QRCodeModule>('qrcode');
