const UNITS: Readonly<Record<string, number>> = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  s: 1000,
};

/** Parses a TTL such as `72h`, `3d`, `90m`, `1w`, `30s` (seconds, for tests) into milliseconds. */
export function parseTtl(text: string): number | undefined {
  const m = /^(\d+)(s|m|h|d|w)$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2]];
  return ms > 0 ? ms : undefined;
}

/** Label-safe timestamp: Unix seconds. */
export function epochSeconds(date: Date): string {
  return String(Math.floor(date.getTime() / 1000));
}
