/** Why the dev loop updates something: the cause of a converge or of a service's rebuild. */
export type Trigger =
  /** A saved (or deleted) file, relative to the project. */
  | { readonly kind: "file"; readonly path: string }
  /** `npm run dev` started. */
  | { readonly kind: "start" }
  /** The dashboard's "rebuild & redeploy". */
  | { readonly kind: "rebuild-button" }
  /** A container holding live-updated files was replaced: it runs the image's files again. */
  | { readonly kind: "live-container-replaced" }
  /** Something Pulumi deployed was deleted or changed outside localkube. */
  | { readonly kind: "drift"; readonly what: string };

/** A trigger in the words the terminal and the dashboard show. */
export function describeTrigger(t: Trigger): string {
  switch (t.kind) {
    case "file":
      return t.path;
    case "start":
      return "npm run dev";
    case "rebuild-button":
      return "rebuild requested on the dashboard";
    case "live-container-replaced":
      return "a live-updated container was replaced";
    case "drift":
      return t.what;
  }
}

/** Saved files among triggers (relative to the project), in order. */
export function savedFiles(triggers: readonly Trigger[]): string[] {
  return triggers.flatMap((t) => (t.kind === "file" ? [t.path] : []));
}

export const sameTrigger = (a: Trigger, b: Trigger) => describeTrigger(a) === describeTrigger(b);
