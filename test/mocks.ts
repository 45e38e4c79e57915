import * as pulumi from "@pulumi/pulumi";

/** One resource the program registered, as the mocks saw it. */
export interface Registered {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, any>;
  readonly provider?: string;
}

/** Value the mocked GeneratedPassword returns; tests check it never leaks. */
export const MOCK_PASSWORD = "Mock-Pa55word-9f3b1c7e";
/** Creation time the mocked CreationTime records: 2026-11-24T12:00:00Z. */
export const MOCK_CREATED_MS = Date.UTC(2026, 10, 24, 12, 0, 0);
/** Value the mocked kind cluster command prints (its kubeconfig). */
export const MOCK_KUBECONFIG = "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {client-key-data: MOCKKEY}}]\n";

let lastRegistered: Registered[] = [];

/**
 * Installs Pulumi mocks that record every resource. Outputs echo the inputs, plus what the
 * program reads: a kubeconfig for the kind cluster, a password for GeneratedPassword, a
 * digest for images.
 */
export function installMocks(): Registered[] {
  const registered: Registered[] = [];
  lastRegistered = registered;
  pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs, provider: args.provider });
        const state: Record<string, any> = { ...args.inputs };
        if (args.type === "pulumi-nodejs:dynamic/localkube:KindCluster") state.kubeconfig = MOCK_KUBECONFIG;
        if (args.type === "pulumi-nodejs:dynamic/localkube:GeneratedPassword") state.value = MOCK_PASSWORD;
        if (args.type === "pulumi-nodejs:dynamic/localkube:CreationTime") state.epochMs = MOCK_CREATED_MS;
        if (args.type === "pulumi-nodejs:dynamic/localkube:RegistryContainer") state.published = `${args.inputs.listen}:${args.inputs.port}`;
        if (args.type === "docker-build:index:Image") state.digest = "sha256:0123456789abcdef";
        return { id: `${args.name}-id`, state };
      },
      call(args) {
        return args.inputs;
      },
    },
    "localkube",
    "test",
    false,
  );
  // The mock monitor cannot run transforms (it has no callback server) and the SDK refuses them
  // under mocks; let registration through. Transforms are tested as functions (environment.test).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require("@pulumi/pulumi/runtime/state").getStore().supportsTransforms = true;
  return registered;
}

/** Resolves an Output (or plain value) under mocks. */
export function promiseOf<T>(value: pulumi.Input<T> | undefined): Promise<T | undefined> {
  return new Promise((resolve) => pulumi.output(value).apply((v) => resolve(v as T)));
}

/** Waits until the program has stopped registering resources (no new one for 150 ms, at most 10 s). */
export async function settle(registered?: readonly unknown[]): Promise<void> {
  await new Promise((r) => setImmediate(r));
  const list = registered ?? lastRegistered;
  const end = Date.now() + 10_000;
  let seen = -1;
  while (list.length !== seen && Date.now() < end) {
    seen = list.length;
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Registered resources of one type. */
export function ofType(registered: readonly Registered[], type: string): Registered[] {
  return registered.filter((r) => r.type === type);
}
