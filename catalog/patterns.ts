/**
 * Value rules shared by the catalog parser, config reading and components: each pattern with the
 * words that explain it in messages. One definition per rule, so a service file and a config key
 * accept exactly the same values.
 */
export interface ValueRule {
  readonly pattern: RegExp;
  /** What the value must look like, e.g. "a CPU quantity such as 100m, 0.5 or 2". */
  readonly help: string;
}

/** A DNS-1123 label: service, group, namespace and host names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_LABEL_HELP =
  "lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";
export const DNS_LABEL_RULE: ValueRule = { pattern: DNS_LABEL, help: DNS_LABEL_HELP };

/** A DNS domain of labels, e.g. `localhost`, `sandbox.acme.dev`. */
export const DOMAIN: ValueRule = {
  pattern: /^(?=.{1,200}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  help: "a DNS domain such as localhost or dev.example.com",
};

/** IANA service name, as Kubernetes requires for named ports. */
export const PORT_NAME: ValueRule = {
  pattern: /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
  help: "lowercase letters, digits and '-' with at least one letter, at most 15 characters (e.g. http)",
};

/** An environment variable or build argument name. */
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const CPU_QUANTITY: ValueRule = {
  pattern: /^([0-9]+m|[0-9]+(\.[0-9]+)?)$/,
  help: "a CPU quantity such as 100m, 0.5 or 2",
};
export const MEMORY_QUANTITY: ValueRule = {
  pattern: /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/,
  help: "a memory quantity such as 128Mi or 1Gi",
};
/** A size in binary units, for volumes and quotas. */
export const SIZE: ValueRule = {
  pattern: /^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti)$/,
  help: "a size such as 512Mi or 2Gi",
};

/** Repository part of an image reference: lowercase host/path. */
export const IMAGE_REPOSITORY: ValueRule = {
  pattern: /^[a-z0-9]+([._\-/:][a-z0-9]+)*$/,
  help: "lowercase host/path like ghcr.io/acme/bank",
};
export const IMAGE_TAG: ValueRule = {
  pattern: /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/,
  help: "letters, digits, '_', '.', '-' (at most 128)",
};
/** A whole image reference: repository with a tag and/or digest. */
export const IMAGE_REF: ValueRule = {
  pattern: /^[a-z0-9][a-z0-9._\-/:@]*$/,
  help: "an image reference such as registry.example.com/team/image:1.2",
};
/** A registry with an optional path, images are named below it: `ghcr.io/acme`. */
export const REGISTRY_PREFIX: ValueRule = {
  pattern: /^[a-z0-9][a-z0-9._\-/:]*[a-z0-9]$/,
  help: "a registry prefix such as ghcr.io/acme",
};

/** A PostgreSQL identifier localkube creates (database, user). */
export const POSTGRES_IDENTIFIER: ValueRule = {
  pattern: /^[a-z_][a-z0-9_]{0,62}$/,
  help: "lowercase letters, digits and '_', starting with a letter or '_'",
};

/** kind cluster names end up in container and context names: keep them plain. */
export const CLUSTER_NAME: ValueRule = {
  pattern: /^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$/,
  help: "lowercase letters, digits and '-' (at most 40)",
};

/** Docker container names: what `docker run --name` accepts, minus leading punctuation. */
export const CONTAINER_NAME: ValueRule = {
  pattern: /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/,
  help: "a container name (letters, digits, '_', '.', '-', at most 63)",
};

/** Name of a secret in the stack's config, `localkube:secrets.<name>`. */
export const SECRET_NAME: ValueRule = {
  pattern: /^[A-Za-z][A-Za-z0-9_-]{0,62}$/,
  help: "a secret name: letters, digits, '_' and '-', starting with a letter (set with `pulumi config set --secret localkube:secrets.<name> <value>`)",
};
