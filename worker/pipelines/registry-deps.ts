import { connectors } from "../connectors/all";
import { connectorFor } from "../connectors/registry";
import { specJsonSchema } from "./json-schema";
import type { SpecDeps } from "./validate";

/** Validation against the connectors Tutti ships (tests pass their own SpecDeps instead). */
export const registrySpecDeps: SpecDeps = {
  connectorFor,
  connectorKinds: () => connectors.map((c) => c.kind).sort(),
};

/** The editor schema with every shipped connector's `with` settings. */
export const shippedSpecJsonSchema = () => specJsonSchema(connectors);
