import * as pulumi from "@pulumi/pulumi";
import { SECRET_NAME } from "../catalog/patterns";
import { DeploymentPlan } from "../catalog/plan";
import { didYouMean, listNames, InputProblem, show } from "../catalog/problems";
import { Catalog, ServiceSpec } from "../catalog/types";
import { ConfigReader } from "./reader";
import { NAMESPACE } from "./source";

/** Config keys of the services' secrets: `localkube:secrets.<name>`. */
export const SECRETS_PREFIX = "secrets.";

/**
 * Every `localkube:secrets.<name>` key set in the stack, read as a secret Output (its value never
 * leaves Pulumi's secret handling: encrypted in state, `[secret]` in outputs and logs). Names that
 * services cannot refer to are reported.
 */
export function readSecrets(r: ConfigReader): ReadonlyMap<string, pulumi.Output<string>> {
  const out = new Map<string, pulumi.Output<string>>();
  for (const key of r.source.keys().sort()) {
    if (!key.startsWith(SECRETS_PREFIX)) continue;
    const name = key.slice(SECRETS_PREFIX.length);
    const value = r.secret(key);
    if (!SECRET_NAME.pattern.test(name)) {
      r.report(key, `${show(name)} is not a secret name: use ${SECRET_NAME.help}`);
      continue;
    }
    if (value !== undefined) out.set(name, value);
  }
  return out;
}

/** Where each secret is referred to: `services/bank.yaml` (`env.API_KEY`), by secret name. */
function references(services: Iterable<ServiceSpec>): Map<string, string[]> {
  const refs = new Map<string, string[]>();
  for (const svc of services)
    for (const [env, value] of Object.entries(svc.env))
      if (value.kind === "secret")
        refs.set(value.name, [...(refs.get(value.name) ?? []), `${svc.file} (\`env.${env}\`)`]);
  return refs;
}

/**
 * The secrets the deployed services need and the stack does not set (each with the command that
 * sets it), and the secrets the stack sets that no service of the catalog refers to (a typo must
 * not leave a service without its secret).
 */
export function secretProblems(
  secrets: ReadonlySet<string>,
  catalog: Catalog,
  plan: DeploymentPlan,
  stackFile: string,
): InputProblem[] {
  const problems: InputProblem[] = [];
  const needed = references(plan.services);
  for (const [name, where] of [...needed].sort(([a], [b]) => a.localeCompare(b))) {
    if (secrets.has(name)) continue;
    const key = `${NAMESPACE}:${SECRETS_PREFIX}${name}`;
    problems.push({
      file: stackFile,
      path: key,
      message: `not set, and ${where.join(" and ")} ${where.length === 1 ? "needs" : "need"} it; set it with \`pulumi config set --secret ${key} <value>\``,
    });
  }
  const known = references(catalog.services.values());
  for (const name of [...secrets].sort()) {
    if (known.has(name)) continue;
    const key = `${NAMESPACE}:${SECRETS_PREFIX}${name}`;
    problems.push({
      file: stackFile,
      path: key,
      message: `no service of the catalog refers to this secret${didYouMean(name, known.keys())} (secrets referred to: ${listNames(known.keys())}); remove it (\`pulumi config rm ${key}\`) or refer to it in a service's env, e.g. API_KEY: { secret: ${name} }`,
    });
  }
  return problems;
}
