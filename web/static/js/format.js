// French formatting of dates, times and sizes.

const TIME = new Intl.DateTimeFormat("fr-FR", { hour: "2-digit", minute: "2-digit" });
const DAY_MONTH = new Intl.DateTimeFormat("fr-FR", { day: "2-digit", month: "2-digit" });
const FULL_DATE = new Intl.DateTimeFormat("fr-FR", { day: "2-digit", month: "2-digit", year: "numeric" });
const LONG_DAY = new Intl.DateTimeFormat("fr-FR", { weekday: "long", day: "numeric", month: "long", year: "numeric" });
const FULL = new Intl.DateTimeFormat("fr-FR", { dateStyle: "full", timeStyle: "short" });

function sameDay(a, b) {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
}

export function parseDate(value) {
  return value instanceof Date ? value : new Date(value);
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
