/**
 * Before the e2e suite: a directory of this run's own for its state backend, kubeconfig and logs
 * (`LOCALKUBE_E2E_ARTIFACTS` when set), so that two runs on one machine never share a backend.
 * The harness reads the variable; test files run in this process (`--runInBand`) or its children.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export default function globalSetup(): void {
  if (!process.env.LOCALKUBE_E2E_ARTIFACTS)
    process.env.LOCALKUBE_E2E_ARTIFACTS = fs.mkdtempSync(path.join(os.tmpdir(), "localkube-e2e-"));
  fs.mkdirSync(process.env.LOCALKUBE_E2E_ARTIFACTS, { recursive: true });
  console.log(
    `\ne2e artifacts (state backend, kubeconfig, logs): ${process.env.LOCALKUBE_E2E_ARTIFACTS}`,
  );
}
