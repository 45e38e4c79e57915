/**
 * The forwards of one `npm run dev` run, as the engine drives them: the command line's from the
 * start, the catalog's of the services each converge deployed, routed through the loop's own watch
 * of the cluster once it has one.
 */
import type { Catalog } from "../catalog/types";
import { catalogForwards, mergeForwards } from "./forwardSpecs";
import { ForwardSet, ForwardSpec, ForwardStatus } from "./forwards";
import type { ClusterPort } from "./engine/ports";
import { kubeTunnel } from "./tunnel";

/** What the engine needs of the run's forwards. */
export interface EngineForwards {
  /** The loop watches the cluster now: connections are routed through it. */
  attach(cluster: ClusterPort): void;
  /** A converge ended and the stack deploys `services`: resolves with lines worth printing. */
  deployed(catalog: Pick<Catalog, "services">, services: readonly string[]): Promise<string[]>;
  /** The cluster's objects changed. */
  refresh(): void;
  statuses(): readonly ForwardStatus[];
  onChange(listener: () => void): () => void;
  close(): Promise<void>;
}

/** The reconciler's owner for the forwards of services (a debug session would be another). */
const OWNER = "services";

export class RunForwards implements EngineForwards {
  readonly set: ForwardSet;

  constructor(
    private readonly cli: readonly ForwardSpec[],
    set = new ForwardSet(),
  ) {
    this.set = set;
  }

  /** Listens for `specs` now (before the first converge); resolves with a problem per forward that cannot. */
  open(specs: readonly ForwardSpec[]): Promise<string[]> {
    return this.set.reconcile(OWNER, specs);
  }

  attach(cluster: ClusterPort): void {
    this.set.attach(cluster, kubeTunnel(cluster.kc, cluster.namespace));
  }

  async deployed(
    catalog: Pick<Catalog, "services">,
    services: readonly string[],
  ): Promise<string[]> {
    const { specs, dropped } = mergeForwards(this.cli, catalogForwards(catalog, services));
    const problems = await this.set.reconcile(OWNER, specs);
    return [...dropped, ...problems];
  }

  refresh(): void {
    this.set.refresh();
  }

  statuses(): readonly ForwardStatus[] {
    return this.set.statuses();
  }

  onChange(listener: () => void): () => void {
    return this.set.onChange(listener);
  }

  close(): Promise<void> {
    return this.set.close();
  }
}
