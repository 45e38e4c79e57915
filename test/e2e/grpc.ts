/**
 * A real gRPC client for the e2e suite (@grpc/grpc-js): calls services/rates through the ingress
 * (127.0.0.1:80 with the service's authority, as `grpcurl -plaintext -authority rates.localhost
 * 127.0.0.1:80` does) or through a forward, and lists services by server reflection as
 * `grpcurl … list` does.
 */
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import * as path from "path";
import { REPO } from "./harness";

const load = (file: string) =>
  grpc.loadPackageDefinition(
    protoLoader.loadSync(file, { keepCase: false, longs: String, defaults: true, oneofs: true }),
  ) as any;

const rates = load(path.join(REPO, "services/rates/rates.proto")).rates.v1;
const reflection = load(path.join(__dirname, "protos/reflection.proto")).grpc.reflection.v1;

/** Channel options: the `:authority` the ingress routes on (none through a forward). */
const options = (authority?: string): grpc.ChannelOptions =>
  authority ? { "grpc.default_authority": authority } : {};

export interface Quote {
  readonly pair: string;
  readonly rate: number;
  readonly servedBy: string;
}

/** rates.v1.Rates/Quote at `address` (`127.0.0.1:80`), failing after `timeoutMs`. */
export function quote(
  address: string,
  currency: string,
  opts: { authority?: string; timeoutMs?: number } = {},
): Promise<Quote> {
  const client = new rates.Rates(
    address,
    grpc.credentials.createInsecure(),
    options(opts.authority),
  );
  return new Promise<Quote>((resolve, reject) => {
    client.Quote(
      { currency },
      { deadline: Date.now() + (opts.timeoutMs ?? 5000) },
      (err: grpc.ServiceError | null, reply: Quote) => (err ? reject(err) : resolve(reply)),
    );
  }).finally(() => client.close());
}

/** The services the server lists by reflection (`grpcurl -plaintext … list`). */
export function listServices(
  address: string,
  opts: { authority?: string; timeoutMs?: number } = {},
): Promise<string[]> {
  const client = new reflection.ServerReflection(
    address,
    grpc.credentials.createInsecure(),
    options(opts.authority),
  );
  return new Promise<string[]>((resolve, reject) => {
    const call = client.ServerReflectionInfo({ deadline: Date.now() + (opts.timeoutMs ?? 5000) });
    call.on("data", (r: any) => {
      if (r.errorResponse) reject(new Error(r.errorResponse.errorMessage));
      else resolve((r.listServicesResponse?.service ?? []).map((s: any) => s.name));
      call.end();
    });
    call.on("error", reject);
    call.write({ host: opts.authority ?? "", listServices: "" });
  }).finally(() => client.close());
}
