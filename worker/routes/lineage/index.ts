import { createRouter } from "../../context";
import * as graph from "./graph";
import * as impact from "./impact";
import * as ingest from "./ingest";
import * as ingestBatch from "./ingest-batch";
import * as path from "./path";

export const lineageRoutes = createRouter();
for (const op of [ingest, ingestBatch, graph, path, impact]) op.register(lineageRoutes);
