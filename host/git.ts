import { execFileSync } from "child_process";

/**
 * Output of `git <args>` in `cwd`, trimmed; undefined when git fails or prints
 * nothing (no git, not a checkout, no user.email): the caller then falls back or leaves the fact out.
 * Runs the executable with an argument vector: no shell ever sees a value.
 */
export function gitOutput(args: readonly string[], cwd: string): string | undefined {
  try {
    const out = execFileSync("git", [...args], {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      timeout: 10_000,
    });
    return out.trim() || undefined;
  } catch {
    return undefined;
  }
}
