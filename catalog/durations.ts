const UNITS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * Parses a duration as config and the command line write it — `30s`, `90m`, `72h`, `3d`, `1w` —
 * into milliseconds; undefined for anything else (zero too). Used for sandbox TTLs, readiness
 * timeouts and the dev loop's flags.
 */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)(s|m|h|d|w)$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2]];
  return ms > 0 ? ms : undefined;
}
