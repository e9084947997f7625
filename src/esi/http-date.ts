const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// RFC 9110 §5.6.7: IMF-fixdate, plus the obsolete RFC 850 and asctime forms recipients must accept.
const IMF_FIXDATE = /^[A-Za-z]{3}, (\d{2}) ([A-Za-z]{3}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const RFC_850 = /^[A-Za-z]{6,9}, (\d{2})-([A-Za-z]{3})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/;
const ASCTIME = /^[A-Za-z]{3} ([A-Za-z]{3}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/;

/**
 * Milliseconds since the epoch of an HTTP-date, or null. Strict on purpose: `Date.parse` reads
 * `Expires: 0` as the year 2000, while HTTP treats any invalid date as no date.
 */
export function parseHttpDate(value: string | undefined): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  let parts: [string, string, string, string, string, string] | null = null;
  let match = IMF_FIXDATE.exec(text);
  if (match) parts = [match[3]!, match[2]!, match[1]!, match[4]!, match[5]!, match[6]!];
  else if ((match = RFC_850.exec(text))) {
    // Two-digit years: RFC 9110 says to pick the century that puts the date within 50 years from now.
    const twoDigit = Number(match[3]);
    const year = twoDigit + (twoDigit < 70 ? 2000 : 1900);
    parts = [String(year), match[2]!, match[1]!, match[4]!, match[5]!, match[6]!];
  } else if ((match = ASCTIME.exec(text))) {
    parts = [match[6]!, match[1]!, match[2]!.trim(), match[3]!, match[4]!, match[5]!];
  }
  if (parts === null) return null;
  const [year, monthName, day, hour, minute, second] = parts;
  const month = MONTHS.indexOf(monthName.toLowerCase());
  if (month < 0) return null;
  const fields = [Number(year), Number(day), Number(hour), Number(minute), Number(second)] as const;
  const [y, d, h, mi, s] = fields;
  if (d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return null;
  const ms = Date.UTC(y, month, d, h, mi, Math.min(s, 59));
  // Rejects 31 Feb and friends, which Date.UTC would silently roll over.
  if (new Date(ms).getUTCDate() !== d) return null;
  return ms;
}
