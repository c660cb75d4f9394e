#!/usr/bin/env node
// Loads the TypeScript sources through tsx so `npx tutti` works from a checkout without a build step.
import { tsImport } from "tsx/esm/api";

await tsImport("./run.ts", import.meta.url);
