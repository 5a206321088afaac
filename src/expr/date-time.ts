/**
 * What `now()` returns: a UTC instant that behaves like Python's timezone-aware `datetime`
 * (DECISIONS 27). It prints as `str(datetime)` (`2026-12-07 17:30:00.123000+00:00`), has
 * `year` … `microsecond`, `isoformat()`, `strftime(fmt)`, `timestamp()` and `date()`, and
 * becomes its ISO string as a native value or in `tojson`. The clock is the caller's: the engine
 * passes the time of the event it decides on, a worker its own clock.
 */
import { PyFunction } from "./values.ts";

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

export class PyDateTime {
  private readonly d: Date;

  constructor(readonly ms: number) {
    this.d = new Date(ms);
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
    const d = this.d;
    return format.replace(/%([a-zA-Z%])/g, (whole, c: string) => {
      switch (c) {
        case "Y":
          return pad(d.getUTCFullYear(), 4);
        case "y":
          return pad(d.getUTCFullYear() % 100);
        case "m":
          return pad(d.getUTCMonth() + 1);
        case "d":
          return pad(d.getUTCDate());
        case "H":
          return pad(d.getUTCHours());
        case "I":
          return pad(((d.getUTCHours() + 11) % 12) + 1);
        case "p":
          return d.getUTCHours() < 12 ? "AM" : "PM";
        case "M":
          return pad(d.getUTCMinutes());
        case "S":
          return pad(d.getUTCSeconds());
        case "f":
          return pad(d.getUTCMilliseconds() * 1000, 6);
        case "j": {
          const start = Date.UTC(d.getUTCFullYear(), 0, 1);
          return pad(Math.floor((this.ms - start) / 86_400_000) + 1, 3);
        }
        case "a":
          return (DAYS[d.getUTCDay()] as string).slice(0, 3);
        case "A":
          return DAYS[d.getUTCDay()] as string;
        case "w":
          return String(d.getUTCDay());
        case "b":
          return (MONTHS[d.getUTCMonth()] as string).slice(0, 3);
        case "B":
          return MONTHS[d.getUTCMonth()] as string;
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

  /** Attributes and methods, as `getAttr` asks for them. */
  attr(name: string): unknown {
    const d = this.d;
    switch (name) {
      case "year":
        return d.getUTCFullYear();
      case "month":
        return d.getUTCMonth() + 1;
      case "day":
        return d.getUTCDate();
      case "hour":
        return d.getUTCHours();
      case "minute":
        return d.getUTCMinutes();
      case "second":
        return d.getUTCSeconds();
      case "microsecond":
        return d.getUTCMilliseconds() * 1000;
      case "isoformat":
        return new PyFunction(name, () => this.isoformat());
      case "strftime":
        return new PyFunction(name, (args) => this.strftime(String(args[0] ?? "")));
      case "timestamp":
        return new PyFunction(name, () => this.ms / 1000);
      case "date":
        return new PyFunction(name, () => this.strftime("%Y-%m-%d"));
      default:
        return undefined;
    }
  }
}
