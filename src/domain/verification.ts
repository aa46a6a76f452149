import { daysBetween, type IsoDate } from './dates.ts';

/** Days before the end of the verification interval from which the customer is warned (the seed: 90). */
export const VERIFICATION_WARNING_DAYS = 90;

export type VerificationStatus =
  | { state: 'valid'; due: IsoDate; daysLeft: number }
  | { state: 'due_soon'; due: IsoDate; daysLeft: number }
  | { state: 'expired'; due: IsoDate; daysLeft: number };

/**
 * Whether the meter's verification interval has ended (the due date has come: "наступила")
 * or ends within the warning window, counted in calendar days of the supplier's time zone.
 */
export function verificationStatus(
  due: IsoDate,
  today: IsoDate,
  warningDays = VERIFICATION_WARNING_DAYS,
): VerificationStatus {
  const daysLeft = daysBetween(today, due);
  if (daysLeft <= 0) {
    return { state: 'expired', due, daysLeft };
  }
  if (daysLeft <= warningDays) {
    return { state: 'due_soon', due, daysLeft };
  }
  return { state: 'valid', due, daysLeft };
}
