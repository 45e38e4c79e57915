import * as fs from "fs";
import { fakeConfig } from "./mocks";
import { DISK } from "../host/catalogFiles";
import * as path from "path";
import { planDeployment } from "../catalog/plan";
import { formatInputProblem } from "../catalog/problems";
import { buildCatalog } from "../catalog/validate";
import { ConfigReader } from "../config/reader";
import { readSecrets, secretProblems } from "../config/secrets";
import { tempCatalogs } from "./tempCatalog";

const STACK_FILE = "Pulumi.local.yaml";

/** Stack config with secrets, as `pulumi config set --secret` holds them. */
const source = (values: Record<string, string>, secrets: Record<string, string>) =>
  fakeConfig(values, secrets, STACK_FILE);

const catalogDir = tempCatalogs("lk-secrets-");
function catalog(files: Record<string, string>) {
  const dir = catalogDir(files);
  return buildCatalog(
    "services",
    dir,
    Object.keys(files).map((n) => ({
      file: `services/${n}`,
      text: fs.readFileSync(path.join(dir, n), "utf8"),
    })),
  );
}

describe("readSecrets", () => {
  test("every localkube:secrets.<name> key, by name; other keys are not read", () => {
    const r = new ConfigReader(
      source({ namespace: "x" }, { "secrets.bankApiKey": "k-1", "secrets.settlementKey": "k-2" }),
    );
    const secrets = readSecrets(r);
    expect([...secrets.keys()]).toEqual(["bankApiKey", "settlementKey"]);
    expect(r.problems).toEqual([]);
    // They are known keys: not reported as unknown.
    r.checkUnknownKeys("a local stack");
    expect(r.problems.map(formatInputProblem)).toEqual([
      'Pulumi.local.yaml: `localkube:namespace`: unknown key for a local stack; the README\'s "Configuration" section lists the keys of a local stack; remove it (`pulumi config rm localkube:namespace`) or correct its name',
    ]);
  });

  test("a secret set without --secret is refused with the command that encrypts it; its value is never shown", () => {
    const r = new ConfigReader(source({ "secrets.settlementKey": "Plain-Settle-K3y" }, {}));
    expect([...readSecrets(r).keys()]).toEqual(["settlementKey"]);
    expect(r.problems.map(formatInputProblem)).toEqual([
      "Pulumi.local.yaml: `localkube:secrets.settlementKey`: is set in plaintext, but it is a secret (its value is not shown here); encrypt it: `pulumi config set --secret localkube:secrets.settlementKey …`",
    ]);
  });

  test("a key whose name no service could refer to", () => {
    const r = new ConfigReader(source({}, { "secrets.bank.api.key": "k" }));
    expect([...readSecrets(r).keys()]).toEqual([]);
    expect(r.problems.map(formatInputProblem)).toEqual([
      "Pulumi.local.yaml: `localkube:secrets.bank.api.key`: \"bank.api.key\" is not a secret name: use a secret name: letters, digits, '_' and '-', starting with a letter (set with `pulumi config set --secret localkube:secrets.<name> <value>`)",
    ]);
  });
});

describe("secretProblems", () => {
  const files = {
    "bank.yaml": "image: a/bank\nenv:\n  API_KEY: {secret: bankApiKey}\n",
    "settlement.yaml":
      "workload: cronjob\nschedule: '@daily'\nimage: a/s\nenv:\n  KEY: {secret: settlementKey}\n  BANK_KEY: {secret: bankApiKey}\n",
    "web.yaml": "image: a/web\n",
  };

  test("a secret the deployed services need, with the exact command that sets it", () => {
    const c = catalog(files);
    const plan = planDeployment(c, { files: DISK, selection: ["bank", "settlement"] });
    expect(
      secretProblems(new Set(["settlementKey"]), c, plan, STACK_FILE).map(formatInputProblem),
    ).toEqual([
      "Pulumi.local.yaml: `localkube:secrets.bankApiKey`: not set, and services/bank.yaml (`env.API_KEY`) and services/settlement.yaml (`env.BANK_KEY`) need it; set it with `pulumi config set --secret localkube:secrets.bankApiKey <value>`",
    ]);
  });

  test("only the selection's secrets are needed", () => {
    const c = catalog(files);
    const plan = planDeployment(c, { files: DISK, selection: ["web"] });
    expect(secretProblems(new Set(), c, plan, STACK_FILE)).toEqual([]);
  });

  test("a secret no service of the catalog refers to, with the closest name", () => {
    const c = catalog(files);
    const plan = planDeployment(c, { files: DISK, selection: ["web"] });
    expect(
      secretProblems(new Set(["bankApiKye", "settlementKey"]), c, plan, STACK_FILE).map(
        formatInputProblem,
      ),
    ).toEqual([
      'Pulumi.local.yaml: `localkube:secrets.bankApiKye`: no service of the catalog refers to this secret (did you mean "bankApiKey"?) (secrets referred to: bankApiKey, settlementKey); remove it (`pulumi config rm localkube:secrets.bankApiKye`) or refer to it in a service\'s env, e.g. API_KEY: { secret: bankApiKye }',
    ]);
  });
});
