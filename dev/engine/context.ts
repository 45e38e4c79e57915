import type { Catalog } from "../../catalog/types";
import type { Color } from "../terminal";
import type { Action, EngineState } from "./state";
import type { ClusterPort, EnginePorts } from "./ports";

/** What a reconciler's work sees of the engine: the state, the ports, and how to report back. */
export interface RunContext {
  readonly projectDir: string;
  readonly ports: EnginePorts;
  state(): EngineState;
  dispatch(a: Action): void;
  /** The catalog as last read. */
  catalog(): Catalog;
  /** Reads the catalog again (a save may have changed it); throws an InputError when unusable. */
  reloadCatalog(): Catalog;
  /** The cluster's watch, once the loop connected. */
  cluster(): ClusterPort | undefined;
  /** A line above the status, in a colour. */
  print(color: Color | undefined, line: string): void;
}
