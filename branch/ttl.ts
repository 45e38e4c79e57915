/** Label-safe timestamp of a sandbox's creation and expiry: Unix seconds. */
export function epochSeconds(date: Date): string {
  return String(Math.floor(date.getTime() / 1000));
}
