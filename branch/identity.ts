import { createHash } from "crypto";
import { InputError } from "../catalog/problems";

/** Prefix of every branch stack name and branch namespace. */
export const BRANCH_PREFIX = "branch-";
const MAX_NAMESPACE = 63;
const HASH_LENGTH = 6;

export function isBranchStack(stack: string): boolean {
  return stack.startsWith(BRANCH_PREFIX) && stack.length > BRANCH_PREFIX.length;
}

/** Where a branch's name, slug and namespace come from, and whether the slug differs from the name. */
export interface BranchIdentity {
  /** The git branch name as given (stack suffix or `localkube:branch`). */
  readonly name: string;
  /** DNS-1123 label used in host names, e.g. `feature-login-3f2a1c`. */
  readonly slug: string;
  /** `branch-<slug>`, at most 63 characters. */
  readonly namespace: string;
  /** True when sanitizing or truncating changed the name (a hash suffix was added). */
  readonly changed: boolean;
}

/**
 * Turns a git branch name into a DNS-1123 slug and namespace. Lowercases, maps every other
 * character to '-', collapses runs of '-', trims. When that changed the name or the namespace
 * would exceed 63 characters, appends a 6-hex hash of the original name, so two branches never
 * collide (`Feature/X` and `feature-x` get different namespaces). Names with control characters,
 * or nothing usable, are rejected with a message saying how to name the branch instead.
 */
export function branchIdentity(name: string, source = "the stack name"): BranchIdentity {
  const reject = (why: string) =>
    new InputError(
      [
        {
          file: source,
          path: "branch",
          message: `${JSON.stringify(name.slice(0, 80))} ${why}; name the branch with letters, digits, '-', '/' or '.', or set localkube:branch`,
        },
      ],
      "invalid branch name",
    );
  if (name.length === 0) throw reject("is empty");
  if (/[\u0000-\u001f\u007f]/.test(name)) throw reject("contains control characters");
  if (name.length > 255) throw reject(`is ${name.length} characters long (git allows 255)`);
  const base = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
  if (!/[a-z0-9]/.test(base)) throw reject("has no letter or digit to build a namespace from");
  const room = MAX_NAMESPACE - BRANCH_PREFIX.length;
  const changed = base !== name || base.length > room;
  if (!changed) return { name, slug: base, namespace: `${BRANCH_PREFIX}${base}`, changed };
  const hash = createHash("sha256").update(name).digest("hex").slice(0, HASH_LENGTH);
  const head = base.slice(0, room - HASH_LENGTH - 1).replace(/-$/, "");
  const slug = `${head}-${hash}`;
  return { name, slug, namespace: `${BRANCH_PREFIX}${slug}`, changed };
}
