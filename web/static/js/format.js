// French formatting of dates, times and sizes.

const TIME = new Intl.DateTimeFormat("fr-FR", { hour: "2-digit", minute: "2-digit" });
const DAY_MONTH = new Intl.DateTimeFormat("fr-FR", { day: "2-digit", month: "2-digit" });
const FULL_DATE = new Intl.DateTimeFormat("fr-FR", { day: "2-digit", month: "2-digit", year: "numeric" });
const LONG_DAY = new Intl.DateTimeFormat("fr-FR", { weekday: "long", day: "numeric", month: "long", year: "numeric" });
const FULL = new Intl.DateTimeFormat("fr-FR", { dateStyle: "full", timeStyle: "short" });

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

const NO_ZONE = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?$/;

/** The API's times are UTC; a few say so without the "Z" (receipts), which browsers would read as local. */
export function parseDate(value) {
  if (value instanceof Date) return value;
  return new Date(typeof value === "string" && NO_ZONE.test(value) ? `${value}Z` : value);
}

/** Same minute on the clock: two times a person would read as one. */
export function sameMinute(a, b) {
  return Math.floor(parseDate(a).getTime() / 60000) === Math.floor(parseDate(b).getTime() / 60000);
}

/** Short date for lists: "14:05" today, "hier", "12/03" this year, "12/03/2023" before. */
export function shortDate(value, now = new Date()) {
  const date = parseDate(value);
  if (sameDay(date, now)) return TIME.format(date);
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(date, yesterday)) return "hier";
  if (date.getFullYear() === now.getFullYear()) return DAY_MONTH.format(date);
  return FULL_DATE.format(date);
}

export function timeOf(value) {
  return TIME.format(parseDate(value));
}

/** Day separator text in a thread: "Aujourd'hui", "Hier", "lundi 3 mars 2025". */
export function dayLabel(value, now = new Date()) {
  const date = parseDate(value);
  if (sameDay(date, now)) return "Aujourd'hui";
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(date, yesterday)) return "Hier";
  return LONG_DAY.format(date);
}

export function dayKey(value) {
  const date = parseDate(value);
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

/** Full date and time, for tooltips. */
export function fullDate(value) {
  return FULL.format(parseDate(value));
}

/** "850 o", "12 Ko", "1,4 Mo". */
export function fileSize(bytes) {
  if (bytes < 1024) return `${bytes} o`;
  const units = ["Ko", "Mo", "Go"];
  let size = bytes / 1024;
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  const digits = size < 10 ? 1 : 0;
  return `${size.toLocaleString("fr-FR", { maximumFractionDigits: digits })} ${units[unit]}`;
}

/** "à l'instant", "il y a 5 min", "il y a 2 h", "hier", "il y a 3 jours", then the date. */
export function relativeTime(value, now = new Date()) {
  const date = parseDate(value);
  const minutes = Math.max(0, Math.round((now - date) / 60000));
  if (minutes < 1) return "à l'instant";
  if (minutes < 60) return `il y a ${minutes} min`;
  const hours = Math.round(minutes / 60);
  if (hours < 24 && sameDay(date, now)) return `il y a ${hours} h`;
  const yesterday = new Date(now);
  yesterday.setDate(now.getDate() - 1);
  if (sameDay(date, yesterday)) return "hier";
  const days = Math.round(hours / 24);
  if (days < 7) return `il y a ${days} jours`;
  return `le ${FULL_DATE.format(date)}`;
}

/** "Le 12/03 à 14:05" style, for receipts and openings. */
export function atTime(value, now = new Date()) {
  const date = parseDate(value);
  if (sameDay(date, now)) return `aujourd'hui à ${TIME.format(date)}`;
  return `le ${FULL_DATE.format(date)} à ${TIME.format(date)}`;
}

/** An INS (NIR) grouped as it is printed on a carte Vitale: "2 85 03 77 123 456 78". */
export function formatIns(ins) {
  const value = String(ins || "").replace(/\s+/g, "");
  if (value.length !== 15) return value;
  return [value[0], value.slice(1, 3), value.slice(3, 5), value.slice(5, 7), value.slice(7, 10), value.slice(10, 13),
    value.slice(13)].join(" ");
}
