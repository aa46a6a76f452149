/** Card-number helpers for the sandbox bank's page (the portal itself never sees a card number). */

/** The Luhn check of a string of digits. */
export function luhnValid(digits: string): boolean {
  if (!/^[0-9]+$/.test(digits)) {
    return false;
  }
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) {
        d -= 9;
      }
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** "411111******1111": the first six and the last four digits, as banks show them. */
export function maskPan(pan: string): string {
  return `${pan.slice(0, 6)}${'*'.repeat(Math.max(0, pan.length - 10))}${pan.slice(-4)}`;
}

/** Digits of a card number as typed ("4111 1111-1111 1111"), or null when it is not 13–19 digits. */
export function normalizePan(input: string): string | null {
  const s = input.replace(/[\s-]+/g, '');
  return /^[0-9]{13,19}$/.test(s) ? s : null;
}

/** "MM/YY" or "MM/YYYY" → the last month the card is valid, as {year, month}; null when malformed. */
export function parseExpiry(input: string): { year: number; month: number } | null {
  const m = /^\s*(0[1-9]|1[0-2])\s*\/?\s*(\d{2}|\d{4})\s*$/.exec(input);
  if (!m) {
    return null;
  }
  const yy = Number(m[2]);
  return { month: Number(m[1]), year: m[2]!.length === 2 ? 2000 + yy : yy };
}
