import type { V1Pod, V1Secret } from "@kubernetes/client-node";
import { redact, redactor, secretRefsOf, secretNames, secretValues } from "../status/redact";

const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

const pod: Pick<V1Pod, "spec"> = {
  spec: {
    initContainers: [
      {
        name: "wait",
        env: [
          { name: "TOKEN", valueFrom: { secretKeyRef: { name: "init-secret", key: "token" } } },
        ],
      },
    ],
    containers: [
      {
        name: "bank",
        env: [
          { name: "PLAIN", value: "not-a-secret" },
          {
            name: "DATABASE_URL",
            valueFrom: { secretKeyRef: { name: "postgres-connection", key: "DATABASE_URL" } },
          },
          { name: "CM", valueFrom: { configMapKeyRef: { name: "cm", key: "x" } } },
        ],
        envFrom: [{ secretRef: { name: "bank-secrets" } }, { configMapRef: { name: "cm" } }],
      },
    ],
    volumes: [
      { name: "tls", secret: { secretName: "bank-tls" } },
      { name: "p", projected: { sources: [{ secret: { name: "projected" } }] } },
      { name: "files", configMap: { name: "bank-files" } },
    ],
  },
};

const secrets: Pick<V1Secret, "metadata" | "data" | "stringData">[] = [
  {
    metadata: { name: "postgres-connection" },
    data: {
      DATABASE_URL: b64("postgresql://bank:s3cr%2Ft-pw@postgres:5432/bank"),
      PGPASSWORD: b64("s3cr/t-pw"),
    },
  },
  { metadata: { name: "bank-secrets" }, data: { settlementKey: b64("0123456789abcdef") } },
  { metadata: { name: "init-secret" }, stringData: { token: "tok-en-42", other: "unread-value" } },
  { metadata: { name: "bank-tls" }, data: { "tls.key": b64("-----BEGIN KEY-----") } },
];

test("secretRefsOf: env secretKeyRefs of every container (init ones too), envFrom Secrets and Secret volumes; ConfigMaps are not secrets", () => {
  expect(secretRefsOf([pod, pod])).toEqual([
    { name: "init-secret", key: "token" },
    { name: "postgres-connection", key: "DATABASE_URL" },
    { name: "bank-secrets" },
    { name: "bank-tls" },
    { name: "projected" },
  ]);
  expect(secretNames(secretRefsOf([pod]))).toEqual([
    "init-secret",
    "postgres-connection",
    "bank-secrets",
    "bank-tls",
    "projected",
  ]);
});

test("secretValues: the keys read (one key, or all of an envFrom/volume Secret), decoded, with a URL's password plain and decoded; missing Secrets and keys skipped", () => {
  expect(secretValues(secretRefsOf([pod]), secrets)).toEqual([
    "tok-en-42",
    "postgresql://bank:s3cr%2Ft-pw@postgres:5432/bank",
    "s3cr%2Ft-pw",
    "s3cr/t-pw",
    "0123456789abcdef",
    "-----BEGIN KEY-----",
  ]);
});

test("secretValues: values too short to be told apart from ordinary text are kept out", () => {
  expect(
    secretValues(
      [{ name: "s" }],
      [{ metadata: { name: "s" }, stringData: { a: "1", b: "on", c: "   ", d: "abcd" } }],
    ),
  ).toEqual(["abcd"]);
});

test("redact: a connection error quoting DATABASE_URL, and the password on its own, become [secret]", () => {
  const values = secretValues(secretRefsOf([pod]), secrets);
  expect(
    redact(
      'psycopg.OperationalError: connection to "postgresql://bank:s3cr%2Ft-pw@postgres:5432/bank" failed; password=s3cr/t-pw',
      values,
    ),
  ).toBe('psycopg.OperationalError: connection to "[secret]" failed; password=[secret]');
  expect(redactor(values)("no secret here")).toBe("no secret here");
  expect(redactor([])("s3cr/t-pw")).toBe("s3cr/t-pw");
});
