// Clojure's #inst grammar: RFC 3339 with the later fields optional ("2020", "2020-01-01T10:00Z").
const INSTANT =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?)?)?)?(?:Z|([+-])(\d{2}):(\d{2}))?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/**
 * Parses the text of an EDN `#inst`: an RFC 3339 timestamp such as `2020-01-01T10:00:00.5+02:00`,
 * with the later fields optional as Clojure allows (`2020-01-01`, `2020-01-01T10:00Z`). No offset
 * means UTC. Fractional seconds beyond milliseconds are truncated, as `java.util.Date` does. Returns
 * a reason when the text is not a valid instant (`'day 30 is out of range for 2021-02'`).
 *
 * @example
 * ```ts
 * parseInstantText('1970-01-01T00:00:01Z') // Date(1000)
 * parseInstantText('2021-02-30')           // 'day 30 is out of range for 2021-02'
 * ```
 */
export function parseInstantText(text: string): Date | string {
  const m = INSTANT.exec(text);
  if (m === null) return 'it is not an RFC 3339 timestamp such as 2020-01-01T00:00:00.000Z';
  const year = Number(m[1]);
  const month = m[2] === undefined ? 1 : Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12) return `month ${month} is out of range`;
  const days = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day < 1 || day > days) return `day ${day} is out of range for ${m[1]}-${m[2]}`;
  if (hour > 23) return `hour ${hour} is out of range`;
  if (minute > 59) return `minute ${minute} is out of range`;
  if (second > 59) return `second ${second} is out of range (leap seconds cannot be represented)`;
  let offset = 0;
  if (m[8] !== undefined) {
    const oh = Number(m[9]);
    const om = Number(m[10]);
    if (oh > 23 || om > 59) return `offset ${m[8]}${m[9]}:${m[10]} is out of range`;
    offset = (m[8] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  // Date.UTC maps years 0..99 to 1900..1999, so set the full year explicitly.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return new Date(date.getTime() - offset * 60_000);
}

/**
 * Formats a `Date` as the text of an EDN `#inst`, the way Clojure prints one:
 * `2020-01-01T00:00:00.000-00:00`. Returns `undefined` for an invalid date or one outside the years
 * 0000..9999, which `#inst` cannot hold.
 *
 * @example
 * ```ts
 * formatInstantText(new Date(0)) // '1970-01-01T00:00:00.000-00:00'
 * ```
 */
export function formatInstantText(date: Date): string | undefined {
  const t = date.getTime();
  // 0000-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z
  if (!(t >= -62167219200000 && t <= 253402300799999)) return undefined;
  return `${date.toISOString().slice(0, -1)}-00:00`;
}
