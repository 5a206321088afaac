/**
 * What `now()` returns: a UTC instant that behaves like Python's timezone-aware `datetime`
 * (DECISIONS 27). It prints as `str(datetime)` (`2026-12-07 17:30:00.123000+00:00`), has
 * `year` … `microsecond`, `isoformat()`, `strftime(fmt)`, `timestamp()` and `date()`, and
 * becomes its ISO string as a native value or in `tojson`. The clock is the caller's: the engine
 * passes the time of the event it decides on, a worker its own clock. The calendar is computed
 * here (the pure core does not use `Date`).
 */
import { pyFloat } from "./py-float.ts";

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** The UTC calendar fields of an instant (proleptic Gregorian, as Python's). */
interface Civil {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** 0 = Sunday. */
  weekday: number;
  /** 1 = January 1st. */
  yearDay: number;
}

const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civil(ms: number): Civil {
  const days = Math.floor(ms / DAY_MS);
  const inDay = ms - days * DAY_MS;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return {
    year,
    month,
    day,
    hour: Math.floor(inDay / 3_600_000),
    minute: Math.floor(inDay / 60_000) % 60,
    second: Math.floor(inDay / 1000) % 60,
    millisecond: inDay % 1000,
    weekday: (((days + 4) % 7) + 7) % 7,
    yearDay: days - daysFromCivil(year, 1, 1) + 1,
  };
}

export class PyDateTime {
  private readonly c: Civil;

  constructor(readonly ms: number) {
    this.c = civil(Math.floor(ms));
  }

  /** `str(datetime)`: `YYYY-MM-DD HH:MM:SS.ffffff+00:00`. */
  str(): string {
    return `${this.strftime("%Y-%m-%d %H:%M:%S.%f")}+00:00`;
  }

  /** Nested in a value that leaves the template (`JSON.stringify`): its ISO string. */
  toJSON(): string {
    return this.isoformat();
  }

  isoformat(): string {
    return `${this.strftime("%Y-%m-%dT%H:%M:%S.%f")}+00:00`;
  }

  strftime(format: string): string {
    const c = this.c;
    return format.replace(/%([a-zA-Z%])/g, (whole, directive: string) => {
      switch (directive) {
        case "Y":
          return pad(c.year, 4);
        case "y":
          return pad(c.year % 100);
        case "m":
          return pad(c.month);
        case "d":
          return pad(c.day);
        case "H":
          return pad(c.hour);
        case "I":
          return pad(((c.hour + 11) % 12) + 1);
        case "p":
          return c.hour < 12 ? "AM" : "PM";
        case "M":
          return pad(c.minute);
        case "S":
          return pad(c.second);
        case "f":
          return pad(c.millisecond * 1000, 6);
        case "j":
          return pad(c.yearDay, 3);
        case "a":
          return (DAYS[c.weekday] as string).slice(0, 3);
        case "A":
          return DAYS[c.weekday] as string;
        case "w":
          return String(c.weekday);
        case "b":
          return (MONTHS[c.month - 1] as string).slice(0, 3);
        case "B":
          return MONTHS[c.month - 1] as string;
        case "z":
          return "+0000";
        case "Z":
          return "UTC";
        case "%":
          return "%";
        default:
          return whole;
      }
    });
  }

  /** Attributes, and methods as functions of their arguments (`getAttr` wraps them). */
  attr(name: string): number | ((args: unknown[]) => unknown) | undefined {
    const c = this.c;
    switch (name) {
      case "year":
        return c.year;
      case "month":
        return c.month;
      case "day":
        return c.day;
      case "hour":
        return c.hour;
      case "minute":
        return c.minute;
      case "second":
        return c.second;
      case "microsecond":
        return c.millisecond * 1000;
      case "isoformat":
        return () => this.isoformat();
      case "strftime":
        return (args) => this.strftime(String(args[0] ?? ""));
      case "timestamp":
        return () => pyFloat(this.ms / 1000);
      case "date":
        return () => this.strftime("%Y-%m-%d");
      case "weekday":
        return () => (c.weekday + 6) % 7;
      default:
        return undefined;
    }
  }
}
