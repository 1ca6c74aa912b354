const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const NOT_RFC_3339 = 'it is not an RFC 3339 timestamp such as 2020-01-01T00:00:00.000Z';

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** The number written by `count` digits at `at`, or -1. */
function digits(text: string, at: number, count: number): number {
  if (at + count > text.length) return -1;
  let v = 0;
  for (let i = at; i < at + count; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Parses the text of an EDN `#inst`: an RFC 3339 timestamp such as `2020-01-01T10:00:00.5+02:00`,
 * with the later fields optional as Clojure allows (`2020`, `2020-01-01`, `2020-01-01T10:00Z`). No
 * offset means UTC. Fractional seconds beyond milliseconds are truncated, as `java.util.Date` does.
 * Returns a reason when the text is not a valid instant (`'day 30 is out of range for 2021-02'`).
 *
 * @example
 * ```ts
 * parseInstantText('1970-01-01T00:00:01Z') // Date(1000)
 * parseInstantText('2021-02-30')           // 'day 30 is out of range for 2021-02'
 * ```
 */
export function parseInstantText(text: string): Date | string {
  // Char codes rather than a regex: transaction logs hold one #inst per transaction.
  const n = text.length;
  const year = digits(text, 0, 4);
  if (year < 0) return NOT_RFC_3339;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let millis = 0;
  let i = 4;
  if (text.charCodeAt(i) === 45) {
    // -MM[-DD[THH[:mm[:ss[.fff]]]]]; a '-' here could also start an offset, which needs ':' at +3.
    if (text.charCodeAt(i + 3) !== 58) {
      month = digits(text, i + 1, 2);
      if (month < 0) return NOT_RFC_3339;
      i += 3;
      if (text.charCodeAt(i) === 45 && text.charCodeAt(i + 3) !== 58) {
        day = digits(text, i + 1, 2);
        if (day < 0) return NOT_RFC_3339;
        i += 3;
        if (text.charCodeAt(i) === 84) {
          hour = digits(text, i + 1, 2);
          if (hour < 0) return NOT_RFC_3339;
          i += 3;
          if (text.charCodeAt(i) === 58) {
            minute = digits(text, i + 1, 2);
            if (minute < 0) return NOT_RFC_3339;
            i += 3;
            if (text.charCodeAt(i) === 58) {
              second = digits(text, i + 1, 2);
              if (second < 0) return NOT_RFC_3339;
              i += 3;
              if (text.charCodeAt(i) === 46) {
                const from = ++i;
                while (i < n && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
                if (i === from) return NOT_RFC_3339;
                millis = digits(`${text.slice(from, Math.min(i, from + 3))}00`, 0, 3);
              }
            }
          }
        }
      }
    }
  }
  let offset = 0;
  if (i < n) {
    const c = text.charCodeAt(i);
    if (c === 90 && i === n - 1) {
      // Z
    } else if ((c === 43 || c === 45) && n - i === 6 && text.charCodeAt(i + 3) === 58) {
      const oh = digits(text, i + 1, 2);
      const om = digits(text, i + 4, 2);
      if (oh < 0 || om < 0) return NOT_RFC_3339;
      if (oh > 23 || om > 59) return `offset ${text.slice(i)} is out of range`;
      offset = (c === 45 ? -1 : 1) * (oh * 60 + om);
    } else {
      return NOT_RFC_3339;
    }
  }
  if (month < 1 || month > 12) return `month ${month} is out of range`;
  const days = month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day < 1 || day > days) return `day ${day} is out of range for ${text.slice(0, 7)}`;
  if (hour > 23) return `hour ${hour} is out of range`;
  if (minute > 59) return `minute ${minute} is out of range`;
  if (second > 59) return `second ${second} is out of range (leap seconds cannot be represented)`;
  let time: number;
  if (year >= 100) {
    time = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  } else {
    // Date.UTC maps the years 0..99 to 1900..1999, so set the full year explicitly.
    const date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    date.setUTCHours(hour, minute, second, millis);
    time = date.getTime();
  }
  return new Date(time - offset * 60_000);
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
